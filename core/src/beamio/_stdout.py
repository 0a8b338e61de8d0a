"""Standard output caught for one thread: what a plugin prints, and nothing another thread prints.

``contextlib.redirect_stdout`` replaces ``sys.stdout`` for the whole process: while
one thread opened a file, the prints of every other thread of the program (a GUI's
log, a progress line) were caught and reported as the plugin's. Here ``sys.stdout``
becomes, while any thread catches, a router that sends each thread's text to that
thread's innermost catch, or to the stream it replaced.
"""

from __future__ import annotations

import contextlib
import io
import sys
import threading
from collections.abc import Iterator
from typing import Any, TextIO

__all__ = ["caught_stdout"]

_lock = threading.Lock()


class _Router:
    """``sys.stdout`` while threads catch their output: each thread's text to its own catch.

    Not an ``io.TextIOBase``: its defaults (no encoding, no file descriptor, not a
    terminal) would hide the stream's own answers.
    """

    def __init__(self, stream: TextIO | None) -> None:
        self.stream = stream
        self.catches: dict[int, list[io.StringIO]] = {}

    def _target(self) -> Any:
        stack = self.catches.get(threading.get_ident())
        return stack[-1] if stack else self.stream

    def write(self, text: str) -> int:
        target = self._target()
        if target is None:  # no stream at all (pythonw, a daemon): print() does nothing then
            return len(text)
        return target.write(text)  # type: ignore[no-any-return]

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        target = self._target()
        if target is not None:
            target.flush()

    def __getattr__(self, name: str) -> Any:  # encoding, fileno, isatty …: the stream's
        return getattr(self.stream, name)


@contextlib.contextmanager
def caught_stdout() -> Iterator[io.StringIO]:
    """What this thread prints to ``sys.stdout`` in the block, in the StringIO yielded."""
    caught = io.StringIO()
    thread = threading.get_ident()
    with _lock:
        router = sys.stdout if isinstance(sys.stdout, _Router) else _Router(sys.stdout)
        sys.stdout = router
        router.catches.setdefault(thread, []).append(caught)
    try:
        yield caught
    finally:
        with _lock:
            stack = router.catches[thread]
            stack.remove(caught)
            if not stack:
                del router.catches[thread]
            if not router.catches and sys.stdout is router:
                sys.stdout = router.stream
