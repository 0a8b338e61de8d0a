"""Series of EDF and fabio's images together (.edf, .cbf, .tif): one stack when shape and dtype agree.

Each file is detected on its own; the values equal fabio's reading of each file, the
headers each file's own, and the NeXus output keeps every frame's header.
"""

from __future__ import annotations

import re
from pathlib import Path

import fabio
import h5py
import numpy as np
import pytest

import beamio
from beamio.cli import main
from beamio.errors import FormatError

from .samples import detector_frame, write_cbf, write_edf, write_tif

SHAPE = (150, 180)


def own_headers(paths: list[Path]) -> list[list[tuple[str, str]]]:
    """Each file's frame headers as beamio reads the file alone."""
    out = []
    for path in paths:
        with beamio.open(path) as alone:
            out.extend([(e.key, e.value) for e in h.entries] for h in alone[0].frames.headers)
    return out


def mixed_files(folder: Path) -> list[Path]:
    return [
        write_edf(folder / "scan_0001.edf", detector_frame(SHAPE, 0), 0),
        write_cbf(folder / "scan_0002.cbf", detector_frame(SHAPE, 1), 1),
        write_tif(folder / "scan_0003.tif", detector_frame(SHAPE, 2), 2),
        write_edf(folder / "scan_0004.edf", detector_frame(SHAPE, 3), 3),
        write_cbf(folder / "scan_0005.cbf", detector_frame(SHAPE, 4), 4),
    ]


@pytest.mark.parametrize("spelling", ["glob", "list"])
def test_edf_cbf_and_tiff_files_of_one_shape_are_one_stack(tmp_path: Path, spelling: str) -> None:
    paths = mixed_files(tmp_path)
    given = tmp_path / "scan_*" if spelling == "glob" else paths
    with beamio.open(given) as file:
        assert file.format == "edf+fabio" and file.paths == tuple(map(str, paths))
        assert list(file) == ["1.1"]
        stack = file["1.1"].frames
        assert (stack.shape, stack.dtype, stack.reads) == ((5, *SHAPE), np.int32, 0)
        for i, path in enumerate(paths):
            np.testing.assert_array_equal(stack[i], fabio.open(str(path)).data)
        np.testing.assert_array_equal(stack[:, 10, 20], [fabio.open(str(p)).data[10, 20] for p in paths])
        assert [frame.source for frame in stack] == list(map(str, paths))
        assert [[(e.key, e.value) for e in h.entries] for h in stack.headers] == own_headers(paths)
        assert file["1.1"].title == "frame 0"


