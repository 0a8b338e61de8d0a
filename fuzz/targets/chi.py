"""The .chi fixture plugin (tests/fixtures/dists/beamio-chi), not installed: read through a scoped registry.

A third party's plugin as the test suite uses it (tests/test_third_party.py): its source
folder on the path and a registry of beamio's plugins and it, so that nothing is
installed into the environment for it.
"""

from __future__ import annotations

import os
import sys
from typing import Any

_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_SOURCE = os.path.join(_ROOT, "tests", "fixtures", "dists", "beamio-chi", "src")
if _SOURCE not in map(os.path.abspath, sys.path):
    sys.path.append(_SOURCE)

FORMAT = "chi"
SUFFIX = ".chi"
SEEDS = ["fuzz/seeds/chi/*"]
INSTRUMENT = ["beamio", "beamio_chi"]

_options: dict[str, Any] = {}


def __getattr__(name: str) -> Any:
    """OPTIONS, made when first asked for: after the harness has instrumented beamio_chi."""
    if name != "OPTIONS":
        raise AttributeError(name)
    if not _options:
        import beamio_chi.plugin

        import beamio

        _options["registry"] = beamio.Registry(plugins=[beamio_chi.plugin])
    return _options
