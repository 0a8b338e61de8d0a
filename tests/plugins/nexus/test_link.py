"""``link=True``: NeXus stacks that reference the EDF frames in place (HDF5 external storage).

What a user needs to be true: plain h5py, silx and h5dump read exactly the EDF values
from the linked file, without beamio; nothing is copied; per-frame headers are written
as in a copying conversion; relative names resolve as documented; beamio says which
file changed or disappeared; what cannot be referenced is refused (``link=True``) or
copied (``link="auto"``), and the report says which was which.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import attrs
import h5py
import numpy as np
import pytest

import beamio
from beamio.errors import FormatError, UnsupportedOperation
from beamio.testing import assert_equal
from beamio_nexus import _link

from ..edf.samples import DTYPES, ORDERS, assert_same, edf_frame, frame_data, write_cbf, write_tif
from .test_round_trip import CORPUS, _files

STACK = "/1.1/instrument/image/data"  # where the NeXus writer puts an EDF stack (its HDF5 name)


def _h5_stack(path: Path) -> h5py.Dataset:
    """The linked stack of a NeXus file written from EDF, opened with plain h5py."""
    h5 = h5py.File(path, "r")
    entry = next(iter(h5.values()))
    return entry["instrument/image/data"]


def _series(folder: Path, count: int, *, dtype: str = "uint16", order: str = "LowByteFirst",
            shape: tuple[int, ...] = (6, 5), per_file: int = 1) -> list[Path]:  # fmt: skip
    """``count`` EDF files of ``per_file`` frames each, by hand; frame ``i`` holds ``frame_data(i)``."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(count):
        blob = b"".join(
            edf_frame(frame_data(dtype, shape, n * per_file + k), [("motor_pos", str(n))], k + 1, order=order)
            for k in range(per_file)
        )
        path = folder / f"frames_{n:04d}.edf"
        path.write_bytes(blob)
        paths.append(path)
    return paths


def _edf_stack(paths: list[Path]) -> np.ndarray:
    with beamio.open([str(p) for p in paths]) as f:
        return np.asarray(f[0].frames)


@pytest.mark.parametrize("order", ORDERS.values())
@pytest.mark.parametrize("dtype", DTYPES)
def test_plain_h5py_reads_the_edf_values_of_every_dtype_and_byte_order(
    tmp_path: Path, dtype: str, order: str
) -> None:
    paths = _series(tmp_path / "edf", 3, dtype=dtype, order=order, per_file=2)
    out = tmp_path / "linked.h5"
    beamio.convert([str(p) for p in paths], out, link=True)
    stack = _h5_stack(out)
    # The EDF's byte order is the HDF5 dataset's: nothing is converted, nothing copied.
    assert stack.dtype == np.dtype(dtype).newbyteorder(">" if order == "HighByteFirst" else "<")
    assert [name for name, _, _ in stack.external] == [str(p) for p in paths for _ in range(2)]
    values = stack[()]
    expected = np.stack([frame_data(dtype, (6, 5), i) for i in range(6)])
    assert_same(values.astype(values.dtype.newbyteorder("=")), expected)
    assert_same(_edf_stack(paths), expected)


def test_a_single_frame_links(tmp_path: Path) -> None:
    paths = _series(tmp_path, 1, dtype="float32")
    beamio.convert(str(paths[0]), tmp_path / "one.h5", link=True)
    stack = _h5_stack(tmp_path / "one.h5")
    assert stack.shape == (1, 6, 5)
    assert_same(stack[()], frame_data("float32", (6, 5), 0)[None])


def test_a_thousand_files_link_without_copying_a_byte(tmp_path: Path) -> None:
    paths = _series(tmp_path / "edf", 1000, dtype="int32", shape=(64, 64))
    out = tmp_path / "linked.h5"
    beamio.convert(str(tmp_path / "edf" / "frames_*.edf"), out, link=True)
    stack = _h5_stack(out)
    assert stack.shape == (1000, 64, 64)
    assert len(stack.external) == 1000
    np.testing.assert_array_equal(stack[()], _edf_stack(paths))
    # 16 MB of frames; the file holds the headers and the references, not the pixels.
    assert out.stat().st_size < 4 << 20
    assert out.stat().st_size < sum(p.stat().st_size for p in paths) / 4


