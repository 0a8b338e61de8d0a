"""Hostile HDF5 input (issue 8): a file reads whole or is refused with a FormatError, in bounded time.

Three kinds of hostility: NeXus structure that lies (attributes of any type and value
where NX_class, default, signal, axes and beamio's stored headers are expected; links
to nowhere), bytes damaged after the fact (truncation, flipped bytes), and the damage
that makes libhdf5 itself hang or allocate, which beamio keeps from it (SWMR retries,
global heaps parsed forever, a variable-length string that says it is longer than the file).
"""

from __future__ import annotations

import bz2
import contextlib
import json
import re
import struct
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import beamio
from beamio.errors import FormatError, NotThisFormat
from beamio.testing import allocating_at_most, read_everything
from beamio_nexus._read_open import HEAP_CHECK_LIMIT, check_global_heaps

HOSTILE = settings(
    max_examples=100, deadline=5000, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _reads_or_refuses(path: Path) -> None:
    """Open ``path`` as NeXus and read everything, the tree too; a FormatError is the only refusal."""
    try:
        with beamio.open(path, format="nexus") as f:
            read_everything(f)
            _walk(f.tree, 0)
            for ds in f.datasets:
                ds.plot  # noqa: B018 - the default plot is found
                dict(ds.sample)
    except FormatError:
        pass


def _walk(node: Any, depth: int) -> None:
    if depth > 6 or not hasattr(node, "keys") or hasattr(node, "dtype"):
        if hasattr(node, "dtype") and int(np.prod(node.shape, dtype=np.int64)) < 1 << 16:
            np.asarray(node[...])
        return
    dict(node.attrs)
    for name in list(node.keys())[:32]:
        _walk(node[name], depth + 1)


# -- NeXus structure that lies ------------------------------------------------------------------
_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
_scalars = (
    _text
    | st.sampled_from(['"a\\u0000b"', "[0]", '"', "null"])  # JSON, as beamio writes what HDF5 cannot hold
    | st.binary(max_size=12)
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.booleans()
)
_arrays = st.one_of(
    hnp.arrays(
        st.sampled_from(["i1", "u2", "i8", "f4", "f8", "bool"]),
        hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3),
    ),
    hnp.arrays("S4", hnp.array_shapes(min_dims=0, max_dims=2, min_side=0, max_side=3)),
    st.lists(_text, max_size=3).map(lambda t: np.array(t, dtype=h5py.string_dtype())),
)
#: What any attribute or small dataset may be: text, bytes, numbers, arrays of any shape (empty too).
_values = _scalars | _arrays
#: Names the reader looks for, paths, and anything else.
_names = (
    st.sampled_from(
        ["data", "title", "x", "y", "counts", ".", "..", "/", "/entry", "plot", "measurement", "nowhere", ""]
    )
    | _text
)


#: Names of members: what HDF5 takes as one name.
_members = _names.filter(lambda name: name not in ("", ".", "..") and "/" not in name and "\0" not in name)


def _put(group: h5py.Group, name: str, value: Any, *, attribute: bool) -> None:
    """Store ``value`` as an attribute or a dataset of ``group``; what HDF5 refuses to store is left out."""
    with contextlib.suppress(TypeError, ValueError, OSError, OverflowError, KeyError, RuntimeError):
        if attribute:
            group.attrs[name] = value
        elif name not in group:
            group[name] = value


