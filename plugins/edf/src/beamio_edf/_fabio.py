"""The fabio bridge: every detector image format fabio reads, through beamio's model.

CBF, TIFF, MarCCD, Mar345, d*TREK/ADSC, Bruker, Rigaku, Pilatus … — the formats no
native plugin reads. EDF stays with the edf format and HDF5 (Eiger, LImA, Lambda)
with nexus: the bridge's signatures score low, its priority is below every
native format, and its sniffer refuses whatever a native signature claims.

The hook module imports this one for :data:`FORMAT`, so numpy and fabio are
imported only when a file is sniffed, read or written.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import re
import shutil
import tempfile
import threading
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import attrs

from beamio import (
    KNOWN_FORMATS,
    Capabilities,
    Diagnostics,
    FormatReader,
    FormatSpec,
    FormatWriter,
    Head,
    Header,
    Option,
    Signature,
    Source,
    Target,
)
from beamio.errors import FormatError, NotThisFormat, UnsupportedOperation

if TYPE_CHECKING:
    import numpy as np

    from beamio import Dataset, File, Frame

__all__ = ["FORMAT", "Detection", "FabioReader", "FabioWriter", "detect"]

# Below every native signature (the lowest scores 30): a native format claiming a file always ranks first.
_CERTAIN = 20  # a magic number few other files start with
_HINT = 5  # two bytes, '<', or zeros: many files start so

# fabio.openimage.MAGIC_NUMBERS without EDF's '{' and HDF5's signature, which native formats own.
_MAGIC: tuple[tuple[bytes, str, int], ...] = (
    (b"###CBF: VERSION", "CBF", _CERTAIN),
    (b"II\x2a\x00", "little-endian TIFF (MarCCD, Pilatus)", _CERTAIN),
    (b"MM\x00\x2a", "big-endian TIFF", _CERTAIN),
    (b"II\x2b\x00", "little-endian BigTIFF", _CERTAIN),
    (b"MM\x2b\x00", "big-endian BigTIFF", _CERTAIN),
    (b"FORMAT :100", "Bruker SFRM v100", _CERTAIN),
    (b"FORMAT :        86", "Bruker v86", _CERTAIN),
    (b"{\nHEA", "d*TREK / ADSC", _CERTAIN),
    (b"R-AXIS", "Rigaku R-AXIS", _CERTAIN),
    (b"ESPERANTO FORMAT", "CrysAlis Esperanto", _CERTAIN),
    (b"ADEPT", "GE", _CERTAIN),
    (b"M\x00\x00\x00A\x00\x00\x00S\x00\x00\x00K\x00\x00\x00", "Fit2D mask", _CERTAIN),
    (b"\n\xb8\x03\x00", "Pixi", _CERTAIN),
    (b"\x93NUMPY", "NumPy", _CERTAIN),
    (b"\\$FFF_START", "Fit2D", _CERTAIN),
    (b"\xff\xd8\xff\xdb", "JPEG", _CERTAIN),
    (b"\xff\xd8\xff\xe0", "JPEG (JFIF)", _CERTAIN),
    (b"\xff\xd8\xff\xe1", "JPEG (Exif)", _CERTAIN),
    (b"\x00\x00\x00\x0cjP  \r\n\x87\n", "JPEG 2000", _CERTAIN),
    (b"\xd2\x04", "Mar345", _HINT),
    (b"\x04\xd2", "Mar345", _HINT),
    (b"\x2d\x04", "Mar345", _HINT),
    (b"\x04\x2d", "Mar345", _HINT),
    (b"OD", "Oxford Diffraction", _HINT),
    (b"IM", "Hamamatsu HiPic", _HINT),
    (b"No", "Nonius KCD", _HINT),
    (b"\x00\x00\x00\x03", "Digital Micrograph DM3", _HINT),
    (b"\x00" * 10, "GE", _HINT),
    (b"<", "XSDataImage", _HINT),
)

# fabio's own extensions, without EDF's and HDF5's and the flat binary's (it needs dims).
_EXTENSIONS = (
    ".cbf", ".tif", ".tiff", ".mccd", ".img", ".sfrm", ".mar1200", ".mar1600", ".mar1800",
    ".mar2000", ".mar2300", ".mar2400", ".mar3000", ".mar3450", ".msk", ".pnm", ".pgm", ".pbm",
    ".dm3", ".spr", ".kcd", ".xsd", ".npy", ".f2d", ".spe", ".jpg", ".jpeg", ".jp2", ".jpx",
    ".j2k", ".jpf", ".jpg2", ".mpa", ".mrc", ".map", ".fei", ".esper", ".eseperanto",
)  # fmt: skip

_SIGNATURES: tuple[Signature, ...] = tuple(
    Signature(magic=magic, score=score, description=f"fabio's magic number for {what}")
    for magic, what, score in _MAGIC
)

FORMAT = FormatSpec(
    "fabio",
    "detector images fabio reads: CBF, TIFF, MarCCD, …",
    extensions=_EXTENSIONS,
    signatures=_SIGNATURES,
    capabilities=Capabilities(read=True, write=True, multi_frame=True, lazy=True),
    reader="beamio_edf._fabio:FabioReader",
    writer="beamio_edf._fabio:FabioWriter",
    install_hint="pip install beamio-edf",
    priority=-100,
)

# fabio's kinds that the bridge never reads: native formats own them, or fabio needs to be told dims.
_NEVER = {"edf": "edf", "eiger": "nexus", "hdf5": "nexus", "lima": "nexus", "lambda": "nexus",
          "sparse": "nexus", "binary": None}  # fmt: skip


# fabio's classes whose readheader gives read's header, shape and dtype: opening reads no pixel.
_HEADER_ONLY = frozenset({"cbfimage", "esperantoimage"})


def _fabio() -> Any:
    """fabio, imported when a file needs it (the hook module imports this module)."""
    import fabio.fabioformats
    import fabio.fabioimage
    import fabio.fabioutils
    import fabio.openimage

    return fabio


# -- detection ----------------------------------------------------------------------


@attrs.frozen
class Detection:
    """Which of fabio's classes may read a file, and whether a magic number makes it certain."""

    codecs: tuple[str, ...]
    certain: bool
    why: str


