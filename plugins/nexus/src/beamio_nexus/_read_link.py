"""Reading what the NeXus writer linked (:mod:`._link`): check the referenced files, read virtual parts.

beamio's reader opens external storage with the HDF5 file's folder as prefix
(relative names are that folder's), checks each referenced file against the
record ``@linked_files`` names, and reads a virtual stack of linked parts part by
part, because HDF5 does not hand a virtual dataset's prefix to its sources.
"""

from __future__ import annotations

import os
from bisect import bisect_left
from collections.abc import Callable
from typing import Any

import h5py
import numpy as np

from ._link import RECORD, changed
from ._read_vlen import VlenCheck

__all__ = ["external_names", "linked_problems", "read_parts"]


def external_names(dataset: h5py.Dataset) -> list[str]:
    """The files of a dataset's external storage, each once, in order; [] for other datasets."""
    plist = dataset.id.get_create_plist()
    if plist.get_layout() != h5py.h5d.CONTIGUOUS:
        return []
    names = (plist.get_external(i)[0] for i in range(plist.get_external_count()))
    return list(dict.fromkeys(os.fsdecode(name) for name in names))


def linked_problems(dataset: h5py.Dataset, folder: str, vlen: VlenCheck) -> list[str] | None:
    """What is wrong with the files a stack references, a sentence each; None if it references none.

    The record ``@linked_files`` names (beamio's) gives each file's size and time;
    without one, only whether each file of the external storage exists. Relative
    names are those of the HDF5 file's ``folder``. ``vlen`` checks the record's strings
    before HDF5 reads them.
    """
    names = external_names(dataset)
    if not (dataset.is_virtual or names):
        return None
    damaged = vlen.attribute(dataset, RECORD.encode())
    if damaged is not None:
        return [f"its @{RECORD} is damaged: {damaged}"]
    record = dataset.attrs.get(RECORD)
    if record is None:
        if not names:
            return None
        # h5py gives at most 255 bytes of a name: a longer one is not checked (HDF5 opens it).
        return [
            f"{os.path.join(folder, n)} is missing" for n in names if len(n) < 255 and not _exists(n, folder)
        ]
    group = dataset.file.get(record.decode() if isinstance(record, bytes) else str(record))
    if not isinstance(group, h5py.Group) or not {"name", "size", "mtime_ns"} <= set(group):
        return [f"its record {record} of the files it references is missing or incomplete"]
    damaged = vlen.dataset(group["name"])
    if damaged is not None:
        return [f"its record {record}/name is damaged: {damaged}"]
    recorded = [os.fsdecode(n) for n in group["name"][()]]
    sizes, times = group["size"][()], group["mtime_ns"][()]
    problems = []
    for name, size, mtime in zip(recorded, sizes, times, strict=False):
        path = os.path.join(folder, name)
        try:
            now = os.stat(path)
        except (OSError, ValueError) as error:  # ValueError: a name holding a NUL
            problems.append(f"{path}, which it references, is missing ({getattr(error, 'strerror', error)})")
            continue
        how = changed((int(size), int(mtime)), now)
        if how is not None:
            problems.append(f"{path}, which it references, changed since it was linked: {how}")
    return problems


def read_parts(parts: list[tuple[int, int, h5py.Dataset]], dtype: np.dtype) -> Callable[[Any], np.ndarray]:
    """The read function of a virtual stack over ``(first, stop, part)``, reading the parts themselves.

    HDF5 opens a virtual dataset's sources with an access property list of its own,
    without the external-file prefix: a stack of relatively named parts reads only
    where the environment says ``HDF5_EXTFILE_PREFIX``. beamio opens the parts with
    the prefix and reads the frames of each.
    """

    def read(key: tuple[Any, ...]) -> np.ndarray:
        rows, rest = key[0], key[1:]
        if isinstance(rows, int):
            first, _, part = next(p for p in parts if p[0] <= rows < p[1])
            index = (rows - first, *rest)
            return np.asarray(part[index], dtype)
        wanted = range(rows.start, rows.stop, rows.step)
        pieces = []
        for first, stop, part in parts:
            inside = wanted[bisect_left(wanted, first) : bisect_left(wanted, stop)]
            if len(inside):
                picked = slice(inside.start - first, inside[-1] - first + 1, rows.step)
                index = (picked, *rest)
                pieces.append(np.asarray(part[index], dtype))
        if not pieces:  # no frame: an empty selection of the first part, for the shape
            index = (slice(0, 0, 1), *rest)
            return np.asarray(parts[0][2][index], dtype)
        return pieces[0] if len(pieces) == 1 else np.concatenate(pieces)

    return read


def _exists(name: str, folder: str) -> bool:
    return os.path.exists(os.path.join(folder, name))
