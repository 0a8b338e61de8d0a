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
import math
import os
import struct
import threading
import warnings
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import attrs

from beamio import (
    KNOWN_FORMATS,
    Capabilities,
    Diagnostics,
    FormatReader,
    FormatSpec,
    Head,
    Header,
    Signature,
    Source,
    inflated_limit,
    read_head,
)
from beamio.errors import FormatError, NotThisFormat

if TYPE_CHECKING:
    import numpy as np

    from beamio import Dataset, Extent, File, Frame

__all__ = ["FORMAT", "Detection", "FabioReader", "detect"]

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
    capabilities=Capabilities(read=True, write=True, multi_frame=True, lazy=True, series=True),
    reader="beamio_edf._fabio:FabioReader",
    writer="beamio_edf._fabio_writer:FabioWriter",
    install_hint="pip install beamio-edf",
    priority=-100,
)

# fabio's kinds that the bridge never reads: native formats own them, or fabio needs to be told dims.
_NEVER = {"edf": "edf", "eiger": "nexus", "hdf5": "nexus", "lima": "nexus", "lambda": "nexus",
          "sparse": "nexus", "binary": None}  # fmt: skip


# The head read of a later file of a series: enough for the magic numbers, little to search in.
_LATER_HEAD = 4096

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
    """A file as fabio opens one (its ``File`` is a FileIO), guarded at the end.

    A read asks for no more than the file holds: FileIO allocates what it is asked for
    first, and fabio asks for what a header says (a TIFF's strip of 16 GB in a file of 243 bytes).
    """

    def read(self, size: int | None = -1) -> bytes:
        if size is not None and size > 1:  # at the end, 1: an empty read the guard counts
            size = min(size, max(os.fstat(self.fileno()).st_size - self.tell(), 1))
        return super().read(size)


class _GuardedBytes(_EndGuard, io.BytesIO):
    """The decompressed content of a .gz/.bz2/.xz file, guarded at the end."""

    def __init__(self, data: bytes, name: str) -> None:
        super().__init__(data)
        self.name = name


def _check_tiff(handle: Any, size: int, path: str) -> None:
    """FormatError for a TIFF that would make fabio's TiffIO hang or allocate what the file cannot hold.

    Its chain of image file directories (IFDs) must not loop, and the image each describes
    (width × length × bits per pixel) must fit in the file (uncompressed) or be what
    :func:`beamio.inflated_limit` allows (compressed): TiffIO allocates it before
    reading a byte of it. An IFD that leaves the file is left to fabio, which fails there.
    """
    handle.seek(0)
    head = handle.read(8)
    if head[:4] not in (b"II*\0", b"MM\0*") or len(head) < 8:
        return
    order = "<" if head[:2] == b"II" else ">"
    seen: set[int] = set()
    offset, previous = struct.unpack(order + "I", head[4:])[0], 4
    while offset:
        if offset in seen:
            raise FormatError(
                f"the TIFF's image file directories loop: the one at byte offset {previous} names the one at"
                f" byte offset {offset} as the next, which came before",
                path,
                offset=previous,
            )
        seen.add(offset)
        handle.seek(offset)
        count = handle.read(2)
        entries = handle.read(12 * struct.unpack(order + "H", count)[0]) if len(count) == 2 else b""
        following = handle.read(4)
        _check_tiff_image(handle, order, entries, offset, size, path)
        if len(following) < 4:
            break
        offset, previous = struct.unpack(order + "I", following)[0], offset


# TIFF tags: ImageWidth, ImageLength, BitsPerSample, Compression, SamplesPerPixel; the integer types.
_WIDTH, _LENGTH, _BITS, _COMPRESSION, _SAMPLES = 256, 257, 258, 259, 277
_TIFF_INTEGERS = {1: "B", 3: "H", 4: "I", 6: "b", 8: "h", 9: "i"}


