"""Head, Source and Target: what detection, readers and writers are handed."""

from __future__ import annotations

import bz2
import contextlib
import errno
import glob
import gzip
import lzma
import os
import re
import shutil
import socket
import threading
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import attrs

from ._convert import as_tuple
from ._diagnostics import Diagnostics
from ._guard import Guard
from ._header import Header
from .errors import FormatError

if TYPE_CHECKING:
    from ._dataset import Dataset
    from ._file import File

__all__ = [
    "HEAD_SIZE",
    "MAX_RATIO",
    "MIN_INFLATED",
    "Head",
    "Source",
    "Target",
    "inflated_limit",
    "read_head",
]

#: How much of a file detection reads, once: enough for an HDF5 signature behind a 32 KiB user block.
HEAD_SIZE = 64 * 1024

_COMPRESSIONS = {  # magic → (name, file ending, opener)
    b"\x1f\x8b": ("gzip", ".gz", gzip.open),
    b"BZh": ("bz2", ".bz2", bz2.open),
    b"\xfd7zXZ\x00": ("xz", ".xz", lzma.open),
}


# What a damaged gzip, bz2 or xz stream raises while it is read.
_DAMAGED = (OSError, EOFError, ValueError, lzma.LZMAError, zlib.error)

#: Whole-file-compressed content up to this size is always read: a frame of zeros compresses a
#: thousand times and more, so the bound cannot be a small multiple of the compressed size.
MIN_INFLATED = 256 << 20
#: Beyond MIN_INFLATED, at most this many bytes for each compressed byte (deflate's own limit,
#: so that only bz2 and xz meet it): a 64 KiB bz2 file that says it holds gigabytes stops at 256 MiB.
MAX_RATIO = 1032


def inflated_limit(packed: int) -> int:
    """The most bytes ``packed`` compressed bytes are believed to hold; beyond it, a decompression bomb."""
    return max(MIN_INFLATED, MAX_RATIO * packed)


def _compression_of(raw: bytes) -> tuple[str, str, Any] | None:
    for magic, info in _COMPRESSIONS.items():
        if raw.startswith(magic):
            return info
    return None


@attrs.frozen
class Head:
    """The first bytes of a file (decompressed), its name and size, read once for detection."""

    path: str
    data: bytes
    name: str
    size: int | None = None
    compression: str | None = None

    @property
    def text(self) -> str:
        """The head as text, every byte kept (latin-1)."""
        return self.data.decode("latin-1")

    @classmethod
    def from_bytes(cls, data: bytes, name: str = "<bytes>") -> Head:
        """A head made from bytes in memory (for sniffer tests)."""
        return cls(name, data[:HEAD_SIZE], name, len(data))


def read_head(path: str | os.PathLike[str], size: int = HEAD_SIZE) -> Head:
    """Read the head of ``path`` once, through gzip, bz2 or xz when the file is compressed."""
    path = os.fspath(path)
    with open(path, "rb") as raw_file:
        raw = raw_file.read(size)
    name = os.path.basename(path)
    info = _compression_of(raw)
    if info is None:
        return Head(path, raw, name, os.path.getsize(path))
    kind, ending, opener = info
    try:
        with opener(path, "rb") as stream:
            data = stream.read(size)
    except _DAMAGED as error:
        raise FormatError(f"the {kind} compression is damaged ({error})", path) from None
    if name.lower().endswith(ending):
        name = name[: -len(ending)]
    return Head(path, data, name, os.path.getsize(path), kind)