def detect(head: Head) -> Detection:
    """fabio's own guess for a head (magic number, else the name); NotThisFormat when it has none.

    A file that a native format's signature claims is refused first, whatever fabio
    thinks of it.
    """
    for spec in KNOWN_FORMATS:
        for signature in spec.signatures:
            why = signature.match(head)
            if why is not None:
                raise NotThisFormat(
                    f"{why}: a {spec.name} file, read by that format, never by fabio", head.path
                )
    fabio = _fabio()
    try:
        # fabio's own detection, from the head alone (its HDF5 branch opens the file: refused above).
        kinds, why = [fabio.openimage._do_magic(head.data, head.name)], "fabio's magic number"
    except Exception:  # fabio's way of saying no magic number matched
        kinds, why = _by_name(fabio, head.name), "the file name (fabio's guess)"
    refused = [kind for kind in kinds if kind.lower() in _NEVER]
    codecs = tuple(
        f"{kind.lower()}image"
        for kind in kinds
        if kind.lower() not in _NEVER and fabio.fabioformats.get_class_by_name(f"{kind.lower()}image")
    )
    if not codecs:
        owner = _NEVER.get(refused[0].lower()) if refused else None
        if owner:
            raise NotThisFormat(f"fabio takes it for {refused[0]}, which the {owner} format reads", head.path)
        raise NotThisFormat("fabio knows neither its magic number nor its name", head.path)
    certain = len(codecs) == 1 and any(s.score >= _CERTAIN and s.match(head) for s in FORMAT.signatures)
    return Detection(codecs, certain, f"{why} says {', '.join(kinds)}")


def _by_name(fabio: Any, name: str) -> list[str]:
    try:
        kinds = fabio.fabioutils.FilenameObject(filename=name).format
    except Exception:
        return []
    return [kinds] if isinstance(kinds, str) else list(kinds or ())


# -- fabio's values as beamio's ----------------------------------------------------------