def test_a_mixed_series_converts_with_every_frames_header(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = mixed_files(tmp_path)
    target = tmp_path / "stack.h5"
    args = ["convert", *map(str, paths), str(target), "--compression", "gzip", "--chunks", "image"]
    assert main(args) == 0
    report = capsys.readouterr().out
    assert re.fullmatch(
        rf"wrote {re.escape(str(target))}: 1 dataset, 5 frames, 0\.5 MB of arrays from 5 files"
        rf" \({re.escape(str(paths[0]))} … {re.escape(str(paths[-1]))}\) \(edf\+fabio\) in \d+\.\d s\n",
        report,
    ), report
    with h5py.File(target) as h5:
        data = h5["/_1_1/instrument/image/data"]
        assert (data.shape, data.dtype, data.attrs["interpretation"]) == ((5, *SHAPE), np.int32, "image")
        assert (data.chunks, data.compression) == ((1, *SHAPE), "gzip")
        np.testing.assert_array_equal(data[...], [fabio.open(str(p)).data for p in paths])
    with beamio.open(target) as back:
        headers = back["1.1"].frames.headers
        assert [[(e.key, e.value) for e in h.entries] for h in headers] == own_headers(paths)


def test_frames_of_another_dtype_name_the_first_file_that_differs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edf = write_edf(tmp_path / "a_1.edf", detector_frame(SHAPE, 0, "float32"))
    cbf = write_cbf(tmp_path / "a_2.cbf", detector_frame(SHAPE, 1))
    write_edf(tmp_path / "a_3.edf", detector_frame(SHAPE, 2, "float32"))
    with beamio.open(tmp_path / "a_*") as file:
        assert list(file) == ["1.1", "2.1", "3.1"]
    message = (
        f"{cbf}: its frames are (150, 180) int32, those of the files before it (150, 180) float32:"
        " a series converts to one stack of one shape and dtype"
    )
    with pytest.raises(FormatError, match=f"^{re.escape(message)}$"):
        beamio.convert([edf, cbf], tmp_path / "stack.h5")
    assert main(["convert", str(tmp_path / "a_*"), str(tmp_path / "stack.h5")]) == 1
    assert capsys.readouterr().err == f"beamio: {message}\n"
    assert not (tmp_path / "stack.h5").exists()


# -- the corpus ------------------------------------------------------------------------------


def test_corpus_edf_files_listed_open_in_the_order_given(corpus: Path, tmp_path: Path) -> None:
    hi, lo = corpus / "edf" / "xicam_AgB_10s_hi_1m.edf", corpus / "edf" / "xicam_AgB_10s_lo_1m.edf"
    with beamio.open([lo, hi]) as file:
        assert file.format == "edf"
        stack = file["1.1"].frames
        assert (stack.shape, stack.dtype) == ((2, 1043, 981), np.int32)
        np.testing.assert_array_equal(stack[0], fabio.open(str(lo)).data)
        np.testing.assert_array_equal(stack[1], fabio.open(str(hi)).data)
        assert [f.source for f in stack] == [str(lo), str(hi)]
    face = corpus / "edf" / "fabio_face.edf"
    with beamio.open([face, corpus / "edf" / "fabio_face.edf.gz"]) as file:
        both = np.asarray(file["1.1"].frames)
        np.testing.assert_array_equal(both[0], both[1])
        np.testing.assert_array_equal(both[0], fabio.open(str(face)).data)


def test_a_corpus_edf_and_a_cbf_fabio_wrote_convert_as_one_stack(corpus: Path, tmp_path: Path) -> None:
    hi, lo = corpus / "edf" / "xicam_AgB_10s_hi_1m.edf", corpus / "edf" / "xicam_AgB_10s_lo_1m.edf"
    cbf = tmp_path / "lo.cbf"
    fabio.cbfimage.CbfImage(data=fabio.open(str(lo)).data, header={}).write(str(cbf))
    target = tmp_path / "agb.h5"
    beamio.convert([hi, cbf], target)
    with h5py.File(target) as h5:
        data = h5["/_1_1/instrument/image/data"]
        assert (data.shape, data.dtype) == ((2, 1043, 981), np.int32)
        np.testing.assert_array_equal(data[0], fabio.open(str(hi)).data)
        np.testing.assert_array_equal(data[1], fabio.open(str(cbf)).data)
    with beamio.open(target) as back:
        assert [[(e.key, e.value) for e in h.entries] for h in back["1.1"].frames.headers] == own_headers(
            [hi, cbf]
        )


def test_corpus_files_of_other_shapes_name_the_first_that_differs(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    charts = [corpus / "edf" / f"bliss_chart_{i}.edf" for i in (1, 2, 3)]
    message = (
        f"{charts[1]}: its frames are (600, 600) uint32, those of the files before it (150, 200) uint32:"
        " a series converts to one stack of one shape and dtype"
    )
    with pytest.raises(FormatError, match=f"^{re.escape(message)}$"):
        beamio.convert(charts, tmp_path / "charts.h5")
    assert main(["convert", *map(str, charts), str(tmp_path / "charts.h5")]) == 1
    assert capsys.readouterr().err == f"beamio: {message}\n"
    assert not (tmp_path / "charts.h5").exists()
