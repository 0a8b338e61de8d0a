"""The compiled loops of the reader (``_cspec``), when they were built and not switched off.

``BEAMIO_SPEC_PURE=1`` in the environment makes the reader use its numpy and Python
code alone — the same results, slower; the tests compare the two.
"""

from __future__ import annotations

import os
from types import ModuleType

__all__ = ["module"]


def module() -> ModuleType | None:
    """The ``_cspec`` extension module, or None (not built, or ``BEAMIO_SPEC_PURE`` set)."""
    if os.environ.get("BEAMIO_SPEC_PURE", "") not in ("", "0"):
        return None
    try:
        from . import _cspec  # type: ignore[attr-defined]
    except ImportError:
        return None
    return _cspec  # type: ignore[no-any-return]