def _text(value: Any) -> str:
    """A fabio header key or value as text: bytes decoded, numpy values as Python's."""
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "surrogateescape")
    if hasattr(value, "tolist"):  # numpy arrays and scalars: no '...' abbreviation
        return str(value.tolist())
    return str(value)


def _header_from(items: Any, origin: str) -> Header:
    """fabio's header (a dict) as a beamio Header: keys in order, values as text."""
    return Header([(_text(key), _text(value)) for key, value in dict(items or {}).items()], origin=origin)


class _Records(logging.Handler):
    """What fabio logs in this thread while it reads: the warnings it would otherwise only print."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.thread = threading.get_ident()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            self.records.append(record)


@contextlib.contextmanager
def _listening() -> Iterator[list[str]]:
    """What fabio logs and what it (or PIL under it) warns, as messages, while the block runs."""
    handler = _Records()
    logger = logging.getLogger("fabio")
    logger.addHandler(handler)
    said: list[str] = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield said
    finally:
        logger.removeHandler(handler)
        said.extend(f"fabio: {r.getMessage().strip()}" for r in handler.records)
        said.extend(f"{w.category.__name__}: {w.message}" for w in caught)


# -- reading --------------------------------------------------------------------------


class _EndGuard:
    """Reads that raise EOFError when asked past the end again and again.

    Some of fabio's readers read until they find what a broken file lacks (the CBF
    reader, its binary section's start bytes) and would never return.
    """

    name: Any
    _empty_reads = 0

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)  # type: ignore[misc]
        if data or size == 0:
            self._empty_reads = 0
        else:
            self._empty_reads += 1
            if self._empty_reads > 100:
                raise EOFError(f"{self.name} was read past its end again and again: truncated?")
        return data


class _GuardedFile(_EndGuard, io.FileIO):
    """A file as fabio opens one (its ``File`` is a FileIO), guarded at the end."""


class _GuardedBytes(_EndGuard, io.BytesIO):
    """The decompressed content of a .gz/.bz2/.xz file, guarded at the end."""

    def __init__(self, data: bytes, name: str) -> None:
        super().__init__(data)
        self.name = name


class _Frames:
    """The frames of one file as one fabio class reads them: count, shape and dtype, data on demand.

    Opening reads the header alone where fabio can say shape and dtype from it
    (CBF, Esperanto); otherwise fabio reads the first frame, header and data. The
    frame read last is kept, so a frame's header and data cost one read.
    """

    def __init__(self, codec: str, source: Source, log: Diagnostics) -> None:
        fabio = _fabio()
        self.cls = fabio.fabioformats.get_class_by_name(codec)
        self.name = codec.removesuffix("image")
        self.path = source.path
        self.log = log
        self._bytes: bytes | None = None
        if source.compression is not None:
            with source.open() as handle:
                self._bytes = handle.read()
        self._image: Any = None
        self._handles: list[Any] = []
        self._kept: tuple[int, np.ndarray, Header] | None = None
        base = fabio.fabioimage.FabioImage
        # A class that keeps fabio's getframe has one frame per file (fabio's getframe opens the next file).
        self.single = self.cls.getframe is base.getframe and self.cls._get_frame is base._get_frame
        try:
            self.count, self.shape, self.dtype, self.first_header = self._open()
        except BaseException:
            self.close()
            raise

    def _content(self) -> Any:
        """A new handle on the (decompressed) content for fabio, closed with the frames."""
        handle = _GuardedFile(self.path) if self._bytes is None else _GuardedBytes(self._bytes, self.path)
        self._handles.append(handle)
        return handle

    def _call(self, frame: int, what: Callable[[], Any]) -> Any:
        """Run fabio: its exceptions become FormatErrors naming the file, its log diagnostics."""
        with _listening() as said_by_fabio:
            try:
                result = what()
            except TimeoutError:
                raise  # a time limit ran out: no fault of the file's
            except MemoryError:
                raise FormatError(
                    f"fabio's {self.name} reader ran out of memory (does the header promise too much?)",
                    self.path,
                    frame=frame,
                ) from None
            except Exception as error:
                said = (
                    f"{type(error).__name__}: {error}" if str(error) else f"{type(error).__name__} in fabio"
                )
                raise FormatError(
                    f"fabio's {self.name} reader failed: {said}",
                    self.path,
                    frame=frame,
                ) from error
        for message in said_by_fabio:
            self.log.report(message, frame=frame)
        return result

    def _open(self) -> tuple[int, tuple[int, ...], np.dtype, Header]:
        import numpy as np

        if self.cls.codec_name() in _HEADER_ONLY:
            probe = self.cls()
            with contextlib.suppress(FormatError):
                self._call(0, lambda: probe.readheader(self._content()))
                # fabio has no public way to ask shape and dtype without reading the data.
                shape, dtype = getattr(probe, "_shape", None), getattr(probe, "_dtype", None)
                if shape is not None and dtype is not None:
                    header = _header_from(probe.header, f"{self.path}, frame 0")
                    return 1, tuple(int(n) for n in shape), np.dtype(dtype).newbyteorder("="), header
        data, header = self._read_first(expected=None)
        count = 1 if self.single else max(int(self._image.nframes), 1)
        if count == 1:
            self.close()  # the frame is kept; no handle is needed any more
        return count, data.shape, data.dtype, header

    def _read_first(self, expected: tuple[Any, ...] | None) -> tuple[np.ndarray, Header]:
        image = self.cls()
        self._image = image
        self._call(0, lambda: image.read(self._content()))
        data = self._checked(image.data, 0, expected)
        header = _header_from(image.header, f"{self.path}, frame 0")
        self._kept = (0, data, header)
        return data, header

    def _checked(self, data: Any, index: int, expected: tuple[Any, ...] | None) -> np.ndarray:
        """fabio's frame as a native-order array, of the shape and dtype ``expected`` when given."""
        import numpy as np

        if data is None or not hasattr(data, "dtype") or np.ndim(data) == 0:
            raise FormatError(f"fabio's {self.name} reader found no image", self.path, frame=index)
        data = np.asarray(data)
        data = data.astype(data.dtype.newbyteorder("="), copy=False)
        if expected is not None and (data.shape, data.dtype) != expected:
            raise FormatError(
                f"fabio reads frame {index} as {data.shape} {data.dtype}, but the file said"
                f" {expected[0]} {expected[1]}: frames of one stack share shape and dtype",
                self.path,
                frame=index,
            )
        return data

    def frame(self, index: int) -> tuple[np.ndarray, Header]:
        """Frame ``index``'s data and header, read through fabio."""
        if self._kept is not None and self._kept[0] == index:
            return self._kept[1], self._kept[2]
        if self._image is None:
            data, header = self._read_first(expected=(self.shape, self.dtype))
            if self.count == 1:
                self.close()
            if index == 0:
                return data, header
        image = self._image
        got = self._call(index, lambda: image.get_frame(index))
        data = self._checked(got.data, index, (self.shape, self.dtype))
        header = _header_from(got.header, f"{self.path}, frame {index}")
        self._kept = (index, data, header)
        return data, header

    def header(self, index: int) -> Header:
        """Frame ``index``'s header (the first frame's is known from opening)."""
        return self.first_header if index == 0 else self.frame(index)[1]

    def read(self, key: tuple[Any, ...]) -> np.ndarray:
        """The part of the stack a basic key selects (axis 0 counts frames)."""
        import numpy as np

        which, rest = key[0], key[1:]
        if isinstance(which, int):
            return self.frame(which)[0][rest]
        return np.stack([self.frame(i)[0][rest] for i in range(which.start, which.stop, which.step)])

    def close(self) -> None:
        """Close fabio's image and the handles it read through."""
        if self._image is not None:
            with contextlib.suppress(Exception):
                self._image.close()
        self._image = None
        for handle in self._handles:
            handle.close()
        self._handles.clear()


