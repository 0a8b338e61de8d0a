"""Dask beyond one machine: arrays that travel as their address, conversions read by workers.

One LocalCluster of two worker processes serves the module: what runs on it is
pickled and opened again in another process, as on a real cluster.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest

import beamio
from beamio import Dataset, FrameStack
from beamio.cli import main
from beamio.errors import ClusterError, FormatError

distributed = pytest.importorskip("distributed")
dask = pytest.importorskip("dask")

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
MCA_SPEC = CORPUS / "spec" / "s2n_mca_spectra_example.dat"
SAMPLE = Path(__file__).resolve().parents[1] / "examples" / "data" / "sample.spec"


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


def _noisy(rng: np.random.Generator, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    return rng.poisson(40, shape).astype(dtype)


def _edf(path: Path, frames: np.ndarray) -> Path:
    """A multi-frame EDF file written by beamio."""
    stack = FrameStack.from_array(frames)
    beamio.write(Dataset("0", frames=stack), path, "edf")
    return path


def _series(folder: Path, count: int, shape: tuple[int, int], dtype: Any) -> list[Path]:
    rng = np.random.default_rng(7)
    folder.mkdir()
    return [_edf(folder / f"f_{i:04d}.edf", _noisy(rng, (1, *shape), dtype)) for i in range(count)]


def _content(path: Path) -> dict[str, Any]:
    """Every group and dataset of an HDF5 file: attributes and values (the file's own name left out)."""
    out: dict[str, Any] = {}
    with h5py.File(path) as f:

        def visit(name: str, node: Any) -> None:
            value = node[()] if isinstance(node, h5py.Dataset) else None
            attributes = {k: str(v) for k, v in node.attrs.items()}
            out[name] = (attributes, node.dtype if value is not None else None)
            out[name + "#value"] = value

        f.visititems(visit)
        out["/"] = {k: str(v) for k, v in f.attrs.items() if k not in ("file_name", "file_time")}
    return out


def _assert_same_file(a: Path, b: Path) -> None:
    left, right = _content(a), _content(b)
    assert sorted(left) == sorted(right)
    for name, value in left.items():
        other = right[name]
        if isinstance(value, np.ndarray) and value.dtype.kind != "O":
            assert value.dtype == other.dtype, name
            np.testing.assert_array_equal(value, other, err_msg=name)
        else:
            assert str(value) == str(other), name


def _reads(stream: Any) -> list[str]:
    """The keys of the conversion's reading tasks that ran."""
    return [t["key"] for t in stream.data if str(t["key"]).startswith("beamio-read-")]


# -- arrays on the cluster ------------------------------------------------------------------------


def test_a_frame_stack_travels_as_its_address(tmp_path: Path, client: Any) -> None:
    frames = _noisy(np.random.default_rng(1), (5, 32, 40), np.float32)
    path = _edf(tmp_path / "stack.edf", frames)
    with beamio.open(path) as f:
        stack = f[0].frames
        assert len(pickle.dumps(stack)) < 2_000  # the address, not the data nor the reader's closures
        lazy = stack.to_dask(chunks=(2, 32, 40))
        assert lazy.npartitions == 3
        np.testing.assert_array_equal(lazy.compute(scheduler=client), frames)
        total = float(lazy.sum().compute(scheduler=client))
        assert total == pytest.approx(float(frames.sum(dtype=np.float64)))
    assert stack.reads == 0  # every chunk was read by a worker, none here


def test_spectra_travel_as_their_address(client: Any) -> None:
    if not MCA_SPEC.exists():
        pytest.skip(f"corpus not found at {MCA_SPEC}")
    with beamio.open(MCA_SPEC) as f:
        counts = next(iter(f[0].spectra.values())).counts
        expected = np.asarray(counts)
        lazy = counts.to_dask(chunks=(500, -1))
        np.testing.assert_array_equal(lazy.compute(scheduler=client), expected)
        assert int(lazy.sum().compute(scheduler=client)) == int(expected.sum())


def test_a_file_changed_since_it_was_opened_is_named(tmp_path: Path, client: Any) -> None:
    path = _edf(tmp_path / "changing.edf", np.zeros((2, 8, 8), np.uint16))
    with beamio.open(path) as f:
        lazy = f[0].frames.to_dask(chunks=(1, 8, 8))
        stat = os.stat(path)
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
        with pytest.raises(FormatError) as caught:
            lazy.compute(scheduler=client)
    assert str(path) in str(caught.value)
    assert "changed since it was opened" in str(caught.value)


def test_an_array_without_an_address_says_why_it_cannot_travel() -> None:
    from beamio import LazyArray

    lazy = LazyArray((3,), np.float64, lambda key: np.zeros(3)[key], name="det")
    with pytest.raises(TypeError, match=r"'det'.* has no address .* cannot be sent to another process"):
        pickle.dumps(lazy)
    values = np.arange(3.0)
    travelled = pickle.loads(pickle.dumps(LazyArray.from_array(values)))  # values in memory travel with it
    np.testing.assert_array_equal(np.asarray(travelled), values)


# -- conversions read by the workers ----------------------------------------------------------------


@pytest.mark.parametrize("name", ["sample", "mca"])
def test_spec_to_nexus_on_the_cluster_equals_the_serial_conversion(
    tmp_path: Path, client: Any, name: str
) -> None:
    source = SAMPLE if name == "sample" else MCA_SPEC
    if not source.exists():
        pytest.skip(f"corpus not found at {source}")
    beamio.convert(source, tmp_path / "serial.h5")
    with distributed.get_task_stream(client) as stream:
        beamio.convert(source, tmp_path / "cluster.h5", scheduler=client)
    _assert_same_file(tmp_path / "serial.h5", tmp_path / "cluster.h5")
    with beamio.open(source) as f:
        scans = len(f)
    assert len(_reads(stream)) == scans  # one task per output entry


def test_an_edf_series_on_the_cluster_is_one_task_per_file(tmp_path: Path, client: Any) -> None:
    _series(tmp_path / "in", 6, (48, 64), np.uint16)
    pattern = str(tmp_path / "in" / "f_*.edf")
    beamio.convert(pattern, tmp_path / "serial.h5")
    with distributed.get_task_stream(client) as stream:
        beamio.convert(pattern, tmp_path / "cluster.h5", scheduler=client, compression="gzip")
    beamio.convert(pattern, tmp_path / "serial_gzip.h5", compression="gzip")
    _assert_same_file(tmp_path / "serial_gzip.h5", tmp_path / "cluster.h5")
    reads = _reads(stream)
    assert len(reads) == 6 + 1  # a task per input file, and the scan's (empty) table
    assert sum("-frames-" in key for key in reads) == 6


def test_a_multi_frame_file_is_read_in_blocks_of_frames(tmp_path: Path, client: Any) -> None:
    frames = _noisy(np.random.default_rng(3), (9, 16, 24), np.int32)
    path = _edf(tmp_path / "nine.edf", frames)
    beamio.convert(path, tmp_path / "serial.h5")
    beamio.convert(path, tmp_path / "cluster.h5", scheduler=client)
    _assert_same_file(tmp_path / "serial.h5", tmp_path / "cluster.h5")
    with beamio.open(tmp_path / "cluster.h5") as f:
        np.testing.assert_array_equal(np.asarray(f[0].frames), frames)


def test_the_command_takes_a_scheduler_address(tmp_path: Path, client: Any, capsys: Any) -> None:
    source = SAMPLE
    assert main(["convert", str(source), str(tmp_path / "serial.h5"), "--quiet"]) == 0
    address = client.scheduler.address
    assert main(["convert", str(source), str(tmp_path / "cluster.h5"), "--scheduler", address]) == 0
    assert "wrote" in capsys.readouterr().out
    _assert_same_file(tmp_path / "serial.h5", tmp_path / "cluster.h5")


def test_no_scheduler_at_the_address_is_a_clear_error(tmp_path: Path, capsys: Any) -> None:
    target = tmp_path / "never.h5"
    with dask.config.set({"distributed.comm.timeouts.connect": "0.5s"}):
        with pytest.raises(ClusterError, match=r"scheduler tcp://127\.0\.0\.1:9: no Dask scheduler answers"):
            beamio.convert(SAMPLE, target, scheduler="tcp://127.0.0.1:9")
        code = main(["convert", str(SAMPLE), str(target), "--scheduler", "tcp://127.0.0.1:9"])
    assert code == 1
    assert "no Dask scheduler answers there" in capsys.readouterr().err
    assert not target.exists()
    assert not list(tmp_path.iterdir())  # no temporary file left either


def test_a_mixed_series_and_a_list_on_the_cluster(tmp_path: Path, client: Any) -> None:
    fabio = pytest.importorskip("fabio")
    rng = np.random.default_rng(5)
    files = []
    for i in range(4):
        frame = _noisy(rng, (24, 32), np.int32)
        if i % 2:
            path = tmp_path / f"m_{i}.cbf"
            fabio.cbfimage.CbfImage(data=frame).write(str(path))
        else:
            path = _edf(tmp_path / f"m_{i}.edf", frame[None])
        files.append(str(path))
    beamio.convert(files, tmp_path / "serial.h5")
    with distributed.get_task_stream(client) as stream:
        beamio.convert(files, tmp_path / "cluster.h5", scheduler=client)
    _assert_same_file(tmp_path / "serial.h5", tmp_path / "cluster.h5")
    assert sum("-frames-" in key for key in _reads(stream)) == 4


def test_linking_with_a_scheduler_references_the_same_frames(tmp_path: Path, client: Any) -> None:
    import h5py

    _series(tmp_path / "in", 3, (8, 10), np.uint16)
    pattern = str(tmp_path / "in" / "f_*.edf")
    beamio.convert(pattern, tmp_path / "serial.h5", link=True)
    beamio.convert(pattern, tmp_path / "cluster.h5", scheduler=client, link=True)
    with h5py.File(tmp_path / "serial.h5") as serial, h5py.File(tmp_path / "cluster.h5") as cluster:
        stack = "_1_1/instrument/image/data"
        assert cluster[stack].external == serial[stack].external and len(serial[stack].external) == 3
        np.testing.assert_array_equal(cluster[stack][()], serial[stack][()])
