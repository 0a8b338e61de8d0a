"""SpecReader: SPEC files indexed at open, each scan parsed on first access, growing files followed."""

from __future__ import annotations

import bisect
import mmap
import os
from typing import Any

from beamio import (
    Dataset,
    Diagnostics,
    File,
    FormatReader,
    Head,
    Header,
    HeaderEntry,
    LazyDatasets,
    NotThisFormat,
    Source,
)

from ._index import FileIndex, build_index, complete_end
from ._lines import split_block
from ._scan import ScanSource, build_scan

__all__ = ["SpecReader"]

_NUMBERISH = frozenset(b"0123456789+-.eEinfaINFA \t\r\n")


def _looks_numeric(text: bytes) -> bool:
    lines = [line for line in text.split(b"\n")[:50] if line.strip()]
    return bool(lines) and all(set(line) <= _NUMBERISH for line in lines)


def _has_spec_lines(data: bytes) -> bool:
    return data.startswith((b"#S ", b"#F ")) or b"\n#S " in data or b"\n#F " in data


class SpecReader(FormatReader):
    """Reads SPEC files, from SPEC, Sardana/spock, Bluesky, BLISS or by hand."""

    @classmethod
    def sniff(cls, head: Head) -> None:
        """A SPEC file has #S or #F lines, or is only numbers (a table without headers)."""
        data = head.data
        if _has_spec_lines(data) or (data.startswith(b"#") and (b"\n#L " in data or data.startswith(b"#L "))):
            return
        if _looks_numeric(data[: complete_end(data)] or data):
            return
        raise NotThisFormat("no #S or #F line, and not a table of numbers", head.path)

    def read(self, source: Source) -> File:
        """Index the scans; their Datasets are built on first access."""
        content = _content(source)
        state = _State(source, content)
        state.reindex()
        if not state.index.scans and not _has_spec_lines(bytes(content[:65536])):
            raise NotThisFormat("no #S or #F line, and not a table of numbers", source.path)
        state.report_unfinished_line()
        header = state.file_header()
        return source.file(state.datasets(), header=header, refresher=state.refresh, aliases=_scan_number)


def _content(source: Source) -> Any:
    """The file's bytes: memory-mapped when plain, decompressed in memory when compressed."""
    if source.compression is not None:
        return source.read_bytes()
    with open(source.path, "rb") as handle:  # the map keeps its own descriptor
        if os.fstat(handle.fileno()).st_size == 0:
            return b""
        mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    source.on_close(mapped.close)
    return mapped


def _scan_number(key: str) -> str | None:
    """``f["3"]`` is scan 3's first occurrence, ``"3.1"``."""
    return f"{key}.1" if key.isdigit() else None


def _identity(path: str) -> tuple[int, int]:
    """What says a file changed: its inode (an atomic append renames a new file in) and its size."""
    status = os.stat(path)
    return status.st_ino, status.st_size