class FabioReader(FormatReader):
    """Reads every image format fabio reads, frames lazily, headers as fabio gives them."""

    @classmethod
    def sniff(cls, head: Head) -> None:
        """fabio recognises the file by its magic number or name, and no native format claims it."""
        detect(head)

    def read(self, source: Source) -> File:
        """One Dataset "1.1" whose frames fabio reads when they are asked for."""
        from beamio import Dataset, FrameStack

        found = detect(source.head)
        log = source.diagnostics.child(scan="1.1")
        frames = self._frames(found, source, log)
        source.on_close(frames.close)
        stack = FrameStack(
            (frames.count, *frames.shape),
            frames.dtype,
            frames.read,
            header_of=frames.header,
            guard=source.guard,
            name="image",
        )
        header = frames.first_header
        dataset = Dataset("1.1", header.get_str("title", ""), header, frames=stack, diagnostics=log)
        return source.file([dataset])

    @staticmethod
    def _frames(found: Detection, source: Source, log: Diagnostics) -> _Frames:
        failures = []
        for codec in found.codecs:
            try:
                return _Frames(codec, source, log)
            except FormatError as error:
                failures.append(error.message)
        if found.certain:
            raise FormatError(f"{found.why}, but {failures[0]}", source.path)
        raise NotThisFormat(f"{found.why}, but fabio cannot read it: {'; '.join(failures)}", source.path)