@attrs.define
class Source:
    """A file being read: its path, head, diagnostics log and the guard of what it hands out.

    Readers open the file through :meth:`open` (which decompresses whole-file
    gzip/bz2/xz transparently and closes with the File) and finish with
    :meth:`file`, which builds the :class:`~beamio.File` wired to this source.
    """

    path: str
    head: Head
    format: str | None = None
    strict: bool = False
    diagnostics: Diagnostics = attrs.field(default=None)
    guard: Guard = attrs.field(default=None)
    #: The files of a series (a glob or %-pattern opened as one); ``(path,)`` for one file.
    paths: tuple[str, ...] = attrs.field(default=(), converter=as_tuple)
    #: Heads of later files of the series that detection read already (path → head).
    heads: dict[str, Head] = attrs.field(factory=dict)
    _handles: contextlib.ExitStack = attrs.field(factory=contextlib.ExitStack, init=False)

    def __attrs_post_init__(self) -> None:
        if self.diagnostics is None:
            self.diagnostics = Diagnostics(self.path, self.strict)
        if self.guard is None:
            self.guard = Guard(self.path)
        if not self.paths:
            self.paths = (self.path,)

    def head_of(self, path: str, size: int = HEAD_SIZE) -> Head:
        """The head of ``path``, a file of this source: read by detection already, or now (``size`` bytes)."""
        if path == self.head.path:
            return self.head
        known = self.heads.get(path)
        return known if known is not None else read_head(path, size)

    @property
    def compression(self) -> str | None:
        """``"gzip"``, ``"bz2"``, ``"xz"`` for a whole-file-compressed source, else None."""
        return self.head.compression

    def open(self) -> IO[bytes]:
        """A binary handle on the (decompressed) content, closed with the File."""
        if self.compression is None:
            handle: IO[bytes] = open(self.path, "rb")  # noqa: SIM115 - closed with the File
        else:
            opener: Any = next(o for n, _, o in _COMPRESSIONS.values() if n == self.compression)
            handle = opener(self.path, "rb")
        self._handles.enter_context(handle)
        return handle

    def read_bytes(self) -> bytes:
        """The whole (decompressed) content, no further than :func:`inflated_limit` (a bomb stops there).

        A damaged compression, or content past the limit, is a FormatError naming the file.
        """
        if self.compression is None:
            with self.open() as handle:
                return handle.read()
        packed = os.path.getsize(self.path)
        limit = inflated_limit(packed)
        chunks: list[bytes] = []
        total = 0
        try:
            with self.open() as handle:
                while total <= limit and (chunk := handle.read(min(1 << 20, limit + 1 - total))):
                    chunks.append(chunk)
                    total += len(chunk)
        except _DAMAGED as error:
            raise FormatError(f"the {self.compression} compression is damaged ({error})", self.path) from None
        if total > limit:
            raise FormatError(
                f"the {self.compression} content inflates beyond {limit} bytes, more than"
                f" {limit // max(packed, 1)} times its {packed} bytes: a decompression bomb? Decompress it"
                " first to read it",
                self.path,
            )
        return b"".join(chunks)

    def on_close(self, close: Any) -> None:
        """Call ``close`` when the File closes."""
        self._handles.callback(close)

    def close(self) -> None:
        """Close every handle opened through this source (a failed read calls it)."""
        self.guard.close()
        self._handles.close()

    def file(
        self,
        datasets: Sequence[Dataset] = (),
        *,
        header: Header | None = None,
        **kwargs: Any,
    ) -> File:
        """The :class:`~beamio.File` of this source; closing it closes the source's handles."""
        from ._file import File

        result = File(
            self.path,
            datasets,
            header=header,
            format=self.format,
            diagnostics=self.diagnostics,
            guard=self.guard,
            **kwargs,
        )
        # Handles opened later (a growing file re-mapped by refresh) close with the File too.
        result.add_closer(self._handles.close)
        result.paths = self.paths
        return result


@attrs.frozen
class Target:
    """Where a writer writes: a temporary file beside ``path``, renamed into place when done.

    ``notes`` are lines a writer adds for the closing report of a conversion (what it
    linked, what it copied).
    """

    path: Path
    temp: Path
    overwrite: bool = False
    notes: list[str] = attrs.field(factory=list, eq=False)

    @property
    def exists(self) -> bool:
        """Whether the final target existed before the write."""
        return self.path.exists()


#: What a write raises when the disk (or the user's quota) is full.
_DISK_FULL = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})

#: A temporary file of :func:`atomic_target` (or a folder a writer made beside it, ``…tmp-xyz``):
#: ``.out.h5.beamio-HOST-PID-RANDOM.tmp``, the host and process that write it in its name.
_TEMPORARY = re.compile(r"\..+\.beamio-(?P<host>[A-Za-z0-9.-]*)-(?P<pid>\d+)-[0-9a-f]{8}\.tmp(?:-.*)?", re.S)

#: When this process last rid a folder of stale temporaries (:func:`_remove_stale`), by folder.
_swept: dict[str, float] = {}
_swept_lock = threading.Lock()
#: Seconds before a folder is looked at again.
_SWEEP_INTERVAL = 60.0


def _host() -> str:
    """This machine's name as temporary names carry it (letters, digits, dots and dashes)."""
    return re.sub(r"[^A-Za-z0-9.-]", "_", socket.gethostname())[:32]


def _alive(pid: int) -> bool:
    """Whether process ``pid`` of this machine runs (where that cannot be asked, it is taken to run)."""
    if os.name != "posix":  # os.kill(pid, 0) would end the process on Windows
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: it runs, as another user
        return True
    return True