class _State:
    """What a SPEC File remembers between reads: its bytes, its index, its line numbers."""

    def __init__(self, source: Source, content: Any) -> None:
        self.source = source
        self.content = content
        self.index = FileIndex()
        self.keys: list[str] = []
        self._orders: dict[str, int] = {}
        self._lines: dict[int, int] = {0: 1}
        self._offsets: list[int] = [0]
        self._logs: dict[str, Diagnostics] = {}
        self._file_headers: dict[int, tuple[HeaderEntry, ...]] = {}
        self._identity = _identity(source.path)

    # -- index -------------------------------------------------------------------------------
    def reindex(self) -> None:
        self.index = build_index(self.content)
        self._file_headers = {}
        self.keys = []
        self._orders = {}
        for start, _ in self.index.scans if self.index.scans else []:
            self.keys.append(self._key(start))
        if not self.index.scans and self._table_only():
            self.index.scans = [(0, self.index.end)]
            self.index.governing = [-1]
            self.keys = ["1.1"]

    def report_unfinished_line(self) -> None:
        """Say so when the file ends inside a line: it is left out, never read as a number cut short."""
        end = self.index.end
        if not bytes(self.content[end : end + 4096]).strip():
            return
        log = self._log(self.keys[-1]) if self.keys else self.source.diagnostics
        log.report(
            "the file ends inside this line (no newline after it): left out, as a line still being written",
            line=self.line_of(end),
        )

    def _table_only(self) -> bool:
        head = bytes(self.content[: min(self.index.end, 65536)])
        return bool(head.strip()) and (_looks_numeric(head) or b"#L " in head)

    def _key(self, start: int) -> str:
        line_end = self.content.find(b"\n", start)
        words = bytes(self.content[start : line_end if line_end != -1 else None]).split()
        number = words[1].decode("latin-1") if len(words) > 1 else "0"
        if not (number.isascii() and number.isdigit()):  # "²" is a digit to isdigit, not to SPEC
            number = "0"
        order = self._orders.get(number, 0) + 1
        self._orders[number] = order
        return f"{number}.{order}"

    def line_of(self, offset: int) -> int:
        """The line number of the line starting at ``offset``, counted from the nearest known offset."""
        place = bisect.bisect_right(self._offsets, offset) - 1
        known = self._offsets[place]
        line = self._lines[known] + self.content[known:offset].count(b"\n")
        if offset not in self._lines:
            self._lines[offset] = line
            self._offsets.insert(place + 1, offset)
        return line

    # -- datasets ----------------------------------------------------------------------------
    def datasets(self) -> LazyDatasets:
        return LazyDatasets(self.keys, self.build)

    def build(self, i: int) -> Dataset:
        start, end = self.index.scans[i]
        governing = self.index.governing[i]
        key = self.keys[i]
        return build_scan(
            ScanSource(
                self.source.path,
                key,
                bytes(self.content[start:end]),
                self.line_of(start),
                self._file_header_of(governing),
                self._log(key),
                self.source.guard,
            )
        )

    def _log(self, key: str) -> Diagnostics:
        """The diagnostics of one scan, kept while the file is open (a Dataset may be built again)."""
        if key not in self._logs:
            self._logs[key] = self.source.diagnostics.child(scan=key)
        return self._logs[key]

    def _file_header_of(self, governing: int) -> tuple[HeaderEntry, ...]:
        """The lines of the file header governing a scan (its #O, #o, #J, #j, #H …)."""
        if governing < 0:
            return ()
        if governing not in self._file_headers:
            start, end = self.index.headers[governing]
            self._file_headers[governing] = tuple(split_block(bytes(self.content[start:end]), 1).entries)
        return self._file_headers[governing]

    def file_header(self) -> Header:
        """Every file-header line; those of later blocks say (``row``) how many scans precede them."""
        entries = []
        scan_starts = [s for s, _ in self.index.scans]
        for start, end in self.index.headers:
            before = bisect.bisect_left(scan_starts, start)
            block = split_block(bytes(self.content[start:end]), self.line_of(start))
            for entry in block.entries:
                entries.append(
                    entry if before == 0 else type(entry)(entry.key, entry.value, entry.raw, before)
                )
        return Header(entries, origin=self.source.path)

    # -- following a growing file --------------------------------------------------------------
    def refresh(self, file: File) -> list[Dataset]:
        """Re-map the grown file; update the last scan's data; return the new scans."""
        self._remap()
        old = len(self.keys)
        last_before = self.index.scans[-1] if self.index.scans else None
        self.reindex()
        if last_before is not None and old and self.index.scans[old - 1] != last_before:
            fresh = self.build(old - 1)
            existing = file[old - 1]
            existing.columns = fresh.columns
            existing.spectra = fresh.spectra
            existing.header = fresh.header
        return [self.build(i) for i in range(old, len(self.keys))]

    def _remap(self) -> None:
        """Map the file again if it grew or was replaced (an atomic append renames a new file in)."""
        now = _identity(self.source.path)
        if now == self._identity:
            return
        self._identity = now
        if isinstance(self.content, mmap.mmap):
            self.content.close()
        self.content = _content(self.source)
        self._lines = {0: 1}
        self._offsets = [0]
