"""HDF5 compression filters: which ones a dataset needs that HDF5 cannot apply, and how to get them.

A dataset compressed with a filter HDF5 does not have (blosc, lz4, zstd … come
from plugins) cannot be read. The first time one is met, hdf5plugin is imported
if it is installed, which registers its filters with HDF5; what is still missing
is named with the way to get it.
"""

from __future__ import annotations

import functools
import importlib
from typing import Any

from h5py import h5z

__all__ = ["FILTER_NAMES", "describe", "missing_filters"]

#: Filter ids registered with The HDF Group (hdf5_plugins' RegisteredFilterPlugins.md) → names.
FILTER_NAMES = {
    257: "hzip",
    305: "lzo",
    307: "bzip2",
    32001: "blosc",
    32002: "mafisc",
    32003: "snappy",
    32004: "lz4",
    32005: "apax",
    32006: "cbf",
    32007: "jpeg-xr",
    32008: "bitshuffle",
    32009: "spdp",
    32010: "lpc-rice",
    32011: "ccsds-123",
    32012: "jpeg-ls",
    32013: "zfp",
    32014: "fpzip",
    32015: "zstd",
    32016: "b3d",
    32017: "sz",
    32018: "fcidecomp",
    32019: "jpeg",
    32020: "vbz",
    32021: "fapec",
    32022: "bitgroom",
    32023: "granular bitround",
    32024: "sz3",
    32025: "delta-rice",
    32026: "blosc2",
    32027: "flac",
    32028: "sperr",
    32029: "terse/prolix",
    32030: "ffmpeg",
    32033: "htj2k",
}


@functools.cache
def _load_hdf5plugin() -> bool:
    """Import hdf5plugin once (importing it registers its filters with HDF5); False if it cannot be."""
    try:
        importlib.import_module("hdf5plugin")
    except (ImportError, OSError):  # not installed, or its compiled filters do not load
        return False
    return True


def missing_filters(dataset: Any) -> list[tuple[int, str]]:
    """The filters of an h5py dataset's pipeline that HDF5 cannot apply, as (id, name)."""
    plist = dataset.id.get_create_plist()
    pipeline = [plist.get_filter(i) for i in range(plist.get_nfilters())]
    missing = [(code, stored) for code, _flags, _values, stored in pipeline if not h5z.filter_avail(code)]
    if missing and _load_hdf5plugin():
        missing = [(code, stored) for code, stored in missing if not h5z.filter_avail(code)]
    return [
        (code, FILTER_NAMES.get(code) or bytes(stored).decode("ascii", "replace") or "unregistered")
        for code, stored in missing
    ]


def describe(missing: list[tuple[int, str]]) -> str:
    """``HDF5 filter 32001 (blosc) is not available: pip install hdf5plugin``."""
    filters = ", ".join(f"{code} ({name})" for code, name in missing)
    noun = "filter" if len(missing) == 1 else "filters"
    verb = "is" if len(missing) == 1 else "are"
    return (
        f"HDF5 {noun} {filters} {verb} not available to decompress it: pip install hdf5plugin"
        " (or put the filter's HDF5 plugin in HDF5_PLUGIN_PATH)"
    )
