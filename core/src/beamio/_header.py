"""Header: an ordered, duplicate-keeping mapping of metadata with typed access."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, overload

import attrs

from .errors import FormatError

__all__ = ["Header", "HeaderEntry"]


@attrs.frozen
class HeaderEntry:
    """One header item: its key, its value, and the source text it came from.

    ``value`` is what readers expose (for text formats, the value text without
    surrounding blanks); ``raw`` is the original text (a whole line, say) when a
    writer of the same format needs it to reproduce the file byte for byte.
    ``row`` places a line found inside a data block (a SPEC ``#C`` between data
    lines): the number of data rows before it.
    """

    key: str = attrs.field(validator=attrs.validators.instance_of(str))
    value: Any
    raw: str | None = None
    row: int | None = None


def _entries_from(items: Any) -> tuple[HeaderEntry, ...]:
    if items is None:
        return ()
    if isinstance(items, Header):
        return items.entries
    if isinstance(items, Mapping):
        items = items.items()
    out = []
    for item in items:
        if isinstance(item, HeaderEntry):
            out.append(item)
        else:
            key, value = item
            out.append(HeaderEntry(str(key), value))
    return tuple(out)


_TRUE = {"1", "true", "yes", "on", "y", "t"}
_FALSE = {"0", "false", "no", "off", "n", "f"}


@attrs.frozen(init=False, repr=False, eq=False)
class Header(Mapping[str, Any]):
    """Ordered metadata that keeps duplicate keys and the original text of values.

    As a ``Mapping`` it shows each distinct key once, in order of first
    appearance, with its first value; :meth:`get_all` and :attr:`entries` give
    every occurrence. A header is immutable: :meth:`set`, :meth:`add` and
    :meth:`remove` return new headers. ``origin`` names where the header came
    from ("file.edf, frame 3") so typed getters can say where a value failed.
    """

    entries: tuple[HeaderEntry, ...]
    origin: str | None
    aliases: Mapping[str, str]
    _index: dict[str, int]

    def __init__(
        self,
        items: Iterable[Any] | Mapping[str, Any] | None = None,
        *,
        origin: str | None = None,
        aliases: Mapping[str, str] | None = None,
    ) -> None:
        entries = _entries_from(items)
        index: dict[str, int] = {}
        for i, entry in enumerate(entries):
            index.setdefault(entry.key, i)
        self.__attrs_init__(entries, origin, dict(aliases or {}), index)

    # -- Mapping -----------------------------------------------------------
    def _resolve(self, key: str) -> str:
        if key not in self._index and key in self.aliases:
            return self.aliases[key]
        return key

    def __getitem__(self, key: str) -> Any:
        return self.entries[self._index[self._resolve(key)]].value

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._resolve(key) in self._index

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Header):
            return [(e.key, e.value) for e in self.entries] == [(e.key, e.value) for e in other.entries]
        if isinstance(other, Mapping):
            return dict(self.items()) == dict(other.items())
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        shown = ", ".join(f"{e.key!r}: {e.value!r}" for e in self.entries[:8])
        more = f", … {len(self.entries) - 8} more" if len(self.entries) > 8 else ""
        return f"Header({{{shown}{more}}})"

    # -- all occurrences ---------------------------------------------------
    def get_all(self, key: str) -> list[Any]:
        """Every value stored under ``key``, in order (empty when absent)."""
        key = self._resolve(key)
        return [e.value for e in self.entries if e.key == key]

    def entry(self, key: str) -> HeaderEntry:
        """The first entry under ``key``, with its raw text."""
        return self.entries[self._index[self._resolve(key)]]

    # -- building new headers ----------------------------------------------
    def add(self, key: str, value: Any, raw: str | None = None) -> Header:
        """A new header with one more entry at the end (duplicates allowed)."""
        return self._with((*self.entries, HeaderEntry(key, value, raw)))

    def set(self, key: str, value: Any) -> Header:
        """A new header where ``key`` has the single value ``value``, in place if present."""
        key = self._resolve(key)
        if key not in self._index:
            return self.add(key, value)
        first = self._index[key]
        entries = [
            HeaderEntry(key, value) if i == first else e
            for i, e in enumerate(self.entries)
            if e.key != key or i == first
        ]
        return self._with(tuple(entries))

    def remove(self, key: str) -> Header:
        """A new header without any entry under ``key``."""
        key = self._resolve(key)
        return self._with(tuple(e for e in self.entries if e.key != key))

    def with_aliases(self, aliases: Mapping[str, str]) -> Header:
        """A new header where each alias reads the key it stands for."""
        return Header(self.entries, origin=self.origin, aliases={**self.aliases, **aliases})

    def _with(self, entries: tuple[HeaderEntry, ...]) -> Header:
        return Header(entries, origin=self.origin, aliases=self.aliases)

    # -- typed access ------------------------------------------------------
    def _fail(self, key: str, value: Any, expected: str) -> FormatError:
        return FormatError(f"header key {key!r}: expected {expected}, found {value!r}", self.origin)

    def _text(self, key: str) -> str:
        value = self[key]
        if isinstance(value, bytes):
            return value.decode("utf-8", "surrogateescape")
        return str(value)

    @overload
    def get_int(self, key: str) -> int: ...
    @overload
    def get_int(self, key: str, default: int | None) -> int | None: ...

    def get_int(self, key: str, default: Any = ...) -> Any:
        """The value of ``key`` as an int; FormatError naming key and value if it is not one."""
        if key not in self:
            return self._missing(key, default)
        text = self._text(key).strip()
        try:
            return int(text)
        except ValueError:
            try:
                number = float(text)
            except ValueError:
                raise self._fail(key, self[key], "an integer") from None
            if number.is_integer():
                return int(number)
            raise self._fail(key, self[key], "an integer") from None

    @overload
    def get_float(self, key: str) -> float: ...
    @overload
    def get_float(self, key: str, default: float | None) -> float | None: ...

    def get_float(self, key: str, default: Any = ...) -> Any:
        """The value of ``key`` as a float (NaN and inf accepted)."""
        if key not in self:
            return self._missing(key, default)
        try:
            return float(self._text(key).strip())
        except ValueError:
            raise self._fail(key, self[key], "a number") from None

    def get_floats(self, key: str, default: Any = ...) -> Any:
        """The value of ``key`` as a list of floats separated by blanks."""
        if key not in self:
            return self._missing(key, default)
        value = self[key]
        try:
            if isinstance(value, (str, bytes)):
                return [float(t) for t in self._text(key).split()]
            if hasattr(value, "__iter__"):  # an array from an HDF5 attribute
                return [float(v) for v in getattr(value, "ravel", lambda: value)()]
            return [float(value)]
        except (TypeError, ValueError):
            raise self._fail(key, self[key], "numbers separated by blanks") from None

    def get_bool(self, key: str, default: Any = ...) -> Any:
        """The value of ``key`` as a bool (1/0, true/false, yes/no, on/off)."""
        if key not in self:
            return self._missing(key, default)
        text = self._text(key).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise self._fail(key, self[key], "a boolean (1/0, true/false, yes/no)")

    def get_str(self, key: str, default: Any = ...) -> Any:
        """The value of ``key`` as text (bytes decoded as UTF-8, undecodable bytes kept)."""
        if key not in self:
            return self._missing(key, default)
        return self._text(key)

    def _missing(self, key: str, default: Any) -> Any:
        if default is ...:
            where = f" ({self.origin})" if self.origin else ""
            raise KeyError(f"header key {key!r} not found{where}")
        return default