# -- writing --------------------------------------------------------------------------


class _Kind:
    """One format fabio writes: its name, file endings, what data and header keys it keeps."""

    name: ClassVar[str]
    extensions: ClassVar[tuple[str, ...]]
    multi_frame: ClassVar[bool] = False
    #: The dtypes written as they are, and what the others become.
    dtypes: ClassVar[tuple[str, ...]]
    becomes: ClassVar[dict[str, str]]

    def regenerated(self, key: str) -> bool:
        """Whether ``key`` describes the data, so the writer derives it again."""
        return False

    def split(self, entries: list[tuple[str, str]]) -> tuple[Any, dict[str, list[str]]]:
        """What to hand fabio, and the keys that do not come back as keys, by where they go."""
        raise NotImplementedError

    def write(self, path: str, frames: Iterator[tuple[np.ndarray, Any]]) -> None:
        """Write the (data, fabio header) pairs to ``path``."""
        raise NotImplementedError


class _Cbf(_Kind):
    name = "cbf"
    extensions = (".cbf",)
    dtypes = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")
    becomes: ClassVar[dict[str, str]] = {"b": "uint8", "f": "int32"}

    def regenerated(self, key: str) -> bool:
        return key.startswith(("X-Binary-", "Content-")) or key == "conversions"

    def split(self, entries: list[tuple[str, str]]) -> tuple[Any, dict[str, list[str]]]:
        # fabio writes CIF items ('_…') as such, skips filename… keys, makes '# key value' lines of others.
        lines = [key for key, _ in entries if not key.startswith(("_", "filename"))]
        skipped = [key for key, _ in entries if key.startswith("filename")]
        kept = {key: value for key, value in entries if key not in skipped}
        return kept, {"'# key value' lines of _array_data.header_contents": lines, "nowhere": skipped}

    def write(self, path: str, frames: Iterator[tuple[np.ndarray, Any]]) -> None:
        from fabio.cbfimage import CbfImage

        for data, header in frames:
            CbfImage(data=data, header=header).write(path)


