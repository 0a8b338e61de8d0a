"""The layout SPEC gives its shared-memory segments (``spec_shm.h``), and the header of one.

Every segment SPEC publishes starts with the same header, native byte order::

    u32 magic (0xCEBEC000) · u32 type · u32 version · u32 rows · u32 cols ·
    u32 utime (the update counter) · char name[32] · char spec_version[32] ·
    s32 shmid · u32 flags · u32 pid ·
    u32 frame_size · u32 latest_frame               (version 5 on)
    u32 meta_start · u32 meta_length · pad[256] ·   (version 6 on)
    char info[512]

The data follow at byte 4096 (1024 before version 4), rows × cols values row after
row; version 6 adds a metadata tail at ``meta_start``. SPEC's session itself is a
``STATUS`` segment (flags bit 0) whose data hold ``u32 spec_state · u32 utime ·
s32 ids[256]``: the shmids of the session's arrays, -1 in empty places.
"""

from __future__ import annotations

import struct

import attrs
import numpy as np

from beamio import FormatError

__all__ = [
    "DATA_OFFSET",
    "HEAD",
    "INFO_LENGTH",
    "INFO_OFFSET",
    "IS_ARRAY",
    "IS_FRAMES",
    "IS_IMAGE",
    "IS_INFO",
    "IS_MCA",
    "IS_SCAN",
    "IS_STATUS",
    "MAGIC",
    "STRING",
    "TYPES",
    "UTIME_OFFSET",
    "SegmentHeader",
    "c_text",
    "parse_header",
    "status_ids",
]

MAGIC = 0xCEBEC000
HEAD = struct.Struct("=6I32s32siIIIIII")
_PAD = 256
INFO_OFFSET = HEAD.size + _PAD
INFO_LENGTH = 512
UTIME_OFFSET = 20
_MAX_IDS = 256
_STATUS = struct.Struct("=II")

IS_STATUS, IS_ARRAY, IS_MCA, IS_IMAGE, IS_SCAN, IS_INFO, IS_FRAMES = 0x1, 0x2, 0x10, 0x20, 0x40, 0x80, 0x100

STRING = 8
#: SPEC's array types (SHM_DOUBLE … SHM_ULONG64): name and numpy dtype, native byte order.
TYPES: dict[int, tuple[str, str]] = {
    0: ("double", "f8"),
    1: ("float", "f4"),
    2: ("long", "i4"),
    3: ("ulong", "u4"),
    4: ("short", "i2"),
    5: ("ushort", "u2"),
    6: ("char", "i1"),
    7: ("uchar", "u1"),
    STRING: ("string", "S1"),
    9: ("long64", "i8"),
    10: ("ulong64", "u8"),
}
#: Where the data start, by header version: 1024 bytes before version 4, a page after.
DATA_OFFSET = {3: 1024, 4: 4096, 5: 4096, 6: 4096}

_FIELDS = (
    *("magic", "type", "version", "rows", "cols", "utime", "name", "spec", "shmid", "flags", "pid"),
    *("frame_size", "latest_frame", "meta_start", "meta_length"),
)
#: The byte offset of each field (error messages name where the header is wrong).
_OFFSETS = dict(zip(_FIELDS, (0, 4, 8, 12, 16, 20, 24, 56, 88, 92, 96, 100, 104, 108, 112), strict=True))


def c_text(raw: bytes) -> str:
    """A C string: the bytes before the first NUL, as text (latin-1 keeps every byte)."""
    return raw.split(b"\0", 1)[0].decode("latin-1")


