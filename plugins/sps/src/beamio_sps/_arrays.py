"""One SPEC array as a Dataset: a scan's columns, an MCA's spectra, an image's frames.

What gives a scan array its meaning, as SPEC publishes it and PyMca reads it:

- the **info** text of the header (version 6): a list whose first item is the number
  of points measured so far (``[12]``);
- the **metadata** tail (version 6): JSON, ``[{"0": "th", "1": "det"}, {"npts": 12,
  "title": "ascan th 0 1 11 0.1", "allmotorm": "th;chi", "allpositions": "0.5;90", …}]``
  — the column labels by index, then what SPEC says of the scan;
- the string array ``<ARRAY>_ENV`` of ``key=value`` rows (older SPEC): ``nopts`` (the
  index of the last point), ``axistitles`` (the labels, ``{}`` around names with
  blanks), ``title``.

Only the rows filled so far are a scan's points. An ``<ARRAY>_PARAM`` array gives an
MCA's calibration (its first row, ``a b c``).
"""

from __future__ import annotations

import ast
import errno
import json
import zlib
from collections.abc import Callable, Mapping
from typing import Any

import attrs
import numpy as np

from beamio import (
    Calibration,
    Dataset,
    Diagnostics,
    FrameStack,
    Guard,
    Header,
    LazyArray,
    LazyMapping,
    Spectrum,
)

from ._layout import INFO_LENGTH, INFO_OFFSET, IS_FRAMES, STRING, SegmentHeader, c_text
from ._sessions import Segment, SessionView

__all__ = ["LiveArray", "environment", "split_titles"]

_RETRIES = 3  # copies tried while SPEC writes, before the last one is kept


def environment(segment: Segment, header: SegmentHeader) -> list[tuple[str, str]]:
    """The ``key=value`` rows of a string array (an ``_ENV`` array), in order."""
    raw = segment.read(header.data_offset, header.nbytes)
    rows = []
    for i in range(header.rows):
        text = c_text(raw[i * header.cols : (i + 1) * header.cols])
        key, sep, value = text.partition("=")
        if sep and key:
            rows.append((key, value))
    return rows


def split_titles(text: str) -> list[str]:
    """SPEC's ``axistitles``: names parted by blanks, ``{I 0}`` for a name with blanks."""
    names, word, braced = [], "", False
    for letter in text:
        if braced:
            if letter == "}":
                braced = False
            else:
                word += letter
        elif letter == "{":
            braced = True
        elif letter == " ":
            if word:
                names.append(word)
            word = ""
        else:
            word += letter
    if word:
        names.append(word)
    return names


def _unique(names: list[str]) -> list[str]:
    """``I0, I0`` → ``I0, I0_1`` (as the SPEC plugin names repeated labels)."""
    seen: set[str] = set()
    out = []
    for name in names:
        candidate, n = name, 0
        while candidate in seen:
            n += 1
            candidate = f"{name}_{n}"
        seen.add(candidate)
        out.append(candidate)
    return out


@attrs.define
class _Scan:
    """What the info, metadata and environment of a scan array say of it."""

    labels: list[str] = attrs.field(factory=list)
    points: int | None = None
    title: str | None = None
    positioners: dict[str, float] = attrs.field(factory=dict)
    entries: list[tuple[str, str]] = attrs.field(factory=list)


def _as_points(value: Any) -> int | None:
    try:
        return int(value) if not isinstance(value, bool) else None
    except (TypeError, ValueError):
        return None


def _read_info(text: str, scan: _Scan) -> None:
    """The info text: ``[12, …]`` (PyMca takes the first item for the points so far)."""
    scan.entries.append(("info", text))
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return
    first = value[0] if isinstance(value, (list, tuple)) and value else value
    scan.points = _as_points(first)


