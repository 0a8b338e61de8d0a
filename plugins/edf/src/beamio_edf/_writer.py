"""EdfWriter: frames with their headers, mandatory keys right, headers padded to 512 bytes."""

from __future__ import annotations

import bz2
import os
import shutil
import sys
import zlib
from collections.abc import Iterator
from typing import Any, ClassVar, Literal

import numpy as np

from beamio import Dataset, Diagnostics, File, FormatWriter, Header, HeaderEntry, Option, Target
from beamio.errors import FormatError, UnsupportedOperation

from ._types import COMPRESSIONS, dtype_of, edf_type_name

__all__ = ["EdfWriter"]

_BLOCK = 512
_ORDERS: dict[str, Literal["<", ">"]] = {"LowByteFirst": "<", "HighByteFirst": ">"}
_NATIVE = "LowByteFirst" if sys.byteorder == "little" else "HighByteFirst"
_COMPRESSION_NAMES = {"gzip": "gzip", "zlib": "zlib", "bzip2": "bzip2"}
# The keys whose values follow from the data, in the order a new header lists them.
_MANDATORY = ("HeaderID", "Image", "ByteOrder", "DataType", "Dim_1", "Dim_2", "Dim_3", "Size")
# Keys that describe the data block: kept only while they are still true of it.
_DATA_KEYS = frozenset({*_MANDATORY, "EDF_BinarySize", "EDF_HeaderSize", "Compression"})


def _compress(data: bytes, kind: str) -> bytes:
    if kind == "bzip2":
        return bz2.compress(data)
    if kind == "gzip":
        compressor = zlib.compressobj(6, zlib.DEFLATED, zlib.MAX_WBITS | 16)
        return compressor.compress(data) + compressor.flush()
    return zlib.compress(data)


def _header_bytes(entries: list[HeaderEntry]) -> bytes:
    """``{`` the entries ``}``, padded with blanks to a multiple of 512 bytes."""
    body = ("{" + ";".join(e.raw or "" for e in entries) + ";\n").encode("utf-8", "surrogateescape")
    padding = (-(len(body) + 2)) % _BLOCK
    return body + b" " * padding + b"}\n"


def _entry(key: str, value: Any) -> HeaderEntry:
    return HeaderEntry(key, str(value), f"\n{key} = {value} ")


def _frame_header(header: Header, values: dict[str, Any]) -> list[HeaderEntry]:
    """The frame's own entries, verbatim where still true, with the data's keys set right."""
    entries: list[HeaderEntry] = []
    placed: set[str] = set()
    for entry in header.entries:
        key = entry.key
        if key in values or key in _DATA_KEYS:
            if key in placed or (key not in values and key != "EDF_HeaderSize"):
                continue  # a duplicate of a key the data decides, or one that no longer applies
            value = values.get(key)
            if key == "EDF_HeaderSize":
                value = 0  # set once the header's length is known
            placed.add(key)
            same = _same_value(key, value, entry.value, values)
            if same:  # the source's own spelling (FLOAT for FloatValue), verbatim when it has its text
                entries.append(entry if entry.raw else _entry(key, str(entry.value).strip()))
            else:
                entries.append(_entry(key, value))
        else:
            entries.append(entry if entry.raw else _entry(key, entry.value))
    missing = [k for k in _needed(header) if k in values and k not in placed]
    entries[0:0] = [_entry(k, values[k]) for k in missing]
    return entries


def _needed(header: Header) -> tuple[str, ...]:
    """The data's keys a frame's header must have: HeaderID and Image only when it has none of them.

    An EDF header without HeaderID or Image (fabio writes such files) reads the same
    without them, and is written back as it was; Size is always written (PyMca needs it).
    """
    if "DataType" not in header and "Dim_1" not in header:  # not an EDF header
        return (*_MANDATORY, "Compression", "EDF_BinarySize")
    return ("ByteOrder", "DataType", "Dim_1", "Dim_2", "Dim_3", "Size", "Compression")


def _same_value(key: str, value: Any, written: Any, values: dict[str, Any]) -> bool:
    """Whether the source's text says what the data needs (``SignedLong`` is ``SignedInteger``)."""
    if str(value) == str(written).strip():
        return True
    if key == "DataType":
        try:
            order = values["ByteOrder"]
            return dtype_of(str(written), order) == dtype_of(str(value), order)
        except ValueError:
            return False
    return False