def _check_tiff_image(handle: Any, order: str, entries: bytes, offset: int, size: int, path: str) -> None:
    """FormatError if the IFD at ``offset`` describes an image larger than a file of ``size`` bytes holds.

    Values are read as TiffIO reads them: a width or length given as several values is
    the 4 bytes of the entry taken as a number.
    """
    values: dict[int, list[int]] = {}
    for start in range(0, len(entries) - 11, 12):
        tag, kind, number, raw = struct.unpack(order + "HHI4s", entries[start : start + 12])
        code = _TIFF_INTEGERS.get(kind)
        if tag not in (_WIDTH, _LENGTH, _BITS, _COMPRESSION, _SAMPLES) or code is None or number == 0:
            continue
        item = struct.calcsize(code)
        if number == 1:
            values[tag] = [struct.unpack(order + code, raw[:item])[0]]
        elif tag in (_WIDTH, _LENGTH):
            values[tag] = [struct.unpack(order + "I", raw)[0]]
        elif number * item <= 4:
            values[tag] = list(struct.unpack(f"{order}{number}{code}", raw[: number * item]))
        elif number <= 16:  # the values are elsewhere; the entry holds their offset
            position = handle.tell()
            handle.seek(struct.unpack(order + "I", raw)[0])
            found = handle.read(number * item)
            handle.seek(position)
            if len(found) == number * item:
                values[tag] = list(struct.unpack(f"{order}{number}{code}", found))
    if _WIDTH not in values or _LENGTH not in values:
        return
    bits = values.get(_BITS, [8])
    per_pixel = max(sum(bits) if len(bits) > 1 else bits[0] * values.get(_SAMPLES, [1])[0], 1)
    width, length = values[_WIDTH][0], values[_LENGTH][0]
    needed = width * length * per_pixel // 8
    compressed = values.get(_COMPRESSION, [1])[0] != 1
    if needed > (inflated_limit(size) if compressed else size):
        holds = (
            f"more than {inflated_limit(size)} bytes, what {size} compressed bytes may hold"
            if compressed
            else f"more than the file's {size} bytes"
        )
        raise FormatError(
            f"the TIFF's image file directory at byte offset {offset} describes an image of"
            f" {width} × {length} pixels of {per_pixel} bits, {needed} bytes: {holds}",
            path,
            offset=offset,
        )