def _read_metadata(text: str, scan: _Scan, log: Diagnostics) -> None:
    """The JSON metadata tail: the labels by column index, then SPEC's words on the scan."""
    try:
        value = json.loads(text)
    except ValueError as error:
        log.report(f"the metadata is not JSON ({error}); kept as text")
        scan.entries.append(("metadata", text))
        return
    labels: Any = {}
    meta: Any = value
    if isinstance(value, list) and len(value) >= 2:
        labels, meta = value[0], value[1]
    if isinstance(labels, Mapping):
        ordered = sorted((_as_points(k), str(v)) for k, v in labels.items() if _as_points(k) is not None)
        scan.labels = [name for _, name in ordered]
    if not isinstance(meta, Mapping):
        return
    scan.entries.extend((str(k), v if isinstance(v, str) else json.dumps(v)) for k, v in meta.items())
    if scan.points is None:
        scan.points = _as_points(meta.get("npts"))
    if meta.get("title"):
        scan.title = str(meta["title"])
    names = [n for n in str(meta.get("allmotorm", "")).split(";") if n]
    values = str(meta.get("allpositions", "")).split(";")
    for name, text_value in zip(names, values, strict=False):
        try:
            scan.positioners[name] = float(text_value)
        except ValueError:
            log.report(f"the position of {name} is {text_value!r}, not a number; left out")


def _read_environment(rows: list[tuple[str, str]], scan: _Scan) -> None:
    """The ``_ENV`` rows of older SPEC: ``nopts`` (last point's index), ``axistitles``, ``title``."""
    env = dict(rows)
    scan.entries.extend(rows)
    if scan.points is None and _as_points(env.get("nopts")) is not None:
        scan.points = int(env["nopts"]) + 1
    if not scan.labels and env.get("axistitles"):
        scan.labels = split_titles(env["axistitles"])
    if scan.title is None and env.get("title"):
        scan.title = env["title"]


