"""What every fuzz harness does with an input: open it as a file and read all of it.

The contract under test (issue 8): any byte string either opens, and then every
array, header and node of it reads, or raises beamio's FormatError (NotThisFormat
during detection) — never another exception, never a hang, never an allocation far
beyond the input's size. A harness calls :func:`exercise` with the bytes, the format
to read them as (None: detection) and a file name suffix for the format's signature.
"""

from __future__ import annotations

import os
import tempfile
import tracemalloc
from typing import Any

import numpy as np

import beamio
from beamio.errors import FormatError

__all__ = ["allocation_budget", "exercise", "peak_allocation", "read_everything"]

_FOLDER = tempfile.mkdtemp(prefix="beamio-fuzz-")

#: Arrays above this are read in part only: a reader may promise a large lazy array
#: (a 2 GB frame stack over a sparse file is fine), but nothing may be allocated for it
#: until read, and reading it all is not the harness's business.
_READ_ALL_BELOW = 64 << 20


def _read(array: Any) -> None:
    shape = tuple(getattr(array, "shape", ()))
    nbytes = int(np.prod(shape, dtype=np.int64)) * np.dtype(array.dtype).itemsize if shape else 0
    if nbytes <= _READ_ALL_BELOW:
        np.asarray(array)
    elif shape and shape[0]:
        np.asarray(array[0])


def read_everything(file: Any) -> None:
    """Touch every part of an opened File: headers, columns, positioners, frames, spectra, tree."""
    str(file.header)
    for ds in file.datasets:
        str(ds.header)
        for column in ds.columns.values():
            _read(np.asarray(column) if not hasattr(column, "dtype") else column)
        for value in ds.positioners.values():
            if hasattr(value, "dtype"):
                _read(value)
        if ds.frames is not None:
            _read(ds.frames)
            for i in range(min(len(ds.frames), 4)):
                str(ds.frames.frame(i).header)
        for spectrum in ds.spectra.values():
            _read(spectrum.counts)
            spectrum.energy  # noqa: B018 - the calibration applied
    list(file.diagnostics)

    def walk(node: Any, depth: int) -> None:
        if depth > 8:
            return
        if hasattr(node, "keys") and not hasattr(node, "dtype"):
            for name in list(node.keys())[:64]:
                walk(node[name], depth + 1)

    walk(file.tree, 0)


def allocation_budget(size: int) -> int:
    """The memory reading ``size`` bytes may hold at once: a fixed allowance, and 2 KiB per byte.

    Per byte, because a Python model of a file is much larger than its text: a SPEC line
    ``#S`` (3 bytes) is a whole Dataset, about 2.8 KiB of objects when all are alive.
    What the budget catches is memory sized by what a header says (``#@CHANN 1e12``).
    """
    return (16 << 20) + 2048 * size


def peak_allocation(data: bytes, format: str | None, suffix: str = "", **options: Any) -> int:
    """:func:`exercise` under tracemalloc: the most memory (bytes) it held at once.

    numpy's arrays are counted, untouched pages of ``np.zeros`` too, which the fuzzer's RSS
    limit cannot see. Exercise a sample of the format first: the imports of its reader
    would be counted.
    """
    tracemalloc.start()
    try:
        exercise(data, format, suffix, **options)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def exercise(data: bytes, format: str | None, suffix: str = "", **options: Any) -> None:
    """Write ``data`` to a file, open it (as ``format``, or detected) and read it all.

    Returns quietly when beamio opens and reads it, or refuses it with a FormatError;
    anything else propagates and is the fuzzer's crash.
    """
    path = os.path.join(_FOLDER, "input" + suffix)
    with open(path, "wb") as handle:
        handle.write(data)
    try:
        with beamio.open(path, format, **options) as file:
            read_everything(file)
    except FormatError:
        pass
