"""Writing through fabio: CBF, TIFF and d*TREK, saying what each target cannot hold."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from beamio import (
    FormatWriter,
    Option,
    Target,
)
from beamio.errors import UnsupportedOperation

if TYPE_CHECKING:
    import numpy as np

    from beamio import Dataset, File, Frame

from ._fabio import _text

__all__ = ["FabioWriter"]


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

    def stored(self, data: np.ndarray, where: str) -> tuple[np.ndarray, str | None]:
        """The frame as fabio must be given it to write its values right, and why it changed (or None)."""
        return data, None

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
        # A CBF file is ASCII: other characters become backslash escapes (fabio fails on them).
        escaped = [key for key, value in entries if not (key + value).isascii()]
        kept = {_ascii(key): _ascii(value) for key, value in entries if key not in skipped}
        return kept, {
            "'# key value' lines of _array_data.header_contents": lines,
            "nowhere": skipped,
            "ASCII text, other characters as backslash escapes": escaped,
        }

    def stored(self, data: np.ndarray, where: str) -> tuple[np.ndarray, str | None]:
        # fabio's byte-offset compression takes the magnitude of each step between neighbouring
        # values (the first counts from 0) in the data's own width: a step of -2**31 (-2**63)
        # overflows, and the file holds other values. Such 32-bit data goes as int64.
        import numpy as np

        bits = 8 * data.dtype.itemsize
        if bits < 32 or not data.size:
            return data, None
        values = data.view(f"i{bits // 8}").ravel()
        steps = np.diff(values, prepend=values.dtype.type(0))  # in the data's width: wraps as fabio's do
        if not np.any(steps == np.iinfo(steps.dtype).min):
            return data, None
        why = f"fabio's CBF compression writes a step of -2**{bits - 1} between neighbouring values wrongly"
        if bits == 64:
            raise UnsupportedOperation(f"{why}, and {where} has one in its {data.dtype} values")
        return data.astype(np.int64), why

    def write(self, path: str, frames: Iterator[tuple[np.ndarray, Any]]) -> None:
        from fabio.cbfimage import CbfImage

        for data, header in frames:
            CbfImage(data=data, header=header).write(path)


def _ascii(text: str) -> str:
    return text.encode("ascii", "backslashreplace").decode("ascii")


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
                and (key + value).isascii()  # fabio's reader drops a line with other characters
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
    must see the final name, not the temporary one. The folder is named after the
    temporary file (``….tmp-xyz``), so that beamio recognises it as one and removes it
    when a killed process left it behind.
    """
    folder = tempfile.mkdtemp(prefix=f"{target.temp.name}-", dir=target.temp.parent)
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
        chosen = self.settings.get("fabio_format")
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
        where = f"dataset {key}, frame {index}"
        data = data.astype(data.dtype.newbyteorder("="), copy=False)
        if data.ndim != 2:
            raise UnsupportedOperation(f"{kind.name} holds 2-D images; {where} is {data.shape}")
        held = self._held(kind, data, key, where, said)
        stored, why = kind.stored(held, where)
        if why:
            self._lossy_once(
                f"{kind.name} stores the {held.dtype} frames of dataset {key} as {stored.dtype}: {why}", said
            )
        return stored

    def _held(self, kind: _Kind, data: np.ndarray, key: str, where: str, said: set[str]) -> np.ndarray:
        """The frame in a dtype the target holds (said when it is another)."""
        import numpy as np

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
            # Python's float and int compare exactly: float32(2**31) is beyond int32, though numpy says not.
            if values.size and (float(values.min()) < info.min or float(values.max()) > info.max):
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
