"""Series of fabio's images (CBF, TIFF, …) by glob, %-pattern or list: one stack, files opened as read.

Files are written by fabio with detector-like data (Poisson counts, Bragg spots,
gaps, a hot pixel) and compared with fabio's reading of each file, data and header;
converted, the series is one NeXus stack with every frame's header.
"""

from __future__ import annotations

import gzip
import os
import re
import tracemalloc
from pathlib import Path

import fabio
import h5py
import numpy as np
import pytest
from fabio.TiffIO import TiffIO

import beamio
from beamio.cli import main
from beamio.errors import FormatError

from .samples import PILATUS, detector_frame, write_cbf, write_edf, write_tif


def fabio_entries(image: fabio.fabioimage.FabioImage) -> list[tuple[str, str]]:
    """fabio's header as the bridge gives it: text keys and values."""
    return [(str(k), v.decode() if isinstance(v, bytes) else str(v)) for k, v in image.header.items()]


def cbf_series(folder: Path, count: int, shape: tuple[int, int] = PILATUS) -> list[Path]:
    return [write_cbf(folder / f"img_{i:05d}.cbf", detector_frame(shape, i), i) for i in range(count)]


def open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.parametrize("spelling", ["glob", "pattern", "list"])
def test_a_cbf_series_is_one_stack_equal_to_fabios_reading(tmp_path: Path, spelling: str) -> None:
    paths = cbf_series(tmp_path, 5)
    given = {
        "glob": tmp_path / "img_*.cbf",
        "pattern": tmp_path / "img_%05d.cbf",
        "list": paths[::-1],  # the order given
    }[spelling]
    order = paths[::-1] if spelling == "list" else paths
    with beamio.open(given) as file:
        assert file.format == "fabio" and file.paths == tuple(map(str, order))
        assert list(file) == ["1.1"]
        stack = file["1.1"].frames
        assert (stack.shape, stack.dtype, stack.reads) == ((5, *PILATUS), np.int32, 0)
        for i, (frame, path) in enumerate(zip(stack, order, strict=True)):
            reference = fabio.open(str(path))
            assert (frame.index, frame.source) == (i, str(path))
            np.testing.assert_array_equal(frame.data, reference.data)
            assert [(e.key, e.value) for e in frame.header.entries] == fabio_entries(reference)
        np.testing.assert_array_equal(stack[1:4, 97, :], [fabio.open(str(p)).data[97] for p in order[1:4]])
        assert file["1.1"].header == stack.frame(0).header
        assert not file.diagnostics


def test_a_tiff_series_by_pattern_keeps_each_files_description(tmp_path: Path) -> None:
    for i in range(4):
        write_tif(tmp_path / f"tomo_{i:04d}.tif", detector_frame((256, 300), i, "uint16"), i)
    with beamio.open(tmp_path / "tomo_%04d.tif") as file:
        stack = file["1.1"].frames
        assert (stack.shape, stack.dtype) == ((4, 256, 300), np.uint16)
        for i in range(4):
            reference = fabio.open(str(tmp_path / f"tomo_{i:04d}.tif"))
            np.testing.assert_array_equal(stack[i], reference.data)
            assert stack.frame(i).header["imageDescription"] == f"frame={i}\nexposure=0.5\n"


def test_thousands_of_files_are_opened_as_their_frames_are_read(tmp_path: Path) -> None:
    if not os.path.isdir("/proc/self/fd"):
        pytest.skip("counting open files needs /proc")
    shape = (64, 80)
    for i in range(1000):
        write_cbf(tmp_path / f"p_{i:05d}.cbf", detector_frame(shape, i), i)
    before = open_descriptors()
    with beamio.open(tmp_path / "p_*.cbf") as file:
        assert open_descriptors() == before, "opening left files open"
        stack = file["1.1"].frames
        np.testing.assert_array_equal(stack[500], fabio.open(str(tmp_path / "p_00500.cbf")).data)
        assert open_descriptors() == before
        tracemalloc.start()
        try:
            for i in range(len(stack)):
                stack[i]
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert peak < 2e6, f"reading 1000 frames one by one held {peak / 1e6:.1f} MB"  # the lot: 20 MB
        assert open_descriptors() == before


def test_a_series_converts_to_one_nexus_stack_with_each_frames_header(tmp_path: Path) -> None:
    paths = cbf_series(tmp_path, 6)
    target = tmp_path / "stack.h5"
    tracemalloc.start()
    try:
        beamio.convert(tmp_path / "img_*.cbf", target)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 3 * 195 * 487 * 4 + 2e6  # a frame or two at a time, never the stack
    with h5py.File(target) as h5:
        data = h5["/_1_1/instrument/image/data"]
        assert (data.shape, data.dtype, data.attrs["interpretation"]) == ((6, *PILATUS), np.int32, "image")
        assert (data.chunks, data.compression) == ((1, *PILATUS), None)
        np.testing.assert_array_equal(data[...], [fabio.open(str(p)).data for p in paths])
        assert h5["/_1_1/measurement/image"].shape == data.shape
    with beamio.open(target) as back:
        headers = back["1.1"].frames.headers
        assert [[(e.key, e.value) for e in h.entries] for h in headers] == [
            fabio_entries(fabio.open(str(p))) for p in paths
        ]


