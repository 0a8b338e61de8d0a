"""Diagnostics: what a lenient read forgave, and where."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Literal

import attrs

from .errors import FormatError, describe_place

__all__ = ["Diagnostic", "Diagnostics"]

Severity = Literal["info", "warning", "error"]


@attrs.frozen
class Diagnostic:
    """One thing a reader forgave: a short row, an unparsable token, a missing source."""

    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    offset: int | None = None
    scan: str | None = None
    frame: int | None = None
    severity: Severity = "warning"

    @property
    def place(self) -> str:
        """``file, scan 1.1, line 12`` for the parts that are known."""
        return describe_place(
            self.file,
            line=self.line,
            column=self.column,
            offset=self.offset,
            scan=self.scan,
            frame=self.frame,
        )

    def __str__(self) -> str:
        place = self.place
        return f"{place}: {self.message}" if place else self.message

    def to_error(self) -> FormatError:
        """The FormatError a strict read raises instead of recording this."""
        return FormatError(
            self.message,
            self.file,
            line=self.line,
            column=self.column,
            offset=self.offset,
            scan=self.scan,
            frame=self.frame,
        )


@attrs.define
class Diagnostics:
    """The log a reader reports to; in strict mode the first report raises.

    A reader makes one per file (``source.diagnostics``) and may make a child per
    scan or frame with :meth:`child` so that every report carries its place and
    is kept both on the Dataset and on the file.
    """

    file: str | None = None
    strict: bool = False
    scan: str | None = None
    frame: int | None = None
    _items: list[Diagnostic] = attrs.field(factory=list, alias="items")
    _parent: Diagnostics | None = attrs.field(default=None, alias="parent", repr=False)
    _seen: set[Diagnostic] = attrs.field(factory=set, init=False, repr=False)

    def report(
        self,
        message: str,
        *,
        line: int | None = None,
        column: int | None = None,
        offset: int | None = None,
        scan: str | None = None,
        frame: int | None = None,
        severity: Severity = "warning",
    ) -> Diagnostic:
        """Record what was forgiven; raise it as a FormatError when strict."""
        diagnostic = Diagnostic(
            message,
            self.file,
            line=line,
            column=column,
            offset=offset,
            scan=self.scan if scan is None else scan,
            frame=self.frame if frame is None else frame,
            severity=severity,
        )
        if self.strict and severity != "info":
            raise diagnostic.to_error()
        if diagnostic in self._seen:
            return diagnostic  # a Dataset read again (after it was let go) reports nothing twice
        self._seen.add(diagnostic)
        log: Diagnostics | None = self
        while log is not None:
            log._items.append(diagnostic)
            log = log._parent
        return diagnostic

    def child(self, *, scan: str | None = None, frame: int | None = None) -> Diagnostics:
        """A log for one scan or frame; what it records also reaches this log."""
        return Diagnostics(
            self.file,
            self.strict,
            scan if scan is not None else self.scan,
            frame if frame is not None else self.frame,
            parent=self,
        )

    def regroup(self, scan_of: Callable[[Diagnostic], str]) -> dict[str, Diagnostics]:
        """Give each diagnostic its Dataset (``scan_of``) and return one child log per Dataset.

        For readers that find problems before their Datasets exist (an EDF index).
        """
        self._items[:] = [attrs.evolve(d, scan=scan_of(d)) for d in self._items]
        self._seen = set(self._items)
        logs: dict[str, Diagnostics] = {}
        for diagnostic in self._items:
            assert diagnostic.scan is not None
            log = logs.setdefault(diagnostic.scan, self.child(scan=diagnostic.scan))
            log._items.append(diagnostic)
            log._seen.add(diagnostic)
        return logs

    def __iter__(self) -> Iterator[Diagnostic]:
        return iter(list(self._items))

    def __len__(self) -> int:
        return len(self._items)

    def __bool__(self) -> bool:
        return bool(self._items)

    def __getitem__(self, index: int) -> Diagnostic:
        return self._items[index]