@st.composite
def lying_nexus(draw: st.DrawFn, path: Path) -> Path:
    """An HDF5 file with an NXentry whose NeXus attributes, plots and beamio's stored headers lie."""
    with h5py.File(path, "w") as h5:
        if draw(st.booleans()):
            h5.attrs["creator"] = "beamio 0.1"  # the reader then looks for what beamio's writer stores
        for _ in range(draw(st.integers(0, 2))):
            _put(h5, draw(_names), draw(_values), attribute=True)
        entry = h5.create_group("entry")
        _put(entry, "NX_class", draw(st.just("NXentry") | _values), attribute=True)
        _put(entry, "default", draw(_names | _values), attribute=True)
        for name in ("title", "start_time", "end_time", "definition"):
            if draw(st.booleans()):
                _put(entry, name, draw(_values), attribute=False)
                if name in entry and draw(st.booleans()):  # beamio's JSON for text holding NUL
                    _put(entry[name], "json", draw(_values), attribute=True)
        if draw(st.booleans()):
            _put(entry, "original_name_json", draw(_values), attribute=True)
        plot = entry.create_group(draw(st.sampled_from(["plot", "data", "entry"])))
        _put(plot, "NX_class", draw(st.just("NXdata") | _values), attribute=True)
        for key in ("signal", "axes", "title", "interpretation", "x_indices", "y_indices", "default"):
            if draw(st.booleans()):
                _put(plot, key, draw(_names | _values), attribute=True)
        for name in draw(st.lists(_members, max_size=4)):
            _put(plot, name, draw(_values), attribute=False)
            if name in plot and isinstance(plot[name], h5py.Dataset):
                for key in ("signal", "axis", "primary", "axes", "interpretation"):
                    if draw(st.booleans()):
                        _put(plot[name], key, draw(_values), attribute=True)
        measurement = entry.create_group("measurement")
        for name in draw(st.lists(_members, max_size=3)):
            _put(measurement, name, draw(_values), attribute=False)
            if name in measurement and draw(st.booleans()):
                _put(measurement[name], "original_name_json", draw(_values), attribute=True)
            if draw(st.booleans()):
                info = (
                    measurement.require_group(f"{name}_info") if f"{name}_info" not in measurement else None
                )
                if info is not None:
                    _stored_header(draw, info, "header", per_frame=True)
                    if draw(st.booleans()):
                        _put(info, "calibration", draw(_values), attribute=False)
        instrument = entry.create_group("instrument")
        _put(instrument, "NX_class", "NXinstrument", attribute=True)
        motors = instrument.create_group("positioners")
        for name in draw(st.lists(_members, max_size=3)):
            _put(motors, name, draw(_values), attribute=False)
        detector = instrument.create_group("det")
        _put(detector, "NX_class", draw(st.just("NXdetector") | _values), attribute=True)
        for name in (
            "data",
            "calibration",
            "channels",
            "preset_time",
            "live_time",
            "real_time",
            "start_time",
        ):
            if draw(st.booleans()):
                _put(detector, name, draw(_values), attribute=False)
        if "data" in detector and draw(st.booleans()):
            _put(detector["data"], "interpretation", draw(st.just("spectrum") | _values), attribute=True)
        if draw(st.booleans()):
            rois = detector.create_group("roi")
            for name in draw(st.lists(_members, max_size=2)):
                _put(rois, name, draw(_values), attribute=False)
        if draw(st.booleans()):
            _stored_header(draw, detector, "header", per_frame=False)
        if draw(st.booleans()):
            _stored_header(draw, entry, "header", per_frame=False)
        if draw(st.booleans()):
            _stored_header(draw, h5, "file_header", per_frame=False)
        sample = entry.create_group("sample")
        _put(sample, "NX_class", "NXsample", attribute=True)
        for name in draw(st.lists(_members, max_size=3)):
            _put(sample, name, draw(_values), attribute=False)
        for name, link in draw(st.lists(st.tuples(_members, _names), max_size=2)):
            with contextlib.suppress(ValueError, KeyError, OSError, TypeError, RuntimeError):
                entry[name] = draw(
                    st.sampled_from([h5py.SoftLink(link or "/"), h5py.ExternalLink(link or "x.h5", "/data")])
                )
    return path


def _stored_header(draw: st.DrawFn, group: h5py.Group, name: str, *, per_frame: bool) -> None:
    """What beamio's writer stores for a header (keys, values, raw, rows), of lying lengths and types."""
    header = group.require_group(name)
    if per_frame and draw(st.booleans()):  # one dataset per key, a value per frame, and their order
        for key in draw(st.lists(_members, max_size=3)):
            _put(header, key, draw(_values), attribute=False)
            if key in header and draw(st.booleans()):
                _put(header[key], "json", draw(_values), attribute=True)
        if draw(st.booleans()):
            _put(header, "order", draw(st.just(json.dumps([[0, 1], [1]])) | _values), attribute=False)
        return
    for part in ("keys", "values", "raw", "rows", "has_raw"):
        if draw(st.integers(0, 4)):  # mostly there
            _put(header, part, draw(_values), attribute=False)
    if draw(st.booleans()):
        _put(header, "json", draw(_values), attribute=True)


