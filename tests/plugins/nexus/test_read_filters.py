"""Datasets compressed with filters HDF5 lacks: named with the way to get them, never read as zeros."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import h5py
import numpy as np
import pytest

import beamio


def _filtered(path: Path, filter_id: int) -> Path:
    """A file whose ``/entry/packed`` has one chunk stored as if ``filter_id`` had compressed it."""
    with h5py.File(path, "w") as f:
        entry = f.create_group("entry")
        entry["plain"] = np.arange(4.0)
        packed = entry.create_dataset(
            "packed", shape=(4,), dtype="f8", chunks=(4,), compression=filter_id, allow_unknown_filter=True
        )
        packed.id.write_direct_chunk((0,), np.arange(4.0).tobytes(), filter_mask=0)
    return path


def _reason(filter_id: int, name: str) -> str:
    return (
        f"HDF5 filter {filter_id} ({name}) is not available to decompress it: pip install hdf5plugin"
        " (or put the filter's HDF5 plugin in HDF5_PLUGIN_PATH)"
    )


def test_a_filter_nobody_provides_is_a_diagnostic_then_a_format_error(tmp_path: Path) -> None:
    path = _filtered(tmp_path / "snappy.h5", 32003)  # snappy: not in HDF5, h5py nor hdf5plugin
    reason = _reason(32003, "snappy")
    with beamio.open(path) as f:
        packed = f["/entry/packed"]
        assert (packed.shape, packed.dtype) == ((4,), np.float64)
        assert [(d.message, d.severity) for d in f.diagnostics] == [(f"/entry/packed: {reason}", "warning")]
        with pytest.raises(beamio.FormatError) as raised:
            packed[...]
        assert str(raised.value) == f"{path}: /entry/packed: HDF5 could not read it: {reason}"
        np.testing.assert_array_equal(f["/entry/plain"][...], np.arange(4.0))


# Opens a file without filters, then one with: is hdf5plugin imported after each, what reads, what is said.
_READ = """
import json, sys
{block}
import beamio
with beamio.open(sys.argv[2]) as f:
    f["/entry/gzip"][...]
loaded_for_plain = sys.modules.get("hdf5plugin") is not None
with beamio.open(sys.argv[1]) as f:
    try:
        values = f["/entry/packed"][...].tolist()
    except beamio.FormatError as error:
        values = str(error)
    said = [d.message for d in f.diagnostics]
print(json.dumps([loaded_for_plain, sys.modules.get("hdf5plugin") is not None, values, said]))
"""


def _read_in_a_new_process(path: Path, block_hdf5plugin: bool) -> list:
    plain = path.with_name("plain.h5")
    with h5py.File(plain, "w") as f:
        f.create_dataset("entry/gzip", data=np.arange(10), compression="gzip")
    block = 'sys.modules["hdf5plugin"] = None  # as if it were not installed' if block_hdf5plugin else ""
    code = textwrap.dedent(_READ).format(block=block)
    command = [sys.executable, "-c", code, str(path), str(plain)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_without_hdf5plugin_blosc_is_named_with_how_to_install_it(tmp_path: Path) -> None:
    path = _filtered(tmp_path / "blosc.h5", 32001)
    _, loaded, values, messages = _read_in_a_new_process(path, block_hdf5plugin=True)
    reason = _reason(32001, "blosc")
    assert not loaded
    assert values == f"{path}: /entry/packed: HDF5 could not read it: {reason}"
    assert messages == [f"/entry/packed: {reason}"]


@pytest.mark.skipif(importlib.util.find_spec("hdf5plugin") is None, reason="hdf5plugin is not installed")
def test_hdf5plugin_is_imported_when_a_filter_needs_it(tmp_path: Path) -> None:
    path = tmp_path / "zstd.h5"
    write = f"""
import h5py, hdf5plugin, numpy as np
with h5py.File({str(path)!r}, "w") as f:
    f.create_dataset("entry/packed", data=np.arange(1000.0), chunks=(100,), **hdf5plugin.Zstd())
"""
    subprocess.run([sys.executable, "-c", write], check=True, timeout=60)
    loaded_for_plain, loaded, values, messages = _read_in_a_new_process(path, block_hdf5plugin=False)
    assert (loaded_for_plain, loaded, messages) == (False, True, [])
    assert values == np.arange(1000.0).tolist()