def test_the_command_line_converts_a_series_with_compression_and_chunks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = cbf_series(tmp_path, 5)
    expected = np.stack([fabio.open(str(p)).data for p in paths])
    for flags, chunks, compression in [
        (["--compression", "gzip", "--chunks", "image"], (1, *PILATUS), "gzip"),
        (["--chunks", "2x64x128"], (2, 64, 128), None),
        (["--chunks", "spectrum"], (5, 128, 128), None),
        (["--chunks", "balanced", "--compression", "gzip"], (4, 128, 64), "gzip"),
    ]:
        target = tmp_path / "stack.h5"
        assert main(["convert", str(tmp_path / "img_%05d.cbf"), str(target), "--overwrite", *flags]) == 0
        report = capsys.readouterr().out
        assert report.startswith(f"wrote {target}: 1 dataset, 5 frames, 1.9 MB of arrays from ")
        assert f"from {tmp_path / 'img_%05d.cbf'} (fabio) in " in report
        with h5py.File(target) as h5:
            data = h5["/_1_1/instrument/image/data"]
            assert (data.chunks, data.compression) == (chunks, compression)
            np.testing.assert_array_equal(data[...], expected)


def test_cbf_and_tiff_files_of_one_shape_and_dtype_are_one_stack(tmp_path: Path) -> None:
    frames = [detector_frame((120, 100), i) for i in range(3)]
    files = [
        write_cbf(tmp_path / "a.cbf", frames[0]),
        write_tif(tmp_path / "b.tif", frames[1]),
        write_cbf(tmp_path / "c.cbf.gz", frames[2]),
    ]
    files[2].write_bytes(gzip.compress(files[2].read_bytes()))
    with beamio.open(files) as file:
        assert file.format == "fabio" and list(file) == ["1.1"]
        np.testing.assert_array_equal(np.asarray(file["1.1"].frames), frames)
        assert file["1.1"].frames.frame(1).header["imageDescription"] == "frame=0\nexposure=0.5\n"


def test_multi_page_files_in_a_series_give_all_their_pages(tmp_path: Path) -> None:
    pages = tmp_path / "a_1.tif"
    for i in range(3):
        tiff = TiffIO(str(pages), "wb+" if i == 0 else "rb+")
        tiff.writeImage(detector_frame((40, 50), i, "uint16"), info={"page": str(i)}, software="t", date="d")
        tiff.close()
    write_tif(tmp_path / "a_2.tif", detector_frame((40, 50), 3, "uint16"), 3)
    with beamio.open(tmp_path / "a_*.tif") as file:
        stack = file["1.1"].frames
        assert stack.shape == (4, 40, 50)
        for i in (3, 0, 2, 1):  # back and forth between the files
            np.testing.assert_array_equal(stack[i], detector_frame((40, 50), i, "uint16"))
        assert [frame.source for frame in stack] == [str(pages)] * 3 + [str(tmp_path / "a_2.tif")]
        assert [h["imageDescription"] for h in stack.headers[:3]] == [f"page={i}\n" for i in range(3)]


def test_a_file_of_another_shape_or_dtype_is_named_when_the_series_converts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cbf_series(tmp_path, 4)
    odd = write_cbf(tmp_path / "img_00002.cbf", detector_frame((195, 400), 2))
    with beamio.open(tmp_path / "img_*.cbf") as file:
        assert list(file) == ["1.1", "2.1", "3.1"]
        assert [file[k].frames.shape[0] for k in file] == [2, 1, 1]
        assert file["2.1"].frames.frame(0).index == 2
    message = (
        f"{odd}: its frames are (195, 400) int32, those of the files before it (195, 487) int32:"
        " a series converts to one stack of one shape and dtype"
    )
    with pytest.raises(FormatError, match=f"^{re.escape(message)}$"):
        beamio.convert(tmp_path / "img_*.cbf", tmp_path / "stack.h5")
    assert main(["convert", str(tmp_path / "img_*.cbf"), str(tmp_path / "stack.h5")]) == 1
    assert capsys.readouterr().err == f"beamio: {message}\n"
    write_cbf(odd, detector_frame(PILATUS, 2))
    other = write_tif(tmp_path / "img_00004.tif", detector_frame(PILATUS, 4, "uint16"))
    message = (
        f"{other}: its frames are (195, 487) uint16, those of the files before it (195, 487) int32:"
        " a series converts to one stack of one shape and dtype"
    )
    with pytest.raises(FormatError, match=f"^{re.escape(message)}$"):
        beamio.convert(tmp_path / "img_*", tmp_path / "stack.h5")
    assert not (tmp_path / "stack.h5").exists()


def test_a_file_fabio_does_not_read_is_named(tmp_path: Path) -> None:
    first = write_cbf(tmp_path / "a.cbf", detector_frame((30, 40), 0))
    edf = write_edf(tmp_path / "b.edf", detector_frame((30, 40), 1))
    with pytest.raises(FormatError) as caught:
        beamio.open([first, edf], "fabio")
    assert str(caught.value) == (
        f"{edf}: an EDF '{{ Key = value ; }}' header: a edf file, read by that format, never by fabio,"
        " though fabio reads the files before it (without format='fabio', each file of a series is"
        " detected on its own)"
    )


def test_what_fabio_says_of_a_later_file_names_it(tmp_path: Path) -> None:
    paths = cbf_series(tmp_path, 3, (20, 30))
    text = paths[1].read_bytes()
    start = text.index(b"Content-MD5: ") + len(b"Content-MD5: ")
    paths[1].write_bytes(text[:start] + b"A" * 24 + text[start + 24 :])
    with beamio.open(tmp_path / "img_*.cbf") as file:
        np.testing.assert_array_equal(file["1.1"].frames[1], detector_frame((20, 30), 1))
        (diagnostic,) = [d for d in file["1.1"].diagnostics if "Checksum" in d.message]
        assert (diagnostic.file, diagnostic.scan, diagnostic.frame) == (str(paths[1]), "1.1", 0)
        assert diagnostic in list(file.diagnostics)