@HOSTILE
@given(data=st.data())
def test_nexus_structure_that_lies_reads_or_is_refused(tmp_path: Path, data: st.DataObject) -> None:
    path = data.draw(lying_nexus(tmp_path / "lying.h5"))
    _reads_or_refuses(path)


# -- bytes damaged after the fact -----------------------------------------------------------------
def _fixed_strings(path: Path) -> Path:
    """A small NeXus file with no variable-length value (see the last section of this file)."""
    with h5py.File(path, "w") as h5:
        h5.attrs["creator"] = np.bytes_("hostile tests")
        entry = h5.create_group("entry")
        entry.attrs["NX_class"] = np.bytes_("NXentry")
        entry.attrs["default"] = np.bytes_("plot")
        entry["title"] = np.bytes_("a scan")
        plot = entry.create_group("plot")
        plot.attrs.update({"NX_class": np.bytes_("NXdata"), "signal": np.bytes_("counts")})
        plot.attrs["axes"] = np.array([b"x"])
        plot["counts"] = np.arange(6.0)
        plot["x"] = np.linspace(0, 1, 6)
        measurement = entry.create_group("measurement")
        measurement.create_dataset("cam", data=np.arange(60, dtype="u2").reshape(3, 4, 5), chunks=(1, 4, 5))
        measurement.create_dataset("diode", data=np.arange(3, dtype="i4"), compression="gzip")
        entry["instrument/positioners/th"] = np.linspace(0, 1, 3)
        entry["link"] = h5py.SoftLink("/entry/measurement/diode")
    return path