def _remove_stale(folder: Path) -> None:
    """Remove the temporaries a killed beamio left in ``folder``: this host's, of processes now gone.

    SIGKILL (the OOM killer, a batch system's time limit) gives a process no chance to
    remove its temporary file; the next write into the folder does. A temporary of
    another host is left alone: the folder may be shared, its process may be writing it.
    A folder is looked at once a minute at most: listing 100 000 frames costs a tenth
    of a second (more over NFS), and a loop writing one file per frame would pay it
    for every file.
    """
    key = os.path.abspath(folder)
    now = time.monotonic()
    with _swept_lock:
        if key in _swept and now - _swept[key] < _SWEEP_INTERVAL:
            return
        _swept[key] = now
    host = _host()
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        for entry in entries:
            found = _TEMPORARY.fullmatch(entry.name) if entry.name.startswith(".") else None
            if found is None or found["host"] != host or _alive(int(found["pid"])):
                continue
            with contextlib.suppress(OSError):
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path)
                else:
                    os.unlink(entry.path)


def _disk_full(error: BaseException) -> int | None:
    """The errno of a full disk behind ``error`` (h5py raises its own error over the driver's), else None."""
    seen: set[int] = set()
    cause: BaseException | None = error
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, OSError) and cause.errno in _DISK_FULL:
            return cause.errno
        cause = cause.__cause__ or cause.__context__
    return None


def _size(count: int) -> str:
    """``812 bytes``, ``131.1 kB``, ``2.4 GB``."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if count >= scale:
            return f"{count / scale:.1f} {unit}"
    return f"{count} bytes"


def _full_error(number: int, final: Path, temp: Path, existed: bool) -> OSError:
    """An OSError of errno ``number`` saying which target could not be written, and what was kept."""
    try:
        status = temp.stat()
        # What reached the disk: an HDF5 file has holes, its size can exceed what was written.
        size = min(status.st_size, getattr(status, "st_blocks", status.st_size) * 512)
    except OSError:  # nothing written yet, or a writer writing elsewhere first (fabio)
        size = 0
    stopped = f" (the write stopped after {_size(size)})" if size else ""
    kept = f"the previous {final.name} is kept" if existed else f"{final.name} was not created"
    reason = os.strerror(number)
    full = OSError(f"{final}: {reason[:1].lower()}{reason[1:]}{stopped}; {kept}")
    full.errno = number  # an OSError of that errno whose message is the sentence above, as it is
    return full


#: Called just before a complete temporary replaces its target; one that raises stops the write
#: (the command line's: a signal whose exception a finalizer swallowed).
COMMIT_CHECKS: list[Callable[[], None]] = []


@contextlib.contextmanager
def atomic_target(path: str | os.PathLike[str], *, overwrite: bool = False) -> Iterator[Target]:
    """Yield a Target whose temporary file replaces ``path`` only if the block succeeds.

    The temporary file lives in the target's folder (so the rename is atomic on
    one filesystem) and is named for the target, this host and this process
    (``.out.h5.beamio-HOST-PID-RANDOM.tmp``). On any error, Ctrl-C included, it is
    removed and ``path`` is untouched; a full disk is an OSError (ENOSPC) that names
    ``path``. Temporaries that killed processes of this host left beside it are
    removed first.
    """
    from .errors import TargetExistsError

    final = Path(path)
    existed = final.exists()
    if existed and not overwrite:
        raise TargetExistsError(f"{final} exists; pass overwrite=True (--overwrite) to replace it")
    folder = final.parent if str(final.parent) else Path(".")
    _remove_stale(folder)
    temp = folder / f".{final.name}.beamio-{_host()}-{os.getpid()}-{os.urandom(4).hex()}.tmp"
    try:
        yield Target(final, temp, overwrite)
        if not temp.exists():
            raise FileNotFoundError(f"the writer wrote nothing to {temp}")
        if final.exists() and not overwrite:
            raise TargetExistsError(f"{final} appeared while writing; not replaced")
        for check in COMMIT_CHECKS:
            check()
        os.replace(temp, final)
    except BaseException as error:
        number = _disk_full(error)
        full = _full_error(number, final, temp, existed) if number is not None else None
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
        # What a writer made beside the temporary (``….tmp-xyz``) and could not remove itself:
        # a signal may stop its own clean-up half way.
        for left in folder.glob(f"{glob.escape(temp.name)}-*"):
            shutil.rmtree(left, ignore_errors=True) if left.is_dir() else left.unlink(missing_ok=True)
        if full is not None:
            raise full from error
        raise