def _with_header_size(entries: list[HeaderEntry]) -> bytes:
    """Header bytes whose EDF_HeaderSize (when present) states their own length."""
    if not any(e.key == "EDF_HeaderSize" for e in entries):
        return _header_bytes(entries)
    size = len(_header_bytes(entries))
    while True:
        fixed = [_entry("EDF_HeaderSize", f"{size:5d}") if e.key == "EDF_HeaderSize" else e for e in entries]
        text = _header_bytes(fixed)
        if len(text) == size:
            return text
        size = len(text)


class EdfWriter(FormatWriter):
    """Writes single- and multi-frame EDF files, in either byte order, optionally compressed blocks."""

    options: ClassVar[dict[str, Option]] = {
        "byte_order": Option(
            None,
            str,
            "LowByteFirst or HighByteFirst (default: the source's, else native)",
            choices=("LowByteFirst", "HighByteFirst", None),
        ),
        "compression": Option(
            None,
            str,
            "compress each data block: gzip, zlib, bzip2 or none (default: as the source frame was)",
            choices=("gzip", "zlib", "bzip2", "none", None),
        ),
        "append": Option(False, bool, "add the frames after those of an existing file"),
    }

    def write(self, file: File, target: Target) -> None:
        """Write every frame of every Dataset, one after the other."""
        first = 1
        written = 0
        with open(target.temp, "wb") as out:
            if self.settings["append"] and target.path.exists():
                first += _complete_frames(target.path)
                with open(target.path, "rb") as old:
                    shutil.copyfileobj(old, out)
            for ds in file.datasets:
                for text in self._dataset(ds, first + written):
                    out.write(text)
                    written += 1
        if not written:
            raise UnsupportedOperation(f"EDF holds images, and no dataset of {file.path} has frames")

    def _dataset(self, ds: Dataset, first_image: int) -> Iterator[bytes]:
        if ds.frames is None or len(ds.frames) == 0:
            if ds.columns or ds.spectra:
                self.lossy(f"dataset {ds.key}: EDF holds images; its columns and spectra are left out")
            return
        count = len(ds.frames)
        columns = {n: np.asarray(v) for n, v in ds.columns.items()}
        per_frame = {n: v for n, v in columns.items() if v.ndim == 1 and len(v) == count}
        if len(per_frame) < len(columns):
            self.lossy(f"dataset {ds.key}: only columns with one value per frame become counter_pos keys")
        motors = {n: np.ravel(v) for n, v in ds.positioners.items()}
        if any(len(v) not in (1, count) for v in motors.values()):
            self.lossy(
                f"dataset {ds.key}: only positioners with one value, or one per frame, become motor_pos"
            )
            motors = {n: v for n, v in motors.items() if len(v) in (1, count)}
        motors, counters = self._words(ds, motors, "motor"), self._words(ds, per_frame, "counter")
        for name, values in {**motors, **counters}.items():
            if not _exact(values):
                self.lossy(f"dataset {ds.key}: motor_pos and counter_pos hold 64-bit floats; {name} changes")
        if ds.spectra:
            self.lossy(f"dataset {ds.key}: EDF has no MCA spectra; {list(ds.spectra)} left out")
        title = self._title(ds)
        for i, frame in enumerate(ds.frames):
            data = np.asarray(frame.data)
            extra = _bcu(motors, counters, i, count)
            if i == 0 and title:
                extra["title"] = title
            yield self._frame(frame.header, data, first_image + i, extra)

    def _title(self, ds: Dataset) -> str | None:
        """The title to write as the first frame's ``title`` key (None: none, or the frame says it)."""
        first = ds.frames.frame(0).header if ds.frames is not None else Header()
        if "title" in first:
            if ds.title and first.get_str("title").strip() != ds.title:
                self.lossy(
                    f"dataset {ds.key}: the first frame's title key is written, not the title {ds.title!r}"
                )
            return None
        if ds.title != ds.title.strip():
            self.lossy(
                f"dataset {ds.key}: an EDF value has no surrounding blanks: the title is {ds.title.strip()!r}"
            )
        return ds.title.strip() or None

    def _words(self, ds: Dataset, values: dict[str, Any], what: str) -> dict[str, Any]:
        """``values`` under names a ``*_mne`` key holds: single words (blanks separate them)."""
        names = ["_".join(_clean(name).split()) or f"{what}_{i}" for i, name in enumerate(values, 1)]
        if names != list(values):
            changed = [f"{a!r} as {b!r}" for a, b in zip(values, names, strict=True) if a != b]
            self.lossy(f"dataset {ds.key}: {what}_mne holds names of one word: {', '.join(changed)}")
        return dict(zip(names, values.values(), strict=True))

    def _writable(self, header: Header) -> Header:
        """The header with what EDF cannot hold replaced, and said."""
        bad = [e for e in header.entries if _clean(e.key) != e.key or _clean(str(e.value)) != str(e.value)]
        if not bad:
            return header
        self.lossy(
            f"EDF values cannot hold ';' or a line starting with '}}': {[e.key for e in bad]}"
            " written with ',' and ')' in their place"
        )
        return Header(
            [e if e not in bad else HeaderEntry(_clean(e.key), _clean(str(e.value))) for e in header.entries],
            origin=header.origin,
        )

    def _frame(self, header: Header, data: np.ndarray, image: int, extra: dict[str, str]) -> bytes:
        order = self.settings["byte_order"] or header.get_str("ByteOrder", "").strip() or _NATIVE
        if order not in _ORDERS:
            order = _NATIVE
        dtype = data.dtype.newbyteorder(_ORDERS[order])
        raw = np.ascontiguousarray(data, dtype=dtype).tobytes()
        kind = self.settings["compression"] or COMPRESSIONS.get(
            header.get_str("Compression", "").strip().lower()
        )
        kind = None if kind == "none" else kind
        block = _compress(raw, kind) if kind else raw
        added = [HeaderEntry(k, v) for k, v in extra.items() if k not in header]
        header = self._writable(Header([*header.entries, *added], origin=header.origin) if added else header)
        dims = list(reversed(data.shape)) or [1]
        try:
            data_type = edf_type_name(data.dtype)
        except ValueError as error:
            raise UnsupportedOperation(f"{error} (image {image})") from None
        values: dict[str, Any] = {
            "HeaderID": f"EH:{image:06d}:000000:000000",
            "Image": image,
            "ByteOrder": order,
            "DataType": data_type,
            "Size": len(block),
        }
        values.update({f"Dim_{n}": size for n, size in enumerate(dims, 1)})
        if kind:
            values["Compression"] = _COMPRESSION_NAMES[kind]
        if "EDF_BinarySize" in header:
            values["EDF_BinarySize"] = len(block)
        if not self.settings["append"]:  # a copy keeps the source's numbering; an append counts on
            if "HeaderID" in header and header.get_str("HeaderID").strip().startswith("EH:"):
                values["HeaderID"] = header.get_str("HeaderID").strip()
            if "Image" in header:
                values["Image"] = header.get_str("Image").strip()
        return _with_header_size(_frame_header(header, values)) + block