@attrs.frozen
class SegmentHeader:
    """The header of one SPEC segment, as read at one moment (``utime`` says which)."""

    shmid: int
    size: int
    type: int
    version: int
    rows: int
    cols: int
    utime: int
    name: str
    spec: str
    flags: int
    pid: int
    frame_size: int = 0
    latest_frame: int = 0
    meta_start: int = 0
    meta_length: int = 0

    @property
    def dtype(self) -> np.dtype:
        """The numpy dtype of the values."""
        return np.dtype(TYPES[self.type][1])

    @property
    def type_name(self) -> str:
        """SPEC's name of the type: ``double``, ``ulong``, ``string`` …"""
        return TYPES[self.type][0]

    @property
    def data_offset(self) -> int:
        """Where the values start in the segment."""
        return DATA_OFFSET[self.version]

    @property
    def nbytes(self) -> int:
        """Bytes of the rows × cols values."""
        return self.rows * self.cols * self.dtype.itemsize

    @property
    def is_status(self) -> bool:
        """Whether this is a session's STATUS segment."""
        return bool(self.flags & IS_STATUS)

    @property
    def tag(self) -> str:
        """``scan``, ``mca``, ``image``, ``string`` or ``array``: what the array holds."""
        if self.type == STRING:
            return "string"
        if self.flags & IS_SCAN or self.name == "SCAN_D":  # PyMca takes SCAN_D for a scan whatever its flags
            return "scan"
        if self.flags & IS_MCA:
            return "mca"
        if self.flags & IS_IMAGE:
            return "image"
        return "array"

    def describe(self) -> str:
        """``scan, 4096×3 double`` (and the frames, the info flag)."""
        extra = [name for bit, name in ((IS_FRAMES, "frames"), (IS_INFO, "info")) if self.flags & bit]
        more = f" ({', '.join(extra)})" if extra else ""
        return f"{self.tag}{more}, {self.rows}×{self.cols} {self.type_name}"


def _fail(message: str, where: str, shmid: int, field: str | None = None) -> FormatError:
    return FormatError(
        f"shared-memory segment {shmid}: {message}", where, offset=_OFFSETS.get(field) if field else None
    )


def parse_header(
    raw: bytes, shmid: int, size: int, where: str, *, check: bool = True
) -> SegmentHeader | None:
    """The header of segment ``shmid`` of ``size`` bytes from its first bytes; None without SPEC's magic.

    A header with SPEC's magic that does not describe its segment (an unknown
    version or type, rows and columns that do not fit, a metadata tail outside the
    segment) is a FormatError naming the segment (``where`` is the address read).
    ``check=False`` skips those checks: the names and flags say whose array it is.
    """
    if len(raw) < HEAD.size:
        return None
    fields = dict(zip(_FIELDS, HEAD.unpack_from(raw), strict=True))
    if fields["magic"] != MAGIC:
        return None
    version, kind = fields["version"], fields["type"]
    if check and version not in DATA_OFFSET:
        known = f"{min(DATA_OFFSET)} to {max(DATA_OFFSET)}"
        message = f"header version {version} is unknown (beamio reads versions {known})"
        raise _fail(message, where, shmid, "version")
    if check and kind not in TYPES and not fields["flags"] & IS_STATUS:
        message = f"array type {kind} is unknown (SPEC's types are 0 to {max(TYPES)})"
        raise _fail(message, where, shmid, "type")
    header = SegmentHeader(
        shmid,
        size,
        kind,
        version,
        fields["rows"],
        fields["cols"],
        fields["utime"],
        c_text(fields["name"]),
        c_text(fields["spec"]),
        fields["flags"],
        fields["pid"],
        *(fields[f] if version >= 5 else 0 for f in ("frame_size", "latest_frame")),
        *(fields[f] if version >= 6 else 0 for f in ("meta_start", "meta_length")),
    )
    if check and not header.is_status:
        _check_fits(header, where)
    return header


def _check_fits(header: SegmentHeader, where: str) -> None:
    end = header.data_offset + header.nbytes
    if end > header.size:
        raise _fail(
            f"{header.rows} rows × {header.cols} columns of {header.type_name} need {end} bytes with the"
            f" header, but the segment has {header.size}",
            where,
            header.shmid,
            "rows",
        )
    meta_end = header.meta_start + header.meta_length
    if header.meta_length and (header.meta_start < end or meta_end > header.size):
        raise _fail(
            f"the metadata tail (bytes {header.meta_start} to {meta_end}) lies outside the space after"
            f" the data (bytes {end} to {header.size})",
            where,
            header.shmid,
            "meta_start",
        )


def status_ids(data: bytes) -> tuple[int, list[int]]:
    """The update counter and the array shmids of a STATUS segment's data (what fits of its 256 ids)."""
    if len(data) < _STATUS.size:
        return 0, []
    _, utime = _STATUS.unpack_from(data)
    count = min(_MAX_IDS, (len(data) - _STATUS.size) // 4)
    ids = np.frombuffer(data, "=i4", count, _STATUS.size)
    seen: dict[int, None] = {}
    for shmid in ids.tolist():
        if shmid >= 0:
            seen.setdefault(shmid)
    return utime, list(seen)
