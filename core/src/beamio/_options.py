"""Reader and writer options: declared by the plugin, validated before a file is touched."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs

from .errors import OptionError

__all__ = ["COMMON_READ_OPTIONS", "COMMON_WRITE_OPTIONS", "Option", "validate_options"]


@attrs.frozen
class Option:
    """One keyword option of a reader or writer.

    ``types`` are the accepted Python types (``None`` is accepted when the
    default is None); ``choices`` restricts the values; ``check`` may raise
    ValueError with a reason for anything finer.
    """

    default: Any = None
    types: tuple[type, ...] = attrs.field(default=(), converter=lambda t: t if isinstance(t, tuple) else (t,))
    doc: str = ""
    choices: tuple[Any, ...] | None = None
    check: Callable[[Any], None] | None = None

    def validate(self, name: str, value: Any, owner: str) -> Any:
        """Return ``value`` if acceptable, else raise OptionError saying what is expected."""
        if value is None and self.default is None:
            return value
        int_as_float = float in self.types and isinstance(value, int) and not isinstance(value, bool)
        # bool is an int to isinstance, but True is no answer to a count.
        bool_as_int = isinstance(value, bool) and bool not in self.types
        if self.types and (not isinstance(value, self.types) or bool_as_int) and not int_as_float:
            expected = " or ".join(t.__name__ for t in self.types)
            raise OptionError(
                f"{owner} option {name}={value!r}: expected {expected}, got {type(value).__name__}"
            )
        if self.choices is not None and value not in self.choices:
            raise OptionError(
                f"{owner} option {name}={value!r}: expected one of {', '.join(map(repr, self.choices))}"
            )
        if self.check is not None:
            try:
                self.check(value)
            except (ValueError, TypeError) as error:
                raise OptionError(f"{owner} option {name}={value!r}: {error}") from None
        return value


#: Options every reader takes.
COMMON_READ_OPTIONS: Mapping[str, Option] = {
    "strict": Option(False, bool, "raise on the first irregularity instead of recording a diagnostic"),
}

#: Options every writer takes.
COMMON_WRITE_OPTIONS: Mapping[str, Option] = {
    "strict": Option(False, bool, "raise instead of warning when the target cannot represent something"),
}


def validate_options(declared: Mapping[str, Option], given: Mapping[str, Any], owner: str) -> dict[str, Any]:
    """All options with defaults filled in; OptionError listing the valid ones for unknown names."""
    unknown = sorted(set(given) - set(declared))
    if unknown:
        valid = ", ".join(sorted(declared)) or "none"
        raise OptionError(
            f"{owner} has no option {', '.join(repr(u) for u in unknown)}; valid options: {valid}"
        )
    values = {name: option.default for name, option in declared.items()}
    for name, value in given.items():
        values[name] = declared[name].validate(name, value, owner)
    return values
