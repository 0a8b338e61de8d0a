"""SPEC sessions and their arrays, found as PyMca's ``sps`` finds them.

A running SPEC publishes a STATUS segment named after its version (``fourc``) whose
data list the shmids of its arrays. Finding the sessions means looking at every
segment of the machine for SPEC's magic number and the STATUS flag, and keeping
those whose process runs; two sessions of one name are told apart by their pid
(``fourc(12345)`` for the second), as in PyMca. A session's arrays are the segments
its STATUS lists whose header names the session.
"""

from __future__ import annotations

import errno
import os
import sys

import attrs

from beamio import FormatError

from ._layout import HEAD, UTIME_OFFSET, SegmentHeader, parse_header, status_ids
from ._sysv import Attachment, SegmentInfo, process_alive, segment_table

__all__ = ["Address", "Segment", "Session", "SessionView", "find_sessions", "parse_address"]

SCHEME = "sps://"


@attrs.frozen
class Address:
    """``sps://SESSION/ARRAY``: every session (both None), one session, or one array of it."""

    text: str
    session: str | None = None
    array: str | None = None


def parse_address(text: str) -> Address:
    """Split ``sps://fourc/SCAN_D``; FormatError for more parts than a session and an array."""
    rest = text[len(SCHEME) :].strip("/")
    parts = rest.split("/") if rest else []
    if len(parts) > 2 or any(not part for part in parts):
        expected = "sps://, sps://SESSION or sps://SESSION/ARRAY"
        raise FormatError(f"an sps address is {expected}, not {text!r}", text)
    return Address(text, *parts)


def unattachable(shmid: int, where: str, error: OSError) -> FormatError:
    """The error of a segment that could not be attached: gone (SPEC removed it), or not ours to read."""
    why = os.strerror(error.errno) if error.errno else str(error)
    if error.errno in (errno.EINVAL, errno.EIDRM):
        return FormatError(f"shared-memory segment {shmid} vanished while it was read ({why})", where)
    return FormatError(f"shared-memory segment {shmid} cannot be attached ({why})", where)


class Segment:
    """A SPEC segment attached read-only; its header is read again each time it is asked for."""

    def __init__(self, info: SegmentInfo, where: str) -> None:
        self.info = info
        self.where = where
        try:
            self.attachment = Attachment(info.shmid, info.size)
        except OSError as error:
            raise unattachable(info.shmid, where, error) from None

    @property
    def shmid(self) -> int:
        """The segment's id."""
        return self.info.shmid

    def header(self) -> SegmentHeader:
        """The header as it is now; FormatError if it is no longer SPEC's or does not fit."""
        self._check()
        header = parse_header(self.attachment.read(0, HEAD.size), self.shmid, self.info.size, self.where)
        if header is None:
            message = f"shared-memory segment {self.shmid} no longer starts with SPEC's magic number"
            raise FormatError(message, self.where, offset=0)
        return header

    def utime(self) -> int:
        """The update counter, read now."""
        self._check()
        return int.from_bytes(self.attachment.read(UTIME_OFFSET, 4), sys.byteorder)

    def read(self, offset: int, length: int) -> bytes:
        """Bytes of the segment, copied."""
        self._check()
        return self.attachment.read(offset, length)

    def _check(self) -> None:
        if self.attachment.closed:
            raise FormatError(
                f"shared-memory segment {self.shmid} was let go: SPEC created the array again;"
                " refresh() reads the new one",
                self.where,
            )

    def close(self) -> None:
        """Detach."""
        self.attachment.close()


def _peek(info: SegmentInfo, *, check: bool = True) -> SegmentHeader | None:
    """The header of any segment of the machine, attached for the moment; None if it is not SPEC's.

    With ``check``, a header that does not describe its segment is None too;
    without, it says whose array the segment is (reading it will say what is wrong).
    """
    if info.size < HEAD.size:
        return None
    try:
        attachment = Attachment(info.shmid, info.size)
    except OSError:
        return None  # removed meanwhile, or another user's
    try:
        raw = attachment.read(0, HEAD.size)
        return parse_header(raw, info.shmid, info.size, f"segment {info.shmid}", check=check)
    except FormatError:
        return None
    finally:
        attachment.close()