def test_frames_of_one_multi_frame_file_are_segments_of_it(tmp_path: Path) -> None:
    paths = _series(tmp_path, 1, per_file=5, order="HighByteFirst")
    beamio.convert(str(paths[0]), tmp_path / "multi.h5", link=True)
    stack = _h5_stack(tmp_path / "multi.h5")
    assert [(name, size) for name, _, size in stack.external] == [(str(paths[0]), 60)] * 5
    np.testing.assert_array_equal(stack[()], _edf_stack(paths))


def test_adjacent_frames_make_one_segment() -> None:
    extents = [beamio.Extent("/a", 100 + 8 * i, "<u2", (2, 2)) for i in range(3)]
    extents.append(beamio.Extent("/b", 0, "<u2", (2, 2)))
    assert _link.segments(extents, str) == [("/a", 100, 24), ("/b", 0, 8)]


def test_more_frames_than_one_external_list_holds_are_parts_of_a_virtual_stack(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_link, "MAX_SEGMENTS", 4)
    paths = _series(tmp_path / "edf", 10)
    out = tmp_path / "parts.h5"
    beamio.convert([str(p) for p in paths], out, link=True)
    stack = _h5_stack(out)
    assert stack.is_virtual
    parts = stack.parent["data_parts"]
    assert list(parts) == ["linked_0", "linked_1", "linked_2"]
    assert [len(parts[name].external) for name in parts] == [4, 4, 2]
    expected = _edf_stack(paths)
    np.testing.assert_array_equal(stack[()], expected)  # plain h5py, through the virtual dataset
    with beamio.open(out) as f:
        frames = f[0].frames
        np.testing.assert_array_equal(np.asarray(frames), expected)
        np.testing.assert_array_equal(frames[3:9:2, 1], expected[3:9:2, 1])
        np.testing.assert_array_equal(frames[7], expected[7])