def _clean(text: str) -> str:
    """A key or value EDF can hold: no ';' (it ends a value) and no line starting with '}'."""
    return text.replace(";", ",").replace("\n}", "\n)")


def _exact(values: np.ndarray) -> bool:
    """Whether ``values`` read back the same from their float64 text."""
    if values.dtype.kind == "c":
        return not np.any(values.imag)
    floats = values.astype(np.float64)
    if values.dtype.kind not in "iu":
        return True
    with np.errstate(invalid="ignore"):  # 2**64 does not cast back: it is not the same number
        return bool(np.array_equal(floats.astype(values.dtype), values))


def _bcu(positioners: Any, counters: dict[str, np.ndarray], i: int, count: int) -> dict[str, str]:
    """motor_mne/motor_pos and counter_mne/counter_pos of frame ``i`` (as ESRF's BCU writes them)."""
    keys: dict[str, str] = {}
    motors = {n: v[i] if len(v) == count else v[0] for n, v in positioners.items()}
    if motors:
        keys["motor_mne"] = " ".join(motors)
        keys["motor_pos"] = " ".join(repr(float(np.real(v))) for v in motors.values())
    if counters:
        keys["counter_mne"] = " ".join(counters)
        keys["counter_pos"] = " ".join(repr(float(np.real(v[i]))) for v in counters.values())
    return keys


def _complete_frames(path: Any) -> int:
    """How many frames an EDF file holds; FormatError when it ends in an incomplete one."""
    from ._reader import index_frames

    log = Diagnostics(str(path))
    with open(path, "rb") as handle:

        def read_at(offset: int, size: int) -> bytes:
            handle.seek(offset)
            return handle.read(size)

        count = len(index_frames(read_at, os.fstat(handle.fileno()).st_size, str(path), log))
    if len(log):
        raise FormatError(
            f"{log[0].message}: appending after it would bury the new frames; repair the file first",
            str(path),
            offset=log[0].offset,
        )
    return count
