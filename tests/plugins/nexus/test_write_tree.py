"""Groups, datasets and attributes made by HDF5's own calls read as h5py's high-level layer writes them."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest

import beamio
from beamio import Calibration, Dataset, File, FrameStack, Header, HeaderEntry, Plot, Spectrum
from beamio._spectrum import Roi
from beamio_nexus._write_tree import COMPACT_BYTES, Group, set_attr

from .describe import describe

HERE = Path(__file__).resolve().parent
#: What the writer wrote for :func:`layout_sample` before its small objects went through HDF5's
#: own calls (made with h5py's ``create_dataset`` and ``attrs``). Rewrite it, after checking the
#: difference is meant, with BEAMIO_REWRITE_LAYOUT=1.
LAYOUT = HERE / "layout_sample.json"

VALUES: dict[str, Any] = {
    "text": "NXentry",
    "unicode": "2θ — ü",
    "empty text": "",
    "float": 8.04,
    "int": 7,
    "int32": np.int32(7),
    "int16": np.int16(-3),
    "uint8": np.uint8(3),
    "float32": np.float32(1.5),
    "big-endian": np.array([1.0, 2.0], ">f8"),
    "bool": True,
    "bools": np.array([True, False]),
    "complex": 1 + 2j,
    "column": np.arange(100.0),
    "long column": np.arange(5000.0),
    "empty": np.array([], float),
    "matrix": np.arange(9.0).reshape(3, 3),
    "not C-ordered": np.arange(12).reshape(3, 4).T,
    "texts": np.array(["a", "bb", "ü"], dtype=object),
    "unicode array": np.array(["a", "bb"]),
    "bytes": np.array([b"ab", b"c"]),
}


def _as_h5py_takes(value: Any) -> tuple[Any, Any]:
    """The value and dtype to give h5py: arrays of text as objects of its UTF-8 string type."""
    if isinstance(value, np.ndarray) and value.dtype.kind in "OU":
        return value.astype(object), h5py.string_dtype()
    return value, None


def _equal_objects(ours: Any, theirs: Any) -> None:
    """Same HDF5 type (class, size, string set and padding), shape and value."""
    assert ours.get_type() == theirs.get_type()  # H5Tequal
    assert ours.shape == theirs.shape
    np.testing.assert_array_equal(_read(ours), _read(theirs))


def _read(obj: Any) -> Any:
    if isinstance(obj, h5py.h5a.AttrID):
        data = np.empty(obj.shape, obj.dtype)
        if data.size:
            obj.read(data)
        return data
    return h5py.Dataset(obj)[()]


@pytest.mark.parametrize("kind", list(VALUES))
def test_a_dataset_is_what_create_dataset_writes(tmp_path: Path, kind: str) -> None:
    value = VALUES[kind]
    with h5py.File(tmp_path / "t.h5", "w", track_order=True) as h5:
        data, dtype = _as_h5py_takes(value)
        theirs = h5.create_dataset("theirs", data=data, dtype=dtype)
        Group.of(h5).dataset("ours", value)
        _equal_objects(h5["ours"].id, theirs.id)
        layout = h5["ours"].id.get_create_plist().get_layout()
        small = 0 < h5["ours"].id.get_storage_size() <= COMPACT_BYTES or 0 < theirs.nbytes <= COMPACT_BYTES
        assert layout == (h5py.h5d.COMPACT if small and kind != "bytes" else h5py.h5d.CONTIGUOUS)


@pytest.mark.parametrize("kind", list(VALUES))
def test_an_attribute_is_what_attrs_writes(tmp_path: Path, kind: str) -> None:
    value = VALUES[kind]
    with h5py.File(tmp_path / "t.h5", "w") as h5:
        data, dtype = _as_h5py_takes(value)
        h5.attrs.create("theirs", data, dtype=dtype)
        set_attr(h5.id, "ours", value)
        _equal_objects(h5py.h5a.open(h5.id, b"ours"), h5py.h5a.open(h5.id, b"theirs"))


def test_text_hdf5_strings_cannot_hold_is_json_and_said_so(tmp_path: Path) -> None:
    with h5py.File(tmp_path / "t.h5", "w") as h5:
        root = Group.of(h5)
        root.dataset("scalar", "a\x00b", original="n\x00")
        root.dataset("array", np.array([["a", "b\x00c"], ["\x00d", "c"]]))  # numpy ends text at a last NUL
        root.texts("mixed", ["a", 5, None, [1, "\x00"], b"bytes"])
        root.dataset("plain", np.array(["a", "b"]))
        set_attr(h5.id, "note", "x\x00")
        assert (h5["scalar"][()], h5["scalar"].attrs["json"].tolist()) == (b'"a\\u0000b"', [0])
        assert dict(h5["scalar"].attrs)["original_name_json"] == '"n\\u0000"'
        assert h5["array"][()].tolist() == [[b"a", b'"b\\u0000c"'], [b'"\\u0000d"', b"c"]]
        assert h5["array"].attrs["json"].tolist() == [1, 2]
        assert h5["mixed"][()].tolist() == [b"a", b"5", b"null", b'[1, "\\u0000"]', b"bytes"]
        assert h5["mixed"].attrs["json"].tolist() == [1, 2, 3]
        assert "json" not in h5["plain"].attrs
        assert dict(h5.attrs) == {"note_json": '"x\\u0000"'}


def test_a_group_keeps_the_order_of_its_members_and_their_names(tmp_path: Path) -> None:
    with h5py.File(tmp_path / "t.h5", "w", track_order=True) as h5:
        root = Group.of(h5)
        group = root.group("entry", "NXentry", original="1.1")
        for name in ("z", "a", "m"):
            group.dataset(group.valid_name(name), 1.0)
        group.link(group.valid_name("a"), "/entry/z")
        assert group.names == {"z", "a", "m", "a_2"} and group.path_of("m") == "/entry/m"
        theirs = h5.create_group("theirs", track_order=True)
        entry = h5["entry"]
        assert list(entry) == ["z", "a", "m", "a_2"]
        assert dict(entry.attrs) == {"NX_class": "NXentry", "original_name": "1.1"}
        ours, made = entry.id.get_create_plist(), theirs.id.get_create_plist()
        assert ours.get_link_creation_order() == made.get_link_creation_order()
        assert ours.get_attr_creation_order() == made.get_attr_creation_order()
        assert h5.get("entry/a_2", getlink=True).path == "/entry/z"


# -- the whole layout, object by object -------------------------------------------------------------
def layout_sample() -> File:
    """Datasets that exercise every part of the layout: names, types, frames' headers, spectra, plots."""
    headers = [
        Header([("HeaderID", f"EH:{i}"), ("motor_pos", f"{i} 1"), ("dup", "a"), ("dup", "b"), ("n", 3.5)])
        for i in range(2)
    ]
    headers.append(Header([("motor_pos", "2 1"), ("extra", "only here"), ("HeaderID", "EH:2"), ("é", "ü")]))
    spectrum = Spectrum(
        np.array([[0, 5, 40, 12, 3, 0]] * 2, dtype=np.int64),
        calibration=Calibration(0.1, 0.02, 1e-5),
        live_time=np.array([9.5, 9.6]),
        real_time=10.0,
        preset_time=np.float32(10.0),
        start_time="2024-01-01T00:00:00",
        rois=(Roi("Cu Ka", 1, 3), Roi("Cu_Ka", 2, 4)),
    )
    scan = Dataset(
        "1.1",
        "ascan ü 0 1",
        Header(
            [
                HeaderEntry("S", "1  ascan ü 0 1", "#S 1  ascan ü 0 1"),
                HeaderEntry("C", "a comment between rows", "#C a comment between rows", 2),
                ("G1", "5.43 5.43 5.43 90 90 90 1.157 1.157 1.157 90 90 90"),
                ("G3", "1 0 0 0 1 0 0 0 1.5"),
                ("X", {"a": [1, 2]}),
                ("Y", np.int64(3)),
            ],
            origin="demo.spec, scan 1.1",
        ),
        columns={
            "2-theta": np.arange(3.0),
            "det/mon": np.arange(3, dtype=np.int32),
            "text": np.array(["a", "bb", "ccc"]),
            "_2_theta": np.arange(3.0),
        },
        positioners={
            "count": np.int32(7),
            "gain": np.int16(-3),
            "energy": 8.04,
            "arr": np.arange(4.0),
            "é": 1.0,
            "1x": 2,
            "b": True,
            "s": "text",
            "c": 1 + 2j,
            "e": np.array([], float),
        },
        spectra={
            "mca 0": spectrum,
            "mca_0": Spectrum(
                np.array([1, 2, 3], np.uint32),
                channels=np.array([5, 6, 7]),
                header=Header([("CALIB", "0 1 0")]),
            ),
        },
        instrument={"mono": {"energy": 8.0, "name": "Si111", "sub": {"x": [1, 2, 3]}}, "bad name": "v"},
        sample={"name": "Si", "temperature": 300.0},
        start_time="2024-01-01T00:00:00",
        end_time="2024-01-01T01:00:00",
    )
    frames = FrameStack.from_array(np.arange(36, dtype=np.uint16).reshape(3, 3, 4), headers, name="pil atus")
    return File(
        "<memory>",
        [
            scan,
            Dataset("2.1", "frames", frames=frames, positioners={"th": np.arange(3.0)}),
            Dataset(
                "3",
                "a plot of its own",
                columns={"a": np.arange(3.0), "b": np.arange(3.0) ** 2},
                plot=Plot("/3/measurement/b", ("/3/measurement/a",), title="t"),
            ),
            Dataset("4", "spectra as frames", frames=FrameStack.from_array(np.arange(24.0).reshape(6, 4))),
            Dataset("mca", spectra={"m": Spectrum(np.arange(6))}),
            Dataset("empty"),
        ],
        header=Header([HeaderEntry("F", "demo.spec", "#F demo.spec"), ("E", "1700000000")]),
    )


def test_the_layout_is_what_h5py_wrote_object_by_object(tmp_path: Path) -> None:
    path = beamio.write(layout_sample(), tmp_path / "layout.h5")
    described = describe(path)
    if os.environ.get("BEAMIO_REWRITE_LAYOUT"):
        lines = ",\n".join(json.dumps(line, ensure_ascii=False) for line in described)
        LAYOUT.write_text(f"[\n{lines}\n]\n", encoding="utf-8")  # an object a line: diffs read well
    expected = json.loads(LAYOUT.read_text(encoding="utf-8"))
    assert [line["path"] for line in described] == [line["path"] for line in expected]
    for ours, before in zip(described, expected, strict=True):
        assert ours == before