class _Frames:
    """The frames of one file as one fabio class reads them: count, shape and dtype, data on demand.

    Opening reads the header alone where fabio can say shape and dtype from it
    (CBF, Esperanto); otherwise fabio reads the first frame, header and data. The
    frame read last is kept, so a frame's header and data cost one read;
    :meth:`release` lets go of it and of every handle.
    """

    def __init__(self, codec: str, head: Head, log: Diagnostics) -> None:
        fabio = _fabio()
        self.cls = fabio.fabioformats.get_class_by_name(codec)
        self.name = codec.removesuffix("image")
        self.path = head.path
        self.compression = head.compression
        self.log = log
        self._bytes: bytes | None = None
        self._searched = False  # whether the content was searched for what would make fabio hang
        self._image: Any = None
        self._handles: list[Any] = []
        self._kept: tuple[int, np.ndarray, Header] | None = None
        #: Where the one frame lies in the file as raw values (None: it does not, or fabio does not say).
        self.extent: Extent | None = None
        base = fabio.fabioimage.FabioImage
        # A class that keeps fabio's getframe has one frame per file (fabio's getframe opens the next file).
        self.single = self.cls.getframe is base.getframe and self.cls._get_frame is base._get_frame
        try:
            self.count, self.shape, self.dtype, self.first_header = self._open()
        except BaseException:
            self.release()
            raise

    def _content(self) -> Any:
        """A new handle on the (decompressed) content for fabio, closed with the frames."""
        if self.compression is None:
            handle: Any = _GuardedFile(self.path)
        else:
            if self._bytes is None:
                self._bytes = Source(self.path, read_head(self.path)).read_bytes()
            handle = _GuardedBytes(self._bytes, self.path)
        self._handles.append(handle)
        if not self._searched:
            size = len(self._bytes) if self._bytes is not None else os.path.getsize(self.path)
            try:
                _check_tiff(handle, size, self.path)
            finally:
                handle.seek(0)
            self._searched = True
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

        if self.cls.codec_name() in _HEADER_ONLY:
            said = self._from_header()
            if said is not None:
                return said
        data, header = self._read_first(expected=None)
        count = 1 if self.single else max(int(self._image.nframes), 1)
        if count == 1:
            if self.compression is None:
                from ._fabio_raw import raw_extent  # numpy: not at the hook module's import

                with contextlib.suppress(OSError):
                    self.extent = raw_extent(self.path, data, self._image.header)
            self.close()  # the frame is kept; no handle is needed any more
        return count, data.shape, data.dtype, header

    @property
    def not_in_place(self) -> str | None:
        """Why the frames are not in the file as raw values (None: they are, see :attr:`extent`)."""
        if self.extent is not None:
            return None
        if self.compression is not None:
            return f"the file is {self.compression}-compressed as a whole"
        if self.count > 1:
            return f"a frame of a multi-frame {self.name} file, whose offsets fabio does not tell"
        return f"fabio's {self.name} reader decodes its values: they are not in the file as they are"

    def _from_header(self) -> tuple[int, tuple[int, ...], np.dtype, Header] | None:
        """Count, shape, dtype and header from the header alone; None when fabio cannot say them so.

        An image larger than the file may hold is refused before fabio allocates it.
        """
        import numpy as np

        probe = self.cls()
        content = self._content()
        try:
            self._call(0, lambda: probe.readheader(content))
            # fabio has no public way to ask shape and dtype without reading the data.
            shape = tuple(int(n) for n in getattr(probe, "_shape", None) or ())
            dtype = np.dtype(getattr(probe, "_dtype", None) or "V0").newbyteorder("=")
        except (FormatError, TypeError, ValueError):
            return None
        if not shape or dtype.itemsize == 0 or min(shape) < 0:
            return None
        size = len(self._bytes) if self._bytes is not None else os.path.getsize(self.path)
        needed = math.prod(shape) * dtype.itemsize
        if needed > inflated_limit(size):
            raise FormatError(
                f"the {self.name} header says the image is {shape} {dtype}, {needed} bytes: more than"
                f" {inflated_limit(size)} bytes, what the file's {size} bytes may hold",
                self.path,
                frame=0,
            )
        header = _header_from(probe.header, f"{self.path}, frame 0")
        self.close()  # no handle is needed until a frame is read
        return 1, shape, dtype, header

    def _read_first(self, expected: tuple[Any, ...] | None) -> tuple[np.ndarray, Header]:
        image = self.cls()
        self._image = image
        content = self._content()
        self._call(0, lambda: image.read(content))
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

    def close(self) -> None:
        """Close fabio's image and the handles it read through."""
        if self._image is not None:
            with contextlib.suppress(Exception):
                self._image.close()
        self._image = None
        for handle in self._handles:
            handle.close()
        self._handles.clear()

    def release(self) -> None:
        """Close, and let go of the frame kept and of the decompressed content."""
        self.close()
        self._kept = None
        self._bytes = None


class _Files:
    """The files of a source read through fabio, at most one of them open at a time.

    A series of thousands of files holds no handle and no pixel of the files it is
    not reading: going to another file releases the one read before. fabio's images
    are not shared between threads, so one read runs at a time.
    """

    def __init__(self) -> None:
        self.files: list[_Frames] = []
        self._current: _Frames | None = None
        self._lock = threading.Lock()

    def _switch(self, frames: _Frames) -> None:
        if self._current is not frames:
            if self._current is not None:
                self._current.release()
            self._current = frames

    def add(self, frames: _Frames) -> None:
        """A file just opened: it is the one kept open (with the frame it read, if any)."""
        with self._lock:
            self._switch(frames)
            self.files.append(frames)

    def frame(self, frames: _Frames, index: int) -> tuple[np.ndarray, Header]:
        """Frame ``index`` of file ``frames``, its data and header."""
        with self._lock:
            self._switch(frames)
            return frames.frame(index)

    def header(self, frames: _Frames, index: int) -> Header:
        """Frame ``index``'s header (a file's first is known from opening)."""
        return frames.first_header if index == 0 else self.frame(frames, index)[1]

    def close(self) -> None:
        """Release every file."""
        with self._lock:
            for frames in self.files:
                frames.release()
            self._current = None


