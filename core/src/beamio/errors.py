"""The one hierarchy of beamio's errors and warnings.

Every error that concerns a file names the file and, where known, the place in it
(line, byte offset, scan, frame). Each class is also the built-in exception that
fits, so ``except ValueError`` keeps working for callers who do not know beamio.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "BeamioError",
    "ClosedFileError",
    "ClusterError",
    "FormatError",
    "LossyConversionWarning",
    "NoFormatMatched",
    "NotThisFormat",
    "OptionError",
    "PluginError",
    "PluginFailed",
    "PluginWarning",
    "ProfileError",
    "TargetExistsError",
    "UnsupportedOperation",
]


class BeamioError(Exception):
    """Base of every error beamio raises on purpose."""


def describe_place(
    file: str | None = None,
    *,
    line: int | None = None,
    column: int | None = None,
    offset: int | None = None,
    scan: str | None = None,
    frame: int | None = None,
) -> str:
    """Return ``file, line 3, column 2, scan 1.1`` for the parts that are known."""
    parts = [str(file)] if file else []
    if scan is not None:
        parts.append(f"scan {scan}")
    if frame is not None:
        parts.append(f"frame {frame}")
    if line is not None:
        parts.append(f"line {line}")
    if column is not None:
        parts.append(f"column {column}")
    if offset is not None:
        parts.append(f"byte offset {offset}")
    return ", ".join(parts)


class FormatError(BeamioError, ValueError):
    """The content of a file is not what its format requires."""

    def __init__(
        self,
        message: str,
        file: str | None = None,
        *,
        line: int | None = None,
        column: int | None = None,
        offset: int | None = None,
        scan: str | None = None,
        frame: int | None = None,
    ) -> None:
        self.message = message
        self.file = None if file is None else str(file)
        self.line = line
        self.column = column
        self.offset = offset
        self.scan = scan
        self.frame = frame
        place = describe_place(self.file, line=line, column=column, offset=offset, scan=scan, frame=frame)
        super().__init__(f"{place}: {message}" if place else message)

    @property
    def place(self) -> dict[str, Any]:
        """The known parts of the location, as keyword arguments."""
        names = ("file", "line", "column", "offset", "scan", "frame")
        return {n: getattr(self, n) for n in names if getattr(self, n) is not None}


class NotThisFormat(FormatError):
    """A reader's sniffer found the file is not of its format; detection tries the next."""


class NoFormatMatched(FormatError):
    """No installed format reads the file; ``report`` says who was asked and why they refused."""

    def __init__(self, message: str, file: str | None = None, *, report: Any = None) -> None:
        super().__init__(message, file)
        self.report = report


class PluginFailed(BeamioError, RuntimeError):
    """A plugin's reader, writer or hook raised something other than a FormatError (a bug in it)."""


class UnsupportedOperation(BeamioError, ValueError):
    """The format cannot do what was asked (write, append) with the installed plugins."""


class OptionError(BeamioError, TypeError):
    """An unknown or invalid reader/writer option; the message lists the valid ones."""


class ClusterError(BeamioError, RuntimeError):
    """A Dask cluster could not do its part of the work (a worker died, a task failed, no scheduler)."""


class PluginError(BeamioError, RuntimeError):
    """A plugin failed to load or is invalid (raised only in strict plugin mode)."""


class ProfileError(BeamioError, ValueError):
    """A profile cannot be activated; the message lists every problem found."""


class ClosedFileError(BeamioError, ValueError):
    """Data was asked of a file that has been closed."""


class TargetExistsError(BeamioError, FileExistsError):
    """The output exists and overwriting was not asked for."""


class PluginWarning(UserWarning):
    """A plugin was skipped, replaced or shadowed; beamio goes on without it."""


class LossyConversionWarning(UserWarning):
    """A writer cannot represent part of the data; it says what it leaves out."""
