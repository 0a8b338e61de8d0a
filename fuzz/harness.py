"""The atheris harness: ``BEAMIO_FUZZ_TARGET=spec python fuzz/harness.py CORPUS_DIR [libFuzzer flags]``.

``fuzz/run.py`` starts it; the target's module in ``fuzz/targets/`` says which format,
which file suffix, which modules to instrument for coverage.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import shlex
import sys

import atheris

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

TARGET = importlib.import_module(f"targets.{os.environ['BEAMIO_FUZZ_TARGET']}")


def _import_with_submodules(name: str) -> None:
    """Import a package and every module in it, while the instrumentation is on.

    A module imported later (a reader loaded when first needed, beamio's lazy exports)
    would run uninstrumented: the fuzzer would not see which of its branches an input takes.
    """
    package = importlib.import_module(name)
    for found in pkgutil.walk_packages(getattr(package, "__path__", []), f"{name}."):
        if found.name.endswith(".__main__"):  # runs a command line when imported
            continue
        try:
            importlib.import_module(found.name)
        except ImportError:  # an optional extra (dask, hypothesis) that is not installed
            continue


with atheris.instrument_imports(include=list(TARGET.INSTRUMENT)):
    for module in TARGET.INSTRUMENT:
        _import_with_submodules(module)
    from _target import exercise


def test_one_input(data: bytes) -> None:
    """One input: opened and read all, or refused with a FormatError."""
    exercise(data, TARGET.FORMAT, TARGET.SUFFIX, **getattr(TARGET, "OPTIONS", {}))


if __name__ == "__main__":
    # libFuzzer runs argv[0] again through the shell to minimize a crash: this interpreter, this file.
    atheris.Setup([shlex.join([sys.executable, os.path.abspath(__file__)]), *sys.argv[1:]], test_one_input)
    atheris.Fuzz()