class FabioReader(FormatReader):
    """Reads every image format fabio reads, frames lazily, headers as fabio gives them.

    A series of files (a glob, a %-pattern, a list) is one stack: each file is
    detected on its own (CBF and TIFF may mix), and frames of another shape or
    dtype start another Dataset, as in an EDF series.
    """

    @classmethod
    def sniff(cls, head: Head) -> None:
        """fabio recognises the file by its magic number or name, and no native format claims it."""
        detect(head)

    def read(self, source: Source) -> File:
        """One Dataset ("1.1") per run of frames of one shape and dtype, read when they are asked for."""
        files = _Files()
        source.on_close(files.close)
        for path in source.paths:
            head = source.head if path == source.head.path else read_head(path, _LATER_HEAD)
            log = Diagnostics(path, source.strict, parent=source.diagnostics)
            files.add(self._open_file(head, log, first=not files.files))
        runs: list[list[_Frames]] = []
        for frames in files.files:
            if runs and (runs[-1][-1].shape, runs[-1][-1].dtype) == (frames.shape, frames.dtype):
                runs[-1].append(frames)
            else:
                runs.append([frames])
        keys = {frames.path: f"{n}.1" for n, run in enumerate(runs, 1) for frames in run}
        logs = source.diagnostics.regroup(lambda d: keys.get(str(d.file), f"{len(runs)}.1"))
        datasets = []
        first = 0
        for n, run in enumerate(runs, 1):
            key = f"{n}.1"
            log = logs.get(key) or source.diagnostics.child(scan=key)
            for frames in run:  # what fabio says from now on reaches the Dataset too
                frames.log = Diagnostics(frames.path, source.strict, scan=key, parent=log)
            datasets.append(_dataset(key, run, first, files, source, log))
            first += sum(frames.count for frames in run)
        return source.file(datasets)

    @classmethod
    def _open_file(cls, head: Head, log: Diagnostics, *, first: bool) -> _Frames:
        """One file of the source; a later file fabio cannot read is an error naming it."""
        try:
            return cls._frames(detect(head), head, log)
        except NotThisFormat as refusal:
            if first:
                raise
            raise FormatError(
                f"{refusal.message}, though fabio reads the files before it (without format='fabio',"
                " each file of a series is detected on its own)",
                head.path,
            ) from None

    @staticmethod
    def _frames(found: Detection, head: Head, log: Diagnostics) -> _Frames:
        failures: list[FormatError] = []
        for codec in found.codecs:
            try:
                return _Frames(codec, head, log)
            except FormatError as error:
                failures.append(error)
        if found.certain:
            first = failures[0]
            raise FormatError(
                f"{found.why}, but {first.message}", head.path, offset=first.offset, frame=first.frame
            )
        said = "; ".join(error.message for error in failures)
        raise NotThisFormat(f"{found.why}, but fabio cannot read it: {said}", head.path)


def _dataset(
    key: str, run: list[_Frames], first: int, files: _Files, source: Source, log: Diagnostics
) -> Dataset:
    """The Dataset of a run of files: their frames as one stack, numbered from ``first``."""
    from beamio import Dataset, Frame, FrameStack, LazyArray

    places = [(frames, k) for frames in run for k in range(frames.count)]

    def frame_of(i: int) -> Frame:
        frames, k = places[i]
        array = LazyArray(
            frames.shape, frames.dtype, lambda key: files.frame(frames, k)[0][key], guard=source.guard
        )
        return Frame(
            first + i,
            array,
            lambda: files.header(frames, k),
            frames.path,
            extent=frames.extent,
            not_in_place=frames.not_in_place,
        )

    stack = FrameStack.from_reader(
        len(places), frame_of, run[0].shape, run[0].dtype, name="image", guard=source.guard
    )
    header = run[0].first_header
    return Dataset(key, header.get_str("title", ""), header, frames=stack, diagnostics=log)