class LiveArray:
    """One array of a session read as a Dataset; ``update`` re-reads it only when SPEC changed it.

    What was read is stamped with the shmids and update counters of the array and of
    its ``_ENV`` companion, and the checksum of its info and metadata: an unchanged
    stamp means nothing is read again.
    """

    def __init__(self, session: SessionView, name: str, key: str, guard: Guard, log: Diagnostics) -> None:
        self.session = session
        self.name = name
        self.key = key
        self.guard = guard
        self.log = log
        self.where = session.array_address(name)
        self.stamp: tuple[int, ...] | None = None
        self.header: SegmentHeader | None = None
        self.points: int | None = None

    def _segment(self) -> Segment:
        segment = self.session.segment(self.name)
        if segment is None:
            raise FileNotFoundError(
                errno.ENOENT,
                f"SPEC session {self.session.name} publishes no array {self.name!r}"
                f" (it publishes: {', '.join(self.session.names()) or 'none'})",
                self.where,
            )
        return segment

    def _companion(self, suffix: str) -> tuple[Segment, SegmentHeader] | None:
        segment = self.session.segment(self.name + suffix)
        return None if segment is None else (segment, segment.header())

    def _stamp(self, segment: Segment, header: SegmentHeader) -> tuple[int, ...]:
        """What the Dataset depends on, now: shmids, update counters, the info and metadata's checksum.

        SPEC may say how many points a scan has in the info or the metadata without
        moving the counter: their bytes are part of the stamp.
        """
        stamp = [segment.shmid, header.utime]
        if header.version >= 6:
            info = segment.read(INFO_OFFSET, INFO_LENGTH)
            stamp.append(zlib.crc32(segment.read(header.meta_start, header.meta_length), zlib.crc32(info)))
        env = self.session.segment(self.name + "_ENV")
        if env is not None:
            stamp += [env.shmid, env.utime()]
        return tuple(stamp)

    def dataset(self) -> Dataset:
        """A new Dataset of the array as it is now."""
        ds = Dataset(self.key)
        self.update(ds)
        return ds

    def update(self, ds: Dataset) -> bool:
        """Fill ``ds`` again if SPEC changed the array since the last read; whether it did."""
        segment = self._segment()
        header = segment.header()
        stamp = self._stamp(segment, header)
        if stamp == self.stamp:
            return False
        self.header, self.stamp = header, stamp
        info = meta = ""
        if header.version >= 6:  # the info text and the metadata tail
            info = c_text(segment.read(INFO_OFFSET, INFO_LENGTH)).strip()
            meta = c_text(segment.read(header.meta_start, header.meta_length)).strip()
        scan = _Scan()
        if header.tag == "scan":
            self._describe_scan(header, info, meta, scan)
        else:
            scan.entries += [(key, text) for key, text in (("info", info), ("metadata", meta)) if text]
        entries = self._entries(header, segment) + scan.entries
        ds.title = scan.title or self.name
        ds.header = Header(entries, origin=self.where)
        ds.diagnostics = self.log
        ds.positioners = scan.positioners
        ds.columns = self._columns(segment, header, scan) if header.tag == "scan" else {}
        ds.spectra = self._spectra(segment, header) if header.tag == "mca" else {}
        ds.frames = self._frames(segment, header) if header.tag in ("image", "array") else None
        return True

    # -- what SPEC says of the array ------------------------------------------------------------
    def _entries(self, header: SegmentHeader, segment: Segment) -> list[tuple[str, str]]:
        entries = [
            ("session", self.session.name),
            ("array", header.name),
            ("shmid", str(header.shmid)),
            ("type", header.type_name),
            ("rows", str(header.rows)),
            ("cols", str(header.cols)),
            ("flags", f"0x{header.flags:x}"),
            ("tag", header.tag),
            ("version", str(header.version)),
            ("utime", str(header.utime)),
            ("pid", str(header.pid)),
        ]
        if header.version >= 5:
            entries += [("frame_size", str(header.frame_size)), ("latest_frame", str(header.latest_frame))]
        if header.type == STRING:
            entries += environment(segment, header)
        return entries

    def _describe_scan(self, header: SegmentHeader, info: str, meta: str, scan: _Scan) -> None:
        if info:
            _read_info(info, scan)
        if meta:
            _read_metadata(meta, scan, self.log)
        env = self._companion("_ENV")
        if env is not None and env[1].type == STRING:
            _read_environment(environment(*env), scan)
        points = header.rows if scan.points is None else scan.points
        if not 0 <= points <= header.rows:
            self.log.report(
                f"SPEC says {points} points, the array has {header.rows} rows; the rows are read",
                severity="warning",
            )
            points = header.rows
        self.points = points
        scan.entries.insert(0, ("points", str(points)))
        labels = scan.labels[: header.cols]
        labels += [f"column_{i}" for i in range(len(labels) + 1, header.cols + 1)]
        scan.labels = _unique(labels)

    # -- the data, read when asked ---------------------------------------------------------------
    def _copy(self, segment: Segment, header: SegmentHeader, shape: tuple[int, ...]) -> Callable[[Any], Any]:
        """Read ``values[key]`` of the array seen as ``shape``: copied, again if SPEC wrote meanwhile."""

        def read(key: Any) -> np.ndarray:
            for _ in range(_RETRIES):
                before = segment.utime()
                segment.header()  # still SPEC's, still fitting its segment
                data = segment.attachment.copy(header.data_offset, header.dtype, shape, key)
                if segment.utime() == before:
                    break
            return data

        return read

    def _columns(self, segment: Segment, header: SegmentHeader, scan: _Scan) -> LazyMapping:
        read = self._copy(segment, header, (header.rows, header.cols))
        points = self.points or 0

        def load() -> dict[str, np.ndarray]:
            table = read(np.s_[:points])
            return {name: np.ascontiguousarray(table[:, i]) for i, name in enumerate(scan.labels)}

        return LazyMapping(load, scan.labels, guard=self.guard)

    def _spectra(self, segment: Segment, header: SegmentHeader) -> dict[str, Spectrum]:
        shape = (header.cols,) if header.rows == 1 else (header.rows, header.cols)
        read = self._copy(segment, header, shape)
        counts = LazyArray(shape, header.dtype, read, guard=self.guard, name=self.name)
        return {self.name: Spectrum(counts, calibration=self._calibration())}

    def _calibration(self) -> Calibration:
        """The first row of ``<ARRAY>_PARAM`` (``a b c``), as PyMca reads an MCA's calibration."""
        param = self._companion("_PARAM")
        if param is None or param[1].type == STRING or param[1].cols < 2 or param[1].rows < 1:
            return Calibration()
        segment, header = param
        row = segment.attachment.copy(header.data_offset, header.dtype, (header.rows, header.cols), 0)
        return Calibration(*(float(v) for v in row[:3]))

    def _frames(self, segment: Segment, header: SegmentHeader) -> FrameStack:
        size = header.frame_size
        if header.flags & IS_FRAMES and size and header.rows % size == 0:
            shape = (header.rows // size, size, header.cols)
        else:
            shape = (1, header.rows, header.cols)
        read = self._copy(segment, header, shape)
        return FrameStack(shape, header.dtype, read, guard=self.guard, name=self.name)