class _Tiff(_Kind):
    name = "tif"
    extensions = (".tif", ".tiff")
    multi_frame = True
    dtypes = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float32")
    becomes: ClassVar[dict[str, str]] = {"b": "uint8", "f": "float32"}
    _TAGS = frozenset({"nRows", "nColumns", "nBits", "compression", "compression_type", "stripOffsets",
                       "rowsPerStrip", "stripByteCounts", "colormap", "sampleFormat",
                       "photometricInterpretation", "info"})  # fmt: skip

    def regenerated(self, key: str) -> bool:
        return key in self._TAGS

    def split(self, entries: list[tuple[str, str]]) -> tuple[Any, dict[str, list[str]]]:
        # TiffIO writes a header as 'key=value' lines of ImageDescription, software and date as tags.
        values = dict(entries)
        lines: dict[str, str] = {}
        lost = []
        description = values.pop("imageDescription", None)
        if description is not None and not re.fullmatch(r"\d+/\d+", description):  # TiffIO's "1/1": no tag
            pairs = dict(line.split("=", 1) for line in description.split("\n")[:-1] if "=" in line)
            if "".join(f"{k}={v}\n" for k, v in pairs.items()) == description:
                lines.update(pairs)
            else:
                lines["imageDescription"] = description
                lost.append("imageDescription (free text)")
        software, date = values.pop("software", "beamio"), values.pop("date", None)
        date = None if date == "Unknown Date" else date  # TiffIO's word for no tag
        lines.update(values)
        lost.extend(values)
        if lines and len("".join(f"{k}={v}\n" for k, v in lines.items()).encode()) <= 4:
            # TiffIO misplaces the software and date tags after a description of 4 bytes or less.
            return (None, software, date), {
                "nowhere (fabio's TiffIO cannot write so short a text)": list(lines)
            }
        return (lines or None, software, date), {"'key=value' lines of the ImageDescription tag": lost}

    def write(self, path: str, frames: Iterator[tuple[np.ndarray, Any]]) -> None:
        from fabio.TiffIO import TiffIO

        for i, (data, (info, software, date)) in enumerate(frames):
            tiff = TiffIO(path, "wb+" if i == 0 else "rb+")  # rb+ appends a page
            try:
                tiff.writeImage(data, info=info, software=software, date=date)
            finally:
                tiff.close()


class _Dtrek(_Kind):
    name = "dtrek"
    extensions = (".img",)
    dtypes = ("int8", "uint8", "int16", "uint16", "int32", "uint32", "float32")
    becomes: ClassVar[dict[str, str]] = {"b": "uint8", "f": "float32", "i": "int32", "u": "uint32"}

    def regenerated(self, key: str) -> bool:
        return key in ("HEADER_BYTES", "Data_type", "DIM", "BYTE_ORDER") or bool(
            re.fullmatch(r"SIZE\d+", key)
        )

    def split(self, entries: list[tuple[str, str]]) -> tuple[Any, dict[str, list[str]]]:
        # 'KEY= value;' lines: fabio reads back neither '=', ';' nor line breaks inside, nor outer blanks.
        def fits(key: str, value: str) -> bool:
            return (
                not any(c in key + value for c in "=;\n\r{}")
                and key == key.strip()
                and value == value.strip()
            )

        kept = {key: value for key, value in entries if fits(key, value)}
        return kept, {"nowhere (they would break the header)": [key for key, _ in entries if key not in kept]}

    def write(self, path: str, frames: Iterator[tuple[np.ndarray, Any]]) -> None:
        from fabio.dtrekimage import DtrekImage

        for data, header in frames:
            DtrekImage(data=data, header=header).write(path)


_KINDS: dict[str, _Kind] = {kind.name: kind for kind in (_Cbf(), _Tiff(), _Dtrek())}


def _check_kind(value: str) -> None:
    if value == "edf":
        raise ValueError("EDF files are written by the edf format (format='edf'), not through fabio")
    if value not in _KINDS:
        raise ValueError(f"the fabio format writes {', '.join(_KINDS)}")


@contextlib.contextmanager
def _named_like(target: Target) -> Iterator[str]:
    """A path with the target's own name, moved onto ``target.temp`` when written.

    fabio writes the file name into some files (a CBF's ``data_`` block), so it
    must see the final name, not the temporary one.
    """
    folder = tempfile.mkdtemp(prefix=".beamio-fabio-", dir=target.temp.parent)
    try:
        path = os.path.join(folder, target.path.name)
        yield path
        os.replace(path, target.temp)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


