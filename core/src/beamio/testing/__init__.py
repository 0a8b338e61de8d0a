"""beamio.testing: the conformance kit for format plugins, and value-by-value comparison.

Subclass :class:`FormatTests` in a plugin's tests; compare files with
:func:`assert_equal`. :mod:`beamio.testing.toy` is a tiny complete format to
test with. Importing this package is cheap; the kit loads on first use.
"""

from typing import TYPE_CHECKING

from .._exports import lazy_getattr
from ._plugins import StaticPlugin

if TYPE_CHECKING:
    from ._compare import assert_equal, differences
    from ._conformance import KIT_SAMPLES, FormatTests, corrupted_variants, kit_samples, read_everything
    from ._memory import allocating_at_most

_LAZY = {
    "assert_equal": "_compare",
    "differences": "_compare",
    "allocating_at_most": "_memory",
    "KIT_SAMPLES": "_conformance",
    "FormatTests": "_conformance",
    "corrupted_variants": "_conformance",
    "kit_samples": "_conformance",
    "read_everything": "_conformance",
}


__getattr__ = lazy_getattr(__name__, _LAZY, globals())


__all__ = [
    "KIT_SAMPLES",
    "FormatTests",
    "StaticPlugin",
    "allocating_at_most",
    "assert_equal",
    "corrupted_variants",
    "differences",
    "kit_samples",
    "read_everything",
]
