"""SpsReader: the arrays of running SPEC sessions, attached read-only, followed by refresh()."""

from __future__ import annotations

import errno

from beamio import Dataset, File, FormatError, FormatReader, Head, Header, NotThisFormat, Source

from ._arrays import LiveArray
from ._sessions import SCHEME, Address, SessionView, find_sessions, parse_address, session_named
from ._sysv import unavailable

__all__ = ["SpsReader"]


class SpsReader(FormatReader):
    """Reads what a running SPEC publishes in System V shared memory: ``sps://SESSION/ARRAY``.

    ``sps://`` opens every array of every session (keys ``fourc:SCAN_D``),
    ``sps://fourc`` the arrays of one session, ``sps://fourc/SCAN_D`` one array.
    Scan arrays give columns (the rows filled so far), MCA arrays spectra, image
    arrays frames; ``refresh()`` reads an array again only when SPEC's update
    counter moved. Closing the File detaches every segment.
    """

    @classmethod
    def sniff(cls, head: Head) -> None:
        """Refuse files: sps reads ``sps://`` addresses only."""
        if not head.path.lower().startswith(SCHEME):
            raise NotThisFormat(
                "sps reads the sps://SESSION/ARRAY addresses of a running SPEC, not files", head.path
            )

    def read(self, source: Source) -> File:
        """Attach the addressed arrays and return their Datasets; nothing but headers is read."""
        self.sniff(source.head)
        address = parse_address(source.path)
        reason = unavailable()
        if reason is not None:
            raise OSError(errno.ENOSYS, reason, source.path)
        live = _Live(source, address)
        source.on_close(live.close)
        datasets = live.open()
        return source.file(datasets, header=live.file_header(), refresher=live.refresh, aliases=live.alias)


class _Live:
    """The sessions and arrays one File reads, and what following them needs to remember."""

    def __init__(self, source: Source, address: Address) -> None:
        self.source = source
        self.address = address
        self.views: dict[str, SessionView] = {}
        self.arrays: dict[str, LiveArray] = {}
        self.datasets: dict[str, Dataset] = {}
        self._ended: set[str] = set()
        self._broken: dict[str, int] = {}  # arrays left out for a broken header: key → shmid

    # -- opening ---------------------------------------------------------------------------------
    def open(self) -> list[Dataset]:
        """Find the addressed sessions and arrays; FileNotFoundError naming what runs if they are not."""
        self._find_sessions()
        if self.address.array is not None:
            view = next(iter(self.views.values()))
            if self.address.array not in view.ids:
                raise FileNotFoundError(
                    errno.ENOENT,
                    f"SPEC session {view.name} publishes no array {self.address.array!r}"
                    f" (it publishes: {', '.join(view.names()) or 'none'})",
                    self.address.text,
                )
        return self._add_new()

    def _find_sessions(self) -> None:
        sessions = find_sessions()
        if self.address.session is not None:
            found = session_named(sessions, self.address.session)
            if found is None:
                running = ", ".join(s.name for s in sessions) or "none"
                raise FileNotFoundError(
                    errno.ENOENT,
                    f"no SPEC session {self.address.session!r} is running (running: {running})",
                    self.address.text,
                )
            sessions = [found]
        for session in sessions:
            if session.name not in self.views:
                self.views[session.name] = SessionView(session)

    def _key(self, view: SessionView, name: str) -> str:
        return name if self.address.session is not None else f"{view.name}:{name}"

    def _add_new(self) -> list[Dataset]:
        """Datasets for the addressed arrays not read yet (all of a session's, or the one named).

        Among a session's arrays, one whose header is broken is a diagnostic (an error
        when strict) and is left out until SPEC creates it again; the array addressed
        by name is a FormatError.
        """
        new = []
        for view in self.views.values():
            for name in [self.address.array] if self.address.array else view.names():
                key = self._key(view, name)
                if key in self.arrays or name not in view.ids or self._broken.get(key) == view.ids[name]:
                    continue
                log = self.source.diagnostics.child(scan=key)
                array = LiveArray(view, name, key, self.source.guard, log)
                try:
                    dataset = array.dataset()
                except FormatError as error:
                    if self.address.array is not None:
                        raise
                    self._broken[key] = view.ids[name]
                    log.report(f"{error.message}; the array is left out")
                    continue
                self.arrays[key], self.datasets[key] = array, dataset
                new.append(dataset)
        return new

    def alias(self, key: str) -> str | None:
        """``f["fourc/SCAN_D"]`` is the Dataset ``fourc:SCAN_D`` of ``sps://``."""
        session, sep, array = key.partition("/")
        return f"{session}:{array}" if sep and session and array and "/" not in array else None

    # -- following ---------------------------------------------------------------------------------
    def refresh(self, file: File) -> list[Dataset]:
        """Read again what SPEC changed; return the Datasets of arrays (or sessions) that appeared."""
        if self.address.session is None:
            self._find_sessions()
        for view in list(self.views.values()):
            if view.alive():
                view.update()
            elif view.name not in self._ended:
                self._ended.add(view.name)
                self.source.diagnostics.report(
                    f"SPEC session {view.name} (pid {view.session.pid}) has ended; its arrays keep their last"
                    " values",
                    severity="info",
                )
        for key, array in self.arrays.items():
            if array.name in array.session.ids:
                array.update(self.datasets[key])
        new = self._add_new()
        file.header = self.file_header()
        return new

    def file_header(self) -> Header:
        """An entry per session (pid, arrays) and per array read (tag, shape, type, points, counter)."""
        entries = []
        for view in self.views.values():
            state = "" if view.alive() else ", ended"
            arrays = f"{len(view.ids)} arrays{state}"
            entries.append((view.where, f"SPEC session, pid {view.session.pid}, {arrays}"))
        for array in self.arrays.values():
            header = array.header
            if header is None:
                continue
            points = f", {array.points} points" if array.points is not None else ""
            entries.append((array.where, f"{header.describe()}{points}, update {header.utime}"))
        return Header(entries, origin=self.address.text)

    def close(self) -> None:
        """Detach every segment of every session."""
        for view in self.views.values():
            view.close()