def test_silx_and_h5dump_read_the_linked_stack(tmp_path: Path) -> None:
    paths = _series(tmp_path, 2, dtype="int16", order="HighByteFirst", shape=(2, 3))
    out = tmp_path / "linked.h5"
    beamio.convert([str(p) for p in paths], out, link=True)
    expected = _edf_stack(paths)
    import silx.io

    with silx.io.open(str(out)) as h5:
        np.testing.assert_array_equal(h5[STACK.replace("1.1", "_1_1")][()], expected)
    h5dump = shutil.which("h5dump")
    if h5dump is None:
        pytest.skip("h5dump (HDF5's tools) is not installed")
    shown = subprocess.run(
        [h5dump, "-d", STACK.replace("1.1", "_1_1"), "-y", "-w", "0", str(out)],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    numbers = shown[shown.index("DATA {") + 6 : shown.index("}", shown.index("DATA {"))]
    assert [int(n) for n in numbers.replace(",", " ").split()] == expected.ravel().tolist()


def test_per_frame_headers_are_written_as_when_copying(tmp_path: Path) -> None:
    paths = _series(tmp_path, 3)
    beamio.convert([str(p) for p in paths], tmp_path / "copy.h5")
    beamio.convert([str(p) for p in paths], tmp_path / "link.h5", link=True)
    with h5py.File(tmp_path / "copy.h5") as copy, h5py.File(tmp_path / "link.h5") as link:
        header = "_1_1/instrument/image/header"
        assert list(copy[header]) == list(link[header])
        for key in copy[header]:
            np.testing.assert_array_equal(copy[header][key][()], link[header][key][()])
    with beamio.open(tmp_path / "copy.h5") as a, beamio.open(tmp_path / "link.h5") as b:
        assert_equal(a, b)


def test_the_file_records_each_referenced_file(tmp_path: Path) -> None:
    paths = _series(tmp_path, 2)
    beamio.convert([str(p) for p in paths], tmp_path / "link.h5", link=True)
    stack = _h5_stack(tmp_path / "link.h5")
    record = stack.file[stack.attrs["linked_files"]]
    assert [n.decode() for n in record["name"][()]] == [str(p) for p in paths]
    assert record["size"][()].tolist() == [p.stat().st_size for p in paths]
    assert record["mtime_ns"][()].tolist() == [p.stat().st_mtime_ns for p in paths]


# -- paths --------------------------------------------------------------------------------------


def test_relative_names_resolve_against_the_hdf5_file_when_readers_are_told(tmp_path: Path) -> None:
    paths = _series(tmp_path / "data" / "edf", 3)
    out = tmp_path / "data" / "nexus" / "linked.h5"
    out.parent.mkdir()
    beamio.convert([str(p) for p in paths], out, link=True, relative=True)
    expected = _edf_stack(paths)
    assert _h5_stack(out).external[0][0] == os.path.join("..", "edf", "frames_0000.edf")
    # The whole folder moves, times kept: the names still hold.
    moved = tmp_path / "moved"
    shutil.copytree(tmp_path / "data", moved, copy_function=shutil.copy2)
    shutil.rmtree(tmp_path / "data")
    linked = moved / "nexus" / "linked.h5"
    read = "import h5py, sys; print(h5py.File(sys.argv[1])['/_1_1/instrument/image/data'][()].sum())"
    elsewhere = {**os.environ}
    elsewhere.pop("HDF5_EXTFILE_PREFIX", None)
    plain = subprocess.run([sys.executable, "-c", read, str(linked)], cwd=tmp_path, env=elsewhere,
                           capture_output=True, text=True)  # fmt: skip
    assert plain.returncode != 0 and "unable to open external raw data file" in plain.stderr
    told = subprocess.run([sys.executable, "-c", read, str(linked)], cwd=tmp_path,
                          env={**elsewhere, "HDF5_EXTFILE_PREFIX": "${ORIGIN}"},
                          capture_output=True, text=True, check=True)  # fmt: skip
    assert int(told.stdout) == int(expected.sum())
    from_its_folder = subprocess.run([sys.executable, "-c", read, "linked.h5"], cwd=linked.parent,
                                     env=elsewhere, capture_output=True, text=True, check=True)  # fmt: skip
    assert int(from_its_folder.stdout) == int(expected.sum())
    # beamio needs to be told nothing, from any folder.
    with beamio.open(linked) as f:
        np.testing.assert_array_equal(np.asarray(f[0].frames), expected)
        assert list(f.diagnostics) == []


def test_relative_names_of_a_virtual_stack_read_in_beamio(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_link, "MAX_SEGMENTS", 2)
    paths = _series(tmp_path / "edf", 5)
    out = tmp_path / "nexus" / "linked.h5"
    out.parent.mkdir()
    beamio.convert([str(p) for p in paths], out, link=True, relative=True)
    monkeypatch.chdir("/")
    with beamio.open(out) as f:
        np.testing.assert_array_equal(np.asarray(f[0].frames), _edf_stack(paths))
        # The parts, reached through the tree too: one handle each, the same prefix.
        part = f["/_1_1/instrument/image/data_parts/linked_1"]
        np.testing.assert_array_equal(part[()], _edf_stack(paths)[2:4])
        np.testing.assert_array_equal(np.asarray(f[0].frames)[4], _edf_stack(paths)[4])


def test_an_edf_rewritten_since_is_named_when_read(tmp_path: Path) -> None:
    paths = _series(tmp_path, 3)
    out = tmp_path / "link.h5"
    beamio.convert([str(p) for p in paths], out, link=True)
    blob = paths[1].read_bytes()
    paths[1].write_bytes(blob[:-2] + b"\xff\xff")  # same size, new values, a new time
    os.utime(paths[1], ns=(paths[1].stat().st_atime_ns, paths[1].stat().st_mtime_ns + 10**9))
    with beamio.open(out) as f:
        frames = f[0].frames
        said = [d.message for d in f.diagnostics]
        assert len(said) == 1 and f"{paths[1]}, which it references, changed since it was linked" in said[0]
        with pytest.raises(
            FormatError, match=re.escape(f"{paths[1]}, which it references, changed since it was linked")
        ):
            np.asarray(frames)
    with pytest.raises(FormatError, match="changed since it was linked"), beamio.open(out, strict=True) as f:
        f[0].frames  # noqa: B018


def test_an_edf_gone_is_named_when_read(tmp_path: Path) -> None:
    paths = _series(tmp_path, 3)
    out = tmp_path / "link.h5"
    beamio.convert([str(p) for p in paths], out, link=True)
    paths[2].rename(tmp_path / "elsewhere.edf")
    with (
        beamio.open(out) as f,
        pytest.raises(FormatError, match=re.escape(f"{paths[2]}, which it references")),
    ):
        f[0].frames[0]


def test_external_storage_not_written_by_beamio_is_checked_for_missing_files(tmp_path: Path) -> None:
    raw = tmp_path / "raw.bin"
    raw.write_bytes(np.arange(6, dtype="<i4").tobytes())
    with h5py.File(tmp_path / "other.h5", "w") as h5:
        h5.create_dataset("data", (2, 3), "<i4", external=[(str(raw), 0, 24)])
    with beamio.open(tmp_path / "other.h5") as f:
        np.testing.assert_array_equal(f["/data"][()], np.arange(6).reshape(2, 3))
    raw.unlink()
    with beamio.open(tmp_path / "other.h5") as f:
        assert [d.message for d in f.diagnostics] == [f"/data: {raw} is missing; reading it is an error"]
        with pytest.raises(FormatError, match=re.escape(f"{raw} is missing")):
            f["/data"][()]


# -- what cannot be referenced ----------------------------------------------------------------


def _with_compressed(tmp_path: Path) -> list[Path]:
    """Three files: plain, whole-file gzip, plain."""
    import gzip

    paths = _series(tmp_path, 3)
    packed = paths[1].with_name("frames_0001.edf.gz")
    packed.write_bytes(gzip.compress(paths[1].read_bytes()))
    paths[1].unlink()
    return [paths[0], packed, paths[2]]


def test_link_refuses_a_compressed_file_and_names_it(tmp_path: Path) -> None:
    paths = _with_compressed(tmp_path)
    with pytest.raises(UnsupportedOperation) as caught:
        beamio.convert([str(p) for p in paths], tmp_path / "out.h5", link=True)
    assert str(caught.value) == (
        f"{paths[1]}, frame 1: cannot be linked in place: the file is gzip-compressed as a whole."
        " link='auto' (--link=auto) copies such frames and links the rest"
    )
    assert not (tmp_path / "out.h5").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary left


def test_link_refuses_compressed_data_blocks(tmp_path: Path) -> None:
    packed = tmp_path / "packed.edf"
    beamio.write(beamio.Dataset("1.1", frames=beamio.FrameStack.from_array(np.ones((2, 3, 4)))), packed,
                 compression="gzip")  # fmt: skip
    with pytest.raises(
        UnsupportedOperation, match=r"packed.edf, frame 0: .*its data block is gzip-compressed"
    ):
        beamio.convert(packed, tmp_path / "out.h5", link=True)


def test_auto_copies_what_it_cannot_link_and_says_which(tmp_path: Path) -> None:
    paths = _with_compressed(tmp_path)
    out = tmp_path / "out.h5"
    with beamio.open([str(p) for p in paths]) as f:
        expected = np.asarray(f[0].frames)
    notes: list[str] = []
    beamio.convert([str(p) for p in paths], out, link="auto", notes=notes)
    assert notes == [
        "linked 2 frames in place from 2 files",
        "copied the frames of 1 file:",
        f"  {paths[1]}: the file is gzip-compressed as a whole",
    ]
    stack = _h5_stack(out)
    assert stack.is_virtual
    assert list(stack.parent["data_parts"]) == ["linked_0", "copied_1", "linked_2"]
    assert stack.parent["data_parts/copied_1"].external is None  # a copy
    np.testing.assert_array_equal(stack[()], expected)
    with beamio.open(out) as f:
        np.testing.assert_array_equal(np.asarray(f[0].frames), expected)


def test_a_file_of_the_other_byte_order_is_copied_in_auto(tmp_path: Path) -> None:
    little = _series(tmp_path / "a", 2)
    big = _series(tmp_path / "b", 1, order="HighByteFirst")
    paths = [*little, *big]
    with pytest.raises(
        UnsupportedOperation, match=r"uint16, big-endian, those of .* are uint16, little-endian"
    ):
        beamio.convert([str(p) for p in paths], tmp_path / "out.h5", link=True)
    beamio.convert([str(p) for p in paths], tmp_path / "out.h5", link="auto")
    stack = _h5_stack(tmp_path / "out.h5")
    assert stack.dtype == np.dtype("<u2")
    expected = np.concatenate([_edf_stack(little), _edf_stack(big)])
    np.testing.assert_array_equal(stack[()], expected)


def test_frames_from_memory_are_copied_in_auto_and_refused_by_link(tmp_path: Path) -> None:
    ds = beamio.Dataset("1.1", frames=beamio.FrameStack.from_array(np.arange(24).reshape(2, 3, 4)))
    with pytest.raises(UnsupportedOperation, match="its values are not stored in a file as they are"):
        beamio.write(ds, tmp_path / "a.h5", link=True)
    beamio.write(ds, tmp_path / "b.h5", link="auto")
    with h5py.File(tmp_path / "b.h5") as h5:
        data = h5["_1_1/instrument/image/data"]
        assert data.external is None and not data.is_virtual
        np.testing.assert_array_equal(data[()], np.arange(24).reshape(2, 3, 4))


def test_frames_whose_values_were_replaced_are_copied_not_linked(tmp_path: Path) -> None:
    paths = _series(tmp_path, 2)
    with beamio.open([str(p) for p in paths]) as f:
        frames = f[0].frames
        doubled = [attrs.evolve(frames.frame(i), array=frames.frame(i).data * 2) for i in range(len(frames))]
        ds = attrs.evolve(f[0], frames=beamio.FrameStack.from_frames(doubled))
        with pytest.raises(UnsupportedOperation, match="its values were replaced since they were read"):
            beamio.write(ds, tmp_path / "a.h5", link=True)
        beamio.write(ds, tmp_path / "b.h5", link="auto")
    stack = _h5_stack(tmp_path / "b.h5")
    assert stack.external is None  # the file's values are not these: copied
    np.testing.assert_array_equal(stack[()], _edf_stack(paths) * 2)


def test_a_spec_file_converts_as_ever_with_link(tmp_path: Path) -> None:
    sample = Path(__file__).resolve().parents[3] / "examples" / "data" / "sample.spec"
    beamio.convert(sample, tmp_path / "a.h5", link=True)
    with beamio.open(sample) as a, beamio.open(tmp_path / "a.h5") as b:
        assert_equal(a, b)


def test_link_takes_true_false_or_auto(tmp_path: Path) -> None:
    with pytest.raises(beamio.errors.OptionError, match=r"link='yes': expected one of False, True, 'auto'"):
        beamio.convert(_series(tmp_path, 1)[0], tmp_path / "out.h5", link="yes")


# -- the corpus -------------------------------------------------------------------------------

_PLAIN_EDF = [name for name in _files("edf") if name.endswith(".edf")]


@pytest.mark.parametrize("name", _PLAIN_EDF or ["(corpus absent)"])
def test_corpus_edf_links_to_its_own_values(name: str, tmp_path: Path) -> None:
    source = CORPUS / "edf" / name
    if not source.is_file():
        pytest.skip("the corpus is absent")
    out = tmp_path / "linked.h5"
    with beamio.open(source) as edf:
        if all(ds.frames is None for ds in edf.datasets):
            pytest.skip("a header without its image: no frame to link")
        compressed = any(ds.frames is not None and ds.frames.frame(0).extent is None for ds in edf.datasets)
        beamio.convert(source, out, link="auto")
        with beamio.open(out) as linked:
            assert_equal(edf, linked)
        with h5py.File(out) as h5:
            for ds, entry in zip(edf.datasets, h5.values(), strict=False):
                if ds.frames is None:
                    continue
                data = entry["instrument/image/data"]
                assert (data.external is None) == compressed
                np.testing.assert_array_equal(data[()], np.asarray(ds.frames))  # plain h5py


# -- the command ------------------------------------------------------------------------------


def test_convert_link_on_the_command_line_reports_what_it_linked_and_copied(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from beamio.cli import main

    paths = _with_compressed(tmp_path)
    pattern = str(tmp_path / "frames_*")
    assert main(["convert", pattern, str(tmp_path / "all.h5"), "--link"]) == 1
    assert "frames_0001.edf.gz, frame 1: cannot be linked in place" in capsys.readouterr().err
    assert main(["convert", pattern, str(tmp_path / "auto.h5"), "--link=auto", "--relative"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1:] == [
        "linked 2 frames in place from 2 files (names relative to the HDF5 file:"
        " read with HDF5_EXTFILE_PREFIX='${ORIGIN}')",
        "copied the frames of 1 file:",
        f"  {paths[1]}: the file is gzip-compressed as a whole",
    ]
    assert [
        name for name, _, _ in _h5_stack(tmp_path / "auto.h5").parent["data_parts/linked_0"].external
    ] == ["frames_0000.edf"]
    with pytest.raises(SystemExit) as exit_:
        main(["convert", pattern, str(tmp_path / "x.h5"), "--link=maybe"])
    assert exit_.value.code == 2
    assert "'maybe': expected --link, or --link=auto" in capsys.readouterr().err
    assert main(["convert", str(tmp_path / "frames_0000.edf"), str(tmp_path / "y.h5"), "--relative"]) != 0
    assert (
        "relative=True is for linked stacks: give link=True or link='auto' with it" in capsys.readouterr().err
    )
    assert not (tmp_path / "y.h5").exists() and sorted(p.name for p in tmp_path.glob("*.h5")) == ["auto.h5"]


def test_convert_link_through_the_progress_bar_still_links(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from beamio import cli

    paths = _series(tmp_path, 2)
    monkeypatch.setattr(cli.sys.stderr, "isatty", lambda: True)
    assert cli.main(["convert", str(paths[0]), str(paths[1]), str(tmp_path / "bar.h5"), "--link"]) == 0
    assert len(_h5_stack(tmp_path / "bar.h5").external) == 2


# -- fabio's raw formats ----------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["uint8", "uint16", "int32", "float32"])
def test_uncompressed_tiff_frames_link_where_fabio_reads_raw_values(tmp_path: Path, dtype: str) -> None:
    import fabio

    paths = [write_tif(tmp_path / f"t_{i:03d}.tif", frame_data(dtype, (40, 30), i), i) for i in range(3)]
    out = tmp_path / "tif.h5"
    beamio.convert([str(p) for p in paths], out, link=True)
    stack = _h5_stack(out)
    assert [name for name, _, _ in stack.external] == [str(p) for p in paths]
    expected = np.stack([fabio.open(str(p)).data for p in paths])
    assert_same(stack[()].astype(stack.dtype.newbyteorder("=")), expected)


def test_adsc_and_dtrek_frames_link_after_their_header_bytes(tmp_path: Path) -> None:
    import fabio
    from fabio.adscimage import AdscImage
    from fabio.dtrekimage import DtrekImage

    paths = []
    for i, kind in enumerate([AdscImage, DtrekImage]):
        path = tmp_path / f"d_{i}.img"
        kind(data=frame_data("uint16", (32, 48), i), header={}).write(str(path))
        paths.append(path)
    beamio.convert([str(p) for p in paths], tmp_path / "img.h5", link=True)
    stack = _h5_stack(tmp_path / "img.h5")
    header_bytes = [int(fabio.open(str(p)).header["HEADER_BYTES"]) for p in paths]
    assert [offset for _, offset, _ in stack.external] == header_bytes
    np.testing.assert_array_equal(stack[()], np.stack([fabio.open(str(p)).data for p in paths]))


def test_cbf_is_decoded_so_link_refuses_and_auto_copies(tmp_path: Path) -> None:
    paths = [write_cbf(tmp_path / f"c_{i}.cbf", frame_data("int32", (8, 6), i), i) for i in range(2)]
    with pytest.raises(UnsupportedOperation, match="fabio's cbf reader decodes its values"):
        beamio.convert([str(p) for p in paths], tmp_path / "a.h5", link=True)
    notes: list[str] = []
    beamio.convert([str(p) for p in paths], tmp_path / "b.h5", link="auto", notes=notes)
    assert notes[0] == "copied the frames of 2 files:"  # nothing could be linked: a copy, and why
    assert (
        notes[1]
        == f"  {paths[0]}: fabio's cbf reader decodes its values: they are not in the file as they are"
    )
    data = _h5_stack(tmp_path / "b.h5")
    assert data.external is None
    np.testing.assert_array_equal(data[()], _edf_stack(paths))  # what beamio reads through fabio


def test_a_series_of_edf_and_tiff_files_links_both(tmp_path: Path) -> None:
    edf = _series(tmp_path, 1, dtype="uint16", shape=(40, 30))[0]
    tif = write_tif(tmp_path / "frames_0001.tif", frame_data("uint16", (40, 30), 1), 1)
    beamio.convert([str(edf), str(tif)], tmp_path / "mixed.h5", link=True)
    stack = _h5_stack(tmp_path / "mixed.h5")
    assert [name for name, _, _ in stack.external] == [str(edf), str(tif)]
    np.testing.assert_array_equal(stack[()], [frame_data("uint16", (40, 30), i) for i in range(2)])


def test_a_tiff_whose_values_are_not_fabio_s_is_not_linked(tmp_path: Path) -> None:
    from beamio_edf._fabio_raw import raw_extent

    tif = write_tif(tmp_path / "t.tif", frame_data("uint16", (40, 30), 0))
    import fabio

    image = fabio.open(str(tif))
    assert raw_extent(str(tif), image.data, image.header) is not None
    assert raw_extent(str(tif), image.data + 1, image.header) is None  # values fabio would have decoded


# -- found in review --------------------------------------------------------------------------


def test_an_edf_rewritten_between_open_and_write_is_refused_not_linked_at_stale_offsets(
    tmp_path: Path,
) -> None:
    paths = _series(tmp_path, 3)
    with beamio.open([str(p) for p in paths]) as f:
        # The detector's software writes frame 1 again, with a longer header: its data moved.
        paths[1].write_bytes(edf_frame(frame_data("uint16", (6, 5), 99), [("comment", "x" * 600)], 1))
        with pytest.raises(FormatError) as caught:
            beamio.write(f, tmp_path / "out.h5", link=True)
    assert str(caught.value).startswith(f"{paths[1]}: it changed since it was opened (it was ")
    assert "its frames would be linked at offsets that no longer hold them" in str(caught.value)
    assert not (tmp_path / "out.h5").exists()


def test_a_big_endian_frame_whose_samples_read_alike_both_ways_links_in_its_own_order(tmp_path: Path) -> None:
    import fabio
    from fabio.adscimage import AdscImage

    data = (np.arange(256 * 256, dtype=np.uint16) % 1000 + 1).reshape(256, 256)
    flat = data.reshape(-1)
    middle = (flat.size - 2048) // 2
    flat[:2048] = flat[-2048:] = flat[middle : middle + 2048] = 0  # shadowed rows, a beam stop
    path = tmp_path / "a.img"
    AdscImage(data=data, header={"BYTE_ORDER": "big_endian"}).write(str(path))
    assert np.array_equal(fabio.open(str(path)).data, data)
    beamio.convert(str(path), tmp_path / "l.h5", link=True)
    stack = _h5_stack(tmp_path / "l.h5")
    assert stack.dtype == np.dtype(">u2")
    np.testing.assert_array_equal(stack[0], data)


def test_relative_names_through_a_symbolic_link_resolve(tmp_path: Path) -> None:
    paths = _series(tmp_path / "data" / "edf", 2)
    (tmp_path / "real" / "deep" / "nx").mkdir(parents=True)
    (tmp_path / "data" / "nx").symlink_to(tmp_path / "real" / "deep" / "nx")
    out = tmp_path / "data" / "nx" / "out.h5"
    beamio.convert([str(p) for p in paths], out, link=True, relative=True)
    with beamio.open(out) as f:
        np.testing.assert_array_equal(np.asarray(f[0].frames), _edf_stack(paths))
        assert list(f.diagnostics) == []


def test_a_relatively_linked_file_compressed_as_a_whole_reads_in_beamio(tmp_path: Path) -> None:
    import gzip

    paths = _series(tmp_path / "edf", 2)
    out = tmp_path / "nx" / "out.h5"
    out.parent.mkdir()
    beamio.convert([str(p) for p in paths], out, link=True, relative=True)
    packed = out.with_name("out.h5.gz")
    packed.write_bytes(gzip.compress(out.read_bytes()))
    with beamio.open(packed) as f:
        np.testing.assert_array_equal(np.asarray(f[0].frames), _edf_stack(paths))


def test_the_report_names_the_files_of_a_stack_copied_whole(tmp_path: Path) -> None:
    import gzip

    packed = _series(tmp_path / "a", 1, shape=(4, 4))[0]
    gz = packed.with_name("frames_0000.edf.gz")
    gz.write_bytes(gzip.compress(packed.read_bytes()))
    packed.unlink()
    plain = _series(tmp_path / "b", 1)[0]
    notes: list[str] = []
    with beamio.open(gz) as a, beamio.open(plain) as b:  # two stacks: one copied whole, one linked
        two = beamio.File("two", [a[0], attrs.evolve(b[0], key="2.1")])
        beamio.write(two, tmp_path / "out.h5", link="auto", notes=notes)
    assert notes == [
        "linked 1 frame in place from 1 file",
        "copied the frames of 1 file:",
        f"  {gz}: the file is gzip-compressed as a whole",
    ]


def test_external_storage_named_longer_than_h5py_tells_is_not_called_missing(tmp_path: Path) -> None:
    folder = tmp_path / ("d" * 200) / ("e" * 100)
    folder.mkdir(parents=True)
    raw = folder / "raw.bin"
    raw.write_bytes(np.arange(6, dtype="<i4").tobytes())
    with h5py.File(tmp_path / "x.h5", "w") as h5:
        h5.create_dataset("data", (6,), "<i4", external=[(str(raw), 0, 24)])
    with beamio.open(tmp_path / "x.h5") as f:
        assert list(f.diagnostics) == []
        np.testing.assert_array_equal(f["/data"][()], np.arange(6))


def test_link_before_the_files_on_the_command_line(tmp_path: Path) -> None:
    from beamio.cli import main

    paths = _series(tmp_path, 2)
    assert main(["convert", "--link", str(paths[0]), str(paths[1]), str(tmp_path / "out.h5")]) == 0
    assert len(_h5_stack(tmp_path / "out.h5").external) == 2


def test_a_damaged_record_of_the_linked_files_is_said_and_not_read(tmp_path: Path) -> None:
    from .test_hostile import _LIES, _lying

    paths = _series(tmp_path, 1)
    beamio.convert([str(p) for p in paths], tmp_path / "link.h5", link=True)
    content = (tmp_path / "link.h5").read_bytes()  # the name is in per-frame headers too: all lie
    out = _lying(tmp_path / "damaged.h5", content, content.index(b"GCOL"), str(paths[0]), every=True)
    with beamio.open(out) as f:
        frames = f[0].frames
        said = [d.message for d in f.diagnostics]
        assert said[0] == (
            "/_1_1/measurement/image: its record /_1_1/instrument/image/linked_files/name"
            f" is damaged: it says it holds {_LIES} bytes, more than the file's {len(content)}: HDF5 would"
            " allocate that much before finding it damaged; reading it is an error"
        )
        with pytest.raises(FormatError, match="linked_files/name is damaged"):
            frames[0]