class FabioWriter(FormatWriter):
    """Writes CBF, TIFF (several pages) and d*TREK images through fabio's own writers."""

    options: ClassVar[dict[str, Option]] = {
        "fabio_format": Option(
            None,
            str,
            f"the format fabio writes: {', '.join(_KINDS)} (default: from the extension)",
            check=_check_kind,
        ),
    }

    def write(self, file: File, target: Target) -> None:
        """Every frame of every Dataset, one file; fabio writes each frame as it is read."""
        kind = self._kind(target.path)
        for ds in file.datasets:
            if ds.columns or ds.positioners or ds.spectra:
                self.lossy(
                    f"dataset {ds.key}: {kind.name} holds images; columns, positioners, spectra left out"
                )
        stacks = [(ds, ds.frames) for ds in file.datasets if ds.frames is not None and len(ds.frames)]
        count = sum(len(stack) for _, stack in stacks)
        if not count:
            raise UnsupportedOperation(f"{kind.name} holds images, and no dataset of {file.path} has frames")
        if count > 1 and not kind.multi_frame:
            multi = ", ".join(k.name for k in _KINDS.values() if k.multi_frame)
            raise UnsupportedOperation(
                f"{kind.name} holds one image per file, and {file.path} has {count} frames:"
                f" write one frame per file, or a multi-frame format ({multi}, or format='edf')"
            )
        said: set[str] = set()
        with _named_like(target) as path:
            kind.write(path, (self._frame(kind, ds, frame, said) for ds, stack in stacks for frame in stack))

    def _kind(self, path: Path) -> _Kind:
        chosen = self.options.get("fabio_format")
        if isinstance(chosen, str):
            return _KINDS[chosen]
        name = path.name.lower()
        for kind in _KINDS.values():
            if name.endswith(kind.extensions):
                return kind
        if name.endswith(".edf"):
            raise UnsupportedOperation(
                "EDF files are written by the edf format (format='edf'), not through fabio"
            )
        endings = "; ".join(f"{k.name} ({' '.join(k.extensions)})" for k in _KINDS.values())
        raise UnsupportedOperation(f"fabio writes {endings}: name one with fabio_format= for {path.name!r}")

    def _lossy_once(self, message: str, said: set[str]) -> None:
        if message not in said:
            said.add(message)
            self.lossy(message)

    def _frame(self, kind: _Kind, ds: Dataset, frame: Frame, said: set[str]) -> tuple[np.ndarray, Any]:
        data = self._data(kind, frame.data, ds.key, frame.index, said)
        header = frame.header if len(frame.header) else ds.header
        entries: list[tuple[str, str]] = []
        seen: set[str] = set()
        for entry in header.entries:
            if entry.key in seen:
                self._lossy_once(
                    f"{kind.name} headers hold each key once: {entry.key!r} keeps its first value", said
                )
            elif not kind.regenerated(entry.key):
                entries.append((entry.key, _text(entry.value)))
            seen.add(entry.key)
        fabio_header, lost = kind.split(entries)
        for where_to, keys in lost.items():
            if keys:
                self._lossy_once(
                    f"{kind.name} does not keep header keys {', '.join(keys)}: they go to {where_to}", said
                )
        return data, fabio_header

    def _data(self, kind: _Kind, data: np.ndarray, key: str, index: int, said: set[str]) -> np.ndarray:
        """The frame in a dtype the target holds; what changes is said once per dataset."""
        import numpy as np

        where = f"dataset {key}, frame {index}"
        data = data.astype(data.dtype.newbyteorder("="), copy=False)
        if data.ndim != 2:
            raise UnsupportedOperation(f"{kind.name} holds 2-D images; {where} is {data.shape}")
        if data.dtype.name in kind.dtypes:
            return data
        to = kind.becomes.get(data.dtype.kind)
        if to is None:
            raise UnsupportedOperation(f"{kind.name} cannot hold {data.dtype} data ({where})")
        new = np.dtype(to)
        if new.kind in "iu":
            if data.dtype.kind == "f" and not np.isfinite(data).all():
                raise UnsupportedOperation(f"{kind.name} stores {new}: {where} has NaN or inf")
            values = np.rint(data) if data.dtype.kind == "f" else data
            info = np.iinfo(new)
            if values.size and (values.min() < info.min or values.max() > info.max):
                raise UnsupportedOperation(f"{kind.name} stores {new}: {where} has values beyond its range")
            converted = values.astype(new)
        else:
            converted = data.astype(new)
        exact = bool(np.array_equal(converted, data))
        change = "" if exact else ", and values change (rounded or less precise)"
        self._lossy_once(
            f"{kind.name} stores the {data.dtype} frames of dataset {key} as {new}{change}", said
        )
        return converted