@attrs.frozen
class Session:
    """A running SPEC: the name it is addressed by, its pid, and its STATUS segment."""

    name: str
    spec: str
    pid: int
    status: SegmentInfo


def find_sessions(table: dict[int, SegmentInfo] | None = None) -> list[Session]:
    """The SPEC sessions running on this machine, in the order of their STATUS segments."""
    table = segment_table() if table is None else table
    found: list[Session] = []
    for info in sorted(table.values(), key=lambda i: i.shmid):
        header = _peek(info)
        if header is None or not header.is_status or not process_alive(header.pid, info.uid):
            continue
        taken = any(s.spec == header.spec for s in found)
        name = f"{header.spec}({header.pid})" if taken else header.spec
        found.append(Session(name, header.spec, header.pid, info))
    return found


def session_named(sessions: list[Session], name: str) -> Session | None:
    """The session addressed by ``name`` (``fourc`` or ``fourc(12345)``)."""
    for session in sessions:
        if name in (session.name, f"{session.spec}({session.pid})"):
            return session
    return None


class SessionView:
    """One session being read: its STATUS segment attached, its arrays by name, those attached.

    ``update`` reads the STATUS again when its counter moved (SPEC added, removed or
    created again an array): segments no longer listed are let go, the others
    attached when first needed.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self.where = f"{SCHEME}{session.name}"
        self.status = Segment(session.status, self.where)
        self.utime: int | None = None
        self.ids: dict[str, int] = {}
        self._segments: dict[str, Segment] = {}
        self._table: dict[int, SegmentInfo] = {}
        self.update()

    @property
    def name(self) -> str:
        """The name the session is addressed by."""
        return self.session.name

    def names(self) -> list[str]:
        """The names of the arrays the session publishes, in the order of its STATUS."""
        return list(self.ids)

    def update(self) -> bool:
        """Read the list of arrays again if SPEC changed it; whether it changed."""
        header = self.status.header()
        data = self.status.read(header.data_offset, self.status.info.size - header.data_offset)
        utime, shmids = status_ids(data)
        if utime == self.utime:
            return False
        self.utime = utime
        self._table = segment_table()
        ids: dict[str, int] = {}
        for shmid in shmids:
            info = self._table.get(shmid)
            array = _peek(info, check=False) if info is not None else None
            if array is None or array.spec != self.session.spec or array.is_status:
                continue
            if info is None or not process_alive(array.pid, info.uid):
                continue
            ids.setdefault(array.name, shmid)
        self.ids = ids
        for name, segment in list(self._segments.items()):
            if self.ids.get(name) != segment.shmid:
                segment.close()
                del self._segments[name]
        return True

    def segment(self, name: str) -> Segment | None:
        """The attached segment of array ``name``; None if the session does not publish it."""
        if name in self._segments:
            return self._segments[name]
        shmid = self.ids.get(name)
        if shmid is None:
            return None
        where = self.array_address(name)
        info = self._table.get(shmid) or segment_table().get(shmid)
        if info is None:
            raise FormatError(f"shared-memory segment {shmid} vanished while it was read", where)
        self._segments[name] = segment = Segment(info, where)
        return segment

    def array_address(self, name: str) -> str:
        """``sps://fourc/SCAN_D``."""
        return f"{self.where}/{name}"

    def alive(self) -> bool:
        """Whether SPEC still runs."""
        return process_alive(self.session.pid, self.session.status.uid)

    def close(self) -> None:
        """Detach every segment: the STATUS and the arrays'."""
        for segment in [self.status, *self._segments.values()]:
            segment.close()
        self._segments.clear()
