"""Guard: the liveness token shared by an open file and everything lazy it handed out."""

from __future__ import annotations

import attrs

from .errors import ClosedFileError

__all__ = ["Guard"]


@attrs.define
class Guard:
    """Says whether the file behind a lazy array is still open.

    A reader passes ``source.guard`` to the lazy arrays and mappings it creates;
    closing the file closes the guard, and any later read raises
    :class:`~beamio.errors.ClosedFileError` naming the file instead of an
    obscure error from a closed handle.
    """

    path: str | None = None
    closed: bool = False

    def check(self) -> None:
        """Raise ClosedFileError when the file has been closed."""
        if self.closed:
            raise ClosedFileError(f"{self.path or 'the file'} is closed: open it again to read its data")

    def close(self) -> None:
        """Mark the file closed."""
        self.closed = True
