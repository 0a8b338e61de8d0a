"""System V shared memory through ctypes: the segments of this machine, and read-only attachments.

PyMca's ``sps`` lists the segments with ``shmctl(SHM_INFO)`` and ``shmctl(SHM_STAT)``;
beamio reads the same table from ``/proc/sysvipc/shm``, the kernel's text form of it,
whose columns (shmid, size, nattch, uid) do not depend on the architecture's
``struct shmid_ds``. Attaching is ``shmat(shmid, NULL, SHM_RDONLY)``: the memory is
mapped read-only, so no bug here can change what SPEC publishes.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import functools
import os
from typing import Any

import attrs
import numpy as np

__all__ = ["TABLE", "Attachment", "SegmentInfo", "process_alive", "segment_table", "unavailable"]

#: The kernel's table of System V shared-memory segments (Linux).
TABLE = "/proc/sysvipc/shm"
_SHM_RDONLY = 0o10000
_FAILED = ctypes.c_void_p(-1).value  # what shmat returns on failure


@attrs.frozen
class SegmentInfo:
    """One segment of the kernel's table: its id, size in bytes, attachments and owner."""

    shmid: int
    size: int
    nattch: int
    uid: int


@functools.cache
def _libc() -> Any:
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    libc.shmat.argtypes = (ctypes.c_int, ctypes.c_void_p, ctypes.c_int)
    libc.shmat.restype = ctypes.c_void_p
    libc.shmdt.argtypes = (ctypes.c_void_p,)
    libc.shmdt.restype = ctypes.c_int
    return libc


def unavailable() -> str | None:
    """Why System V shared memory cannot be read here, or None when it can."""
    if not os.path.exists(TABLE):
        return f"System V shared memory cannot be listed on this system (no {TABLE})"
    try:
        _libc()
    except (OSError, AttributeError) as error:
        return f"the C library's shmat/shmdt cannot be loaded ({error})"
    return None


def segment_table() -> dict[int, SegmentInfo]:
    """Every segment of the kernel's table, by shmid; OSError (ENOSYS) where there is no such table."""
    try:
        with open(TABLE, encoding="ascii") as table:
            lines = table.read().splitlines()
    except FileNotFoundError:
        raise OSError(errno.ENOSYS, unavailable() or "no System V shared memory", TABLE) from None
    if not lines:
        return {}
    column = {name: i for i, name in enumerate(lines[0].split())}
    out = {}
    for line in lines[1:]:
        words = line.split()
        try:
            info = SegmentInfo(*(int(words[column[name]]) for name in ("shmid", "size", "nattch", "uid")))
        except (KeyError, IndexError, ValueError):
            continue
        out[info.shmid] = info
    return out


def process_alive(pid: int, uid: int) -> bool:
    """Whether the process that publishes a segment runs, as PyMca's ``checkSHM`` judges it.

    Only a process of this user can be asked (``kill(pid, 0)``); another user's is
    taken to be running.
    """
    if not pid or uid != os.getuid():
        return True
    try:
        os.kill(pid, 0)
    except PermissionError:
        return True
    except (OSError, OverflowError):  # no such process, or no process can have that number
        return False
    return True


class Attachment:
    """A segment attached read-only; its bytes seen through numpy, bounded by the segment's size.

    Views into the memory never leave this module's callers: :meth:`copy` hands out
    copies, so nothing refers to the memory once :meth:`close` detached it.
    """

    def __init__(self, shmid: int, size: int) -> None:
        address = _libc().shmat(shmid, None, _SHM_RDONLY)
        if address is None or address == _FAILED:
            number = ctypes.get_errno()
            raise OSError(number, os.strerror(number))
        self.shmid = shmid
        self.size = size
        self._address: int | None = address
        memory = np.ctypeslib.as_array((ctypes.c_uint8 * size).from_address(address))
        memory.flags.writeable = False
        self._memory: np.ndarray | None = memory

    @property
    def closed(self) -> bool:
        """Whether the segment has been detached."""
        return self._address is None

    def _bytes(self) -> np.ndarray:
        if self._memory is None:
            raise ValueError(f"shared-memory segment {self.shmid} is detached")
        return self._memory

    def read(self, offset: int, length: int) -> bytes:
        """``length`` bytes from ``offset`` (fewer at the segment's end), copied."""
        return self._bytes()[offset : offset + length].tobytes()

    def copy(self, offset: int, dtype: np.dtype, shape: tuple[int, ...], key: Any = ...) -> np.ndarray:
        """A copy of ``values[key]`` where ``shape`` values of ``dtype`` start at ``offset``."""
        count = int(np.prod(shape, dtype=np.int64))
        values = self._bytes()[offset : offset + count * dtype.itemsize].view(dtype).reshape(shape)
        return np.array(values[key], copy=True)

    def close(self) -> None:
        """Detach the segment (idempotent)."""
        if self._address is None:
            return
        self._memory = None
        address, self._address = self._address, None
        _libc().shmdt(address)