@pytest.fixture(scope="module")
def fixed_strings(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return _fixed_strings(tmp_path_factory.mktemp("base") / "base.h5").read_bytes()


# The same examples in every run (derandomize): libhdf5 may hang on damage no one has met yet
# (fuzz/targets/nexus.py looks for it); a test run must not find it by chance.
DAMAGE = settings(HOSTILE, derandomize=True)


@DAMAGE
@given(data=st.data())
def test_a_file_cut_anywhere_reads_or_is_refused(
    tmp_path: Path, fixed_strings: bytes, data: st.DataObject
) -> None:
    cut = data.draw(st.integers(0, len(fixed_strings) - 1), label="cut")
    path = tmp_path / "cut.h5"
    path.write_bytes(fixed_strings[:cut])
    with allocating_at_most(16 << 20):
        _reads_or_refuses(path)


@DAMAGE
@given(data=st.data())
def test_a_file_with_flipped_bytes_reads_or_is_refused(
    tmp_path: Path, fixed_strings: bytes, data: st.DataObject
) -> None:
    content = bytearray(fixed_strings)
    for _ in range(data.draw(st.integers(1, 8), label="flips")):
        content[data.draw(st.integers(0, len(content) - 1))] ^= data.draw(st.integers(1, 255))
    path = tmp_path / "flipped.h5"
    path.write_bytes(bytes(content))
    _reads_or_refuses(path)


def test_any_bytes_after_an_hdf5_signature_read_or_are_refused(tmp_path: Path) -> None:
    @DAMAGE
    @given(st.binary(max_size=2048))
    def check(tail: bytes) -> None:
        path = tmp_path / "random.h5"
        path.write_bytes(b"\x89HDF\r\n\x1a\n" + tail)
        _reads_or_refuses(path)

    check()


# -- hand-made damage, each with its message ----------------------------------------------------
def _entry_file(path: Path, **members: Any) -> Path:
    """A file with one NXentry holding ``members`` (values, links)."""
    with h5py.File(path, "w") as h5:
        entry = h5.create_group("entry")
        entry.attrs["NX_class"] = "NXentry"
        for name, value in members.items():
            entry[name] = value
    return path


@pytest.mark.parametrize("cut", [100, 1000, 8096, 16092])
def test_a_truncated_file_says_how_much_is_missing(tmp_path: Path, cut: int) -> None:
    whole = _entry_file(tmp_path / "whole.h5", data=np.arange(1000.0)).read_bytes()
    assert len(whole) == 16192
    path = tmp_path / "cut.h5"
    path.write_bytes(whole[:cut])
    for format in ("nexus", None):
        with pytest.raises(FormatError) as caught:
            beamio.open(path, format=format)
        assert (
            str(caught.value)
            == f"{path}: the file is cut short: HDF5 expects 16192 bytes, the file has {cut}"
        )


def test_a_superblock_that_is_not_one_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "superblock.h5"  # found by the fuzzer: 110-byte addresses
    path.write_bytes(bytes.fromhex("894844460d0a1a0a036e080800000000000000000000000001") + bytes(8))
    with pytest.raises(NotThisFormat) as caught:
        beamio.open(path, format="nexus")
    assert str(caught.value).startswith(f"{path}: h5py cannot open it: ")


def test_links_to_nowhere_are_left_out_with_what_they_name(tmp_path: Path) -> None:
    _entry_file(tmp_path / "other.h5", data=np.arange(3))
    path = _entry_file(
        tmp_path / "links.h5",
        soft=h5py.SoftLink("/nowhere"),
        loop=h5py.SoftLink("/entry/loop"),
        external=h5py.ExternalLink("other.h5", "/nothing"),
        missing=h5py.ExternalLink("missing.h5", "/data"),
        found=h5py.ExternalLink("other.h5", "/entry/data"),
        x=np.arange(2),
    )
    with beamio.open(path) as f:
        assert sorted(f.tree["/entry"]) == ["found", "x"]
        np.testing.assert_array_equal(f["/entry/found"][...], np.arange(3))
        assert [str(d) for d in f.diagnostics] == [
            f"{path}: /entry/external: dangling external link to other.h5::/nothing; left out",
            f"{path}: /entry/loop: dangling soft link to /entry/loop; left out",
            f"{path}: /entry/missing: dangling external link to missing.h5::/data; left out",
            f"{path}: /entry/soft: dangling soft link to /nowhere; left out",
        ]


def test_a_dataset_declared_huge_allocates_nothing_until_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.h5"
    with h5py.File(path, "w") as h5:
        entry = h5.create_group("entry")
        entry.attrs["NX_class"] = "NXentry"
        entry.create_dataset("measurement/big", shape=(10**6, 10**6), dtype="f8", chunks=(1, 1000))
        entry.create_dataset("measurement/cam", shape=(10**5, 4096, 4096), dtype="u4", chunks=(1, 64, 4096))
    assert path.stat().st_size < 16 << 10  # 8 TB and 6.7 PB, of which nothing is written
    with allocating_at_most(1 << 20), beamio.open(path) as f:
        big = f["/entry/measurement/big"]
        assert (big.shape, big.dtype) == ((10**6, 10**6), np.float64)
        assert f["entry"].frames.shape == (10**5, 4096, 4096)
        np.testing.assert_array_equal(big[123456, :5], np.zeros(5))  # one chunk read, of 8 kB
        np.testing.assert_array_equal(f["entry"].frames[99999, 0, :3], np.zeros(3, np.uint32))


def test_values_h5py_has_no_type_for_are_left_out(tmp_path: Path) -> None:
    path = _entry_file(tmp_path / "types.h5", kind=np.dtype("f8"), x=np.arange(3))  # kind: a named datatype
    with h5py.File(path, "r+") as h5:
        entry = h5["entry"]
        entry.attrs["ok"] = 1
        scalar = h5py.h5s.create(h5py.h5s.SCALAR)
        h5py.h5a.create(entry.id, b"when", h5py.h5t.UNIX_D32LE, scalar)  # HDF5's time type
        h5py.h5d.create(entry.id, b"times", h5py.h5t.UNIX_D32LE, h5py.h5s.create_simple((3,)))
    with beamio.open(path) as f:
        assert list(f.tree["/entry"]) == ["x"]
        assert dict(f.tree["/entry"].attrs) == {"NX_class": "NXentry", "ok": 1}
        assert dict(f["entry"].header) == {"NX_class": "NXentry", "ok": 1}
        assert [str(d) for d in f.diagnostics] == [
            f"{path}: /entry/times: HDF5 could not open it: No NumPy equivalent for TypeTimeID exists;"
            " left out"
        ]


def test_names_that_are_not_utf8_are_kept_byte_for_byte(tmp_path: Path) -> None:
    path = tmp_path / "latin1.h5"
    with h5py.File(path, "w") as h5:
        group = h5.create_group(b"caf\xe9")
        group.attrs[b"unit\xb0"] = "deg"
        group[b"temp\xe9rature"] = np.arange(3.0)
        h5.attrs[b"cr\xe9ateur"] = "moi"
    with beamio.open(path) as f:
        assert dict(f.header) == {"cr\udce9ateur": "moi"}
        assert [d.key for d in f.datasets] == ["caf\udce9"]
        assert dict(f.tree["caf\udce9"].attrs) == {"unit\udcb0": "deg"}
        np.testing.assert_array_equal(f["/caf\udce9/temp\udce9rature"][...], np.arange(3.0))
        assert not f.diagnostics


def test_a_stored_header_whose_parts_disagree_is_left_out_with_a_diagnostic(tmp_path: Path) -> None:
    path = _entry_file(tmp_path / "stored.h5", title="scan")
    with h5py.File(path, "r+") as h5:
        h5.attrs["creator"] = "beamio 0.1"
        header = h5["entry"].create_group("header")
        header["keys"] = ["a", "b"]
        header["values"] = ["1", "2"]
        header["raw"] = ["a 1"]  # one, where there are two keys
        header["rows"] = np.array([0, 1])
        h5["entry"].attrs["kept"] = "yes"
    with beamio.open(path) as f:
        assert dict(f["entry"].header) == {"NX_class": "NXentry", "kept": "yes"}  # the attributes instead
        assert [str(d) for d in f.diagnostics] == [
            f"{path}, scan entry: /entry/header: not as beamio stores it (keys, values, raw, rows and has_raw"
            " hold 2, 2, 1, 2, 2 entries); left out"
        ]


def test_entries_that_claim_one_key_keep_their_own_names(tmp_path: Path) -> None:
    # What the fuzzer found (fuzz/regressions/nexus/two-entries-of-one-original-name): a ValueError.
    path = tmp_path / "twins.h5"
    with h5py.File(path, "w") as h5:
        for name in ("_1_1", "_2_1", "1.1"):
            entry = h5.create_group(name)
            entry.attrs["NX_class"] = "NXentry"
            entry.attrs["original_name"] = "1.1"
            entry.create_group("sub").attrs["NX_class"] = "NXsubentry"
    with beamio.open(path) as f:
        assert [d.key for d in f.datasets] == ["1.1", "1.1/sub", "_1_1", "_1_1/sub", "_2_1", "_2_1/sub"]
        assert [str(d) for d in f.diagnostics] == [
            f"{path}: /_1_1: the key '1.1' is another entry's; this one's is '_1_1'",
            f"{path}: /_2_1: the key '1.1' is another entry's; this one's is '_2_1'",
        ]


def test_an_attribute_listed_but_unreadable_is_absent(tmp_path: Path) -> None:
    # What the fuzzer found (fuzz/regressions/nexus/attribute-listed-but-unreadable): listed, not readable.
    path = _entry_file(tmp_path / "attr.h5")
    with h5py.File(path, "r+") as h5:
        scalar = h5py.h5s.create(h5py.h5s.SCALAR)
        h5py.h5a.create(h5.id, b"when", h5py.h5t.UNIX_D32LE, scalar)
        h5.attrs["kept"] = 2
    with beamio.open(path) as f:
        assert dict(f.header) == {"kept": 2}
        assert "when" not in f.tree.attrs


# -- damage that makes libhdf5 itself hang: kept from it ------------------------------------------
_DIES_IN_SWMR_MODE = """
import os, sys
import h5py, numpy as np
f = h5py.File(sys.argv[1], "w", libver="latest")
entry = f.create_group("entry")
entry.attrs["NX_class"] = "NXentry"
entry["title"] = "a scan"
entry.create_dataset("measurement/diode", data=np.arange(4.0), maxshape=(None,), chunks=(4,))
f.swmr_mode = True
f.flush()
os._exit(0)  # killed: the superblock still says a SWMR writer has the file open
"""


def test_a_damaged_checksum_in_a_file_a_swmr_writer_left_open_fails_fast(tmp_path: Path) -> None:
    path = tmp_path / "died.h5"
    subprocess.run([sys.executable, "-c", _DIES_IN_SWMR_MODE, str(path)], check=True)
    content = bytearray(path.read_bytes())
    headers = [m.start() for m in re.finditer(b"OHDR", content)]
    content[headers[1] + 12] ^= 0xFF  # the entry's object header: its checksum no longer matches
    path.write_bytes(bytes(content))
    start = time.monotonic()
    with beamio.open(path) as f:  # HDF5 retries 100 times, sleeping 2**n ns: 2**100 ns without the limit
        assert [str(d) for d in f.diagnostics] == [
            f"{path}: /entry: HDF5 could not open it: Unable to synchronously open object (incorrect metadata"
            " checksum after all read attempts); left out"
        ]
    assert time.monotonic() - start < 5


def _vlen_file(path: Path) -> tuple[bytes, int]:
    """A file whose NX_class is a variable-length string (in a global heap): its bytes, the heap's offset."""
    with h5py.File(path, "w") as h5:
        entry = h5.create_group("entry")
        entry.attrs["NX_class"] = "NXentry"
        entry["title"] = "a scan"
    content = path.read_bytes()
    return content, content.index(b"GCOL")


def _heap_objects(content: bytes, heap: int) -> list[int]:
    """The offsets of a global heap collection's objects, the free space (index 0) last."""
    offsets, position = [], heap + 16
    while True:
        offsets.append(position)
        index, size = struct.unpack("<H6xQ", content[position : position + 16])
        if index == 0:
            return offsets
        position += 16 + -(-size // 8) * 8


def test_a_global_heap_whose_free_space_is_0_bytes_is_refused(tmp_path: Path) -> None:
    content, heap = _vlen_file(tmp_path / "heap.h5")
    free = _heap_objects(content, heap)[-1]
    path = tmp_path / "zero.h5"
    path.write_bytes(content[: free + 8] + bytes(8) + content[free + 16 :])  # HDF5 would loop forever
    with pytest.raises(FormatError) as caught:
        beamio.open(path)
    assert str(caught.value) == (
        f"{path}, byte offset {free}: a free-space object of 0 bytes in the global heap collection at byte"
        f" offset {heap}: HDF5 would parse the collection forever"
    )


def test_a_global_heap_object_whose_size_wraps_around_is_refused(tmp_path: Path) -> None:
    content, heap = _vlen_file(tmp_path / "heap.h5")
    first = _heap_objects(content, heap)[0]
    path = tmp_path / "wraps.h5"
    path.write_bytes(content[: first + 8] + struct.pack("<Q", 2**64 - 64) + content[first + 16 :])
    with pytest.raises(FormatError) as caught:
        beamio.open(path)
    assert str(caught.value) == (
        f"{path}, byte offset {first}: an object of {2**64 - 64} bytes in the global heap collection at byte"
        f" offset {heap}: HDF5 would step 48 bytes back and parse the collection forever"
    )


def test_the_heap_check_reads_files_up_to_its_limit_only(tmp_path: Path) -> None:
    content, heap = _vlen_file(tmp_path / "heap.h5")
    free = _heap_objects(content, heap)[-1]
    damaged = content[: free + 8] + bytes(8) + content[free + 16 :]
    with pytest.raises(FormatError):
        check_global_heaps(damaged, "x.h5")
    check_global_heaps(content, "x.h5")
    assert HEAP_CHECK_LIMIT == 16 << 20  # larger files would be read whole for it


_LIES = 0xFFFF_FF00  # what a length field can say: 4 GiB, which HDF5 would allocate and zero first


def _lookup3(data: bytes) -> int:
    """Bob Jenkins' lookup3 hash (``hashlittle``, initial value 0): HDF5's checksum of its metadata."""
    mask = 0xFFFF_FFFF

    def rot(x: int, k: int) -> int:
        return ((x << k) | (x >> (32 - k))) & mask

    a = b = c = (0xDEADBEEF + len(data)) & mask
    position, left = 0, len(data)
    while left > 12:
        a = (a + int.from_bytes(data[position : position + 4], "little")) & mask
        b = (b + int.from_bytes(data[position + 4 : position + 8], "little")) & mask
        c = (c + int.from_bytes(data[position + 8 : position + 12], "little")) & mask
        for x, y, z, k in (
            (0, 2, 1, 4),
            (1, 0, 2, 6),
            (2, 1, 0, 8),
            (0, 2, 1, 16),
            (1, 0, 2, 19),
            (2, 1, 0, 4),
        ):
            v = [a, b, c]
            v[x] = ((v[x] - v[y]) & mask) ^ rot(v[y], k)
            v[y] = (v[y] + v[z]) & mask
            a, b, c = v
        position, left = position + 12, left - 12
    if left == 0:
        return c
    tail = data[position:] + bytes(12 - left)
    a = (a + int.from_bytes(tail[0:4], "little")) & mask
    b = (b + int.from_bytes(tail[4:8], "little")) & mask
    c = (c + int.from_bytes(tail[8:12], "little")) & mask
    for x, y, k in ((2, 1, 14), (0, 2, 11), (1, 0, 25), (2, 1, 16), (0, 2, 4), (1, 0, 14), (2, 1, 24)):
        v = [a, b, c]
        v[x] = ((v[x] ^ v[y]) - rot(v[y], k)) & mask
        a, b, c = v
    return c


def _lying(
    path: Path, content: bytes, heap: int, value: str, length: int = _LIES, *, every: bool = False
) -> Path:
    """``content`` with the stored length of the string ``value`` (in heap ``heap``) set to ``length``.

    The one string of that length in that heap, or ``every`` one. In a version 2 object
    header, its checksum made to match again: HDF5 would refuse the header.
    """
    reference = struct.pack("<IQ", len(value), heap)
    assert every or content.count(reference) == 1
    for _ in range(content.count(reference)):
        at = content.index(reference)
        damaged = bytearray(content[:at] + struct.pack("<I", length) + content[at + 4 :])
        header = max(content.rfind(b"OHDR", 0, at), content.rfind(b"OCHK", 0, at))
        # Its checksum follows the block: the first 4 bytes that are the hash of all before (none: version 1).
        end = next(
            (
                end
                for end in range(at + 4, len(content) - 3)
                if _lookup3(content[header:end]) == int.from_bytes(content[end : end + 4], "little")
            ),
            None,
        )
        if header >= 0 and end is not None:
            damaged[end : end + 4] = _lookup3(bytes(damaged[header:end])).to_bytes(4, "little")
        content = bytes(damaged)
    path.write_bytes(content)
    return path


@pytest.mark.parametrize("libver", ["earliest", "latest"])  # object headers of version 1 and 2
def test_an_attribute_string_longer_than_the_file_is_absent_unread(tmp_path: Path, libver: str) -> None:
    # libhdf5 allocates and zeroes the length a string says before it finds the heap object shorter
    # (H5T__conv_vlen): 4 GiB and seconds for this file. beamio reads the length first.
    with h5py.File(tmp_path / "vlen.h5", "w", libver=libver) as h5:
        entry = h5.create_group("entry")
        entry.attrs["NX_class"] = "NXentry"
        entry["title"] = "a scan"
    content = (tmp_path / "vlen.h5").read_bytes()
    path = _lying(tmp_path / "lying.h5", content, content.index(b"GCOL"), "NXentry")
    with beamio.open(path) as f:
        assert "NX_class" not in f.tree["entry"].attrs
        assert [d.key for d in f.datasets] == ["entry"]  # a top-level group, though not an NXentry
        assert f["entry"].title == "a scan"
        assert [str(d) for d in f.diagnostics] == [
            f"{path}: /entry: attribute 'NX_class': it says it holds {_LIES} bytes, more than the file's"
            f" {len(content)}: HDF5 would allocate that much before finding it damaged; left out"
        ]


def test_an_attribute_in_a_continued_header_is_checked_too(tmp_path: Path) -> None:
    with h5py.File(tmp_path / "vlen.h5", "w") as h5:
        entry = h5.create_group("entry")
        for i in range(12):  # the first header block fills: the rest goes to a continuation block
            entry.attrs[f"filler_{i}"] = np.arange(40)
        entry.attrs["NX_class"] = "NXentry"
        entry["title"] = "a scan"
    content = (tmp_path / "vlen.h5").read_bytes()
    path = _lying(tmp_path / "lying.h5", content, content.index(b"GCOL"), "NXentry", len(content) + 1)
    with h5py.File(path) as h5, pytest.raises(OSError, match="global heap"):
        h5["entry"].attrs["NX_class"]  # the damage HDF5 finds, once it has allocated what it says
    with beamio.open(path) as f:
        assert "NX_class" not in f.tree["entry"].attrs
        assert len(f.tree["entry"].attrs) == 12
        assert [str(d) for d in f.diagnostics] == [
            f"{path}: /entry: attribute 'NX_class': it says it holds {len(content) + 1} bytes, more than the"
            f" file's {len(content)}: HDF5 would allocate that much before finding it damaged; left out"
        ]


@pytest.mark.parametrize("userblock", [0, 512])  # addresses count from the end of a user block
@pytest.mark.parametrize("layout", ["compact", "contiguous", "chunked"])
def test_a_dataset_string_longer_than_the_file_is_refused_unread(
    tmp_path: Path, layout: str, userblock: int
) -> None:
    names = np.array(["th", "tth", "kappa"], dtype=h5py.string_dtype())
    with h5py.File(tmp_path / "vlen.h5", "w", userblock_size=userblock) as h5:
        entry = h5.create_group("entry")
        entry.attrs["NX_class"] = "NXentry"
        create = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
        if layout == "chunked":
            create.set_chunk((2,))
        else:
            create.set_layout(h5py.h5d.COMPACT if layout == "compact" else h5py.h5d.CONTIGUOUS)
        space = h5py.h5s.create_simple((3,))
        stored = h5py.h5d.create(
            entry.id, b"names", h5py.h5t.py_create(names.dtype, logical=True), space, dcpl=create
        )
        h5py.Dataset(stored)[...] = names
    content = (tmp_path / "vlen.h5").read_bytes()
    path = _lying(tmp_path / "lying.h5", content, content.index(b"GCOL") - userblock, "tth")
    with beamio.open(path) as f:
        names_read = f.tree["entry/names"]
        with pytest.raises(FormatError) as caught:
            names_read[...]
    which = "an element of its chunk (0,)" if layout == "chunked" else "its element 1"
    assert str(caught.value) == (
        f"{path}: /entry/names: {which} says it holds {_LIES} bytes, more than the file's"
        f" {len(content)}: HDF5 would allocate that much before finding it damaged"
    )
    with beamio.open(tmp_path / "vlen.h5") as f:  # undamaged, the same reads
        assert f.tree["entry/names"][...].tolist() == [b"th", b"tth", b"kappa"]


def test_a_compressed_file_that_inflates_past_the_bound_is_refused(tmp_path: Path) -> None:
    packer = bz2.BZ2Compressor(9)
    chunks = [packer.compress(b"\x89HDF\r\n\x1a\n")]
    chunks += [packer.compress(bytes(1 << 24)) for _ in range(17)]  # 272 MiB of zeros in 2 kB
    path = tmp_path / "bomb.h5.bz2"
    path.write_bytes(b"".join(chunks) + packer.flush())
    size = path.stat().st_size
    with pytest.raises(FormatError) as caught:
        beamio.open(path, format="nexus")
    assert str(caught.value) == (
        f"{path}: the bz2 content inflates beyond {256 << 20} bytes, more than {(256 << 20) // size} times"
        f" its {size} bytes: a decompression bomb? Decompress it first to read it"
    )
