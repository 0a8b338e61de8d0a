"""Broken segments, vanished segments, wrong addresses: clear errors naming the segment, never a crash."""

from __future__ import annotations

import errno
from typing import Any

import numpy as np
import pytest

import beamio
import beamio_sps._sessions as sessions
from beamio.cli import main
from beamio.errors import FormatError, NoFormatMatched, NotThisFormat

from .fakespec import DOUBLE, TAG_IMAGE, TAG_SCAN, UINT, FakeSpec

VERSION, TYPE, ROWS, META_START = 8, 4, 12, 108  # byte offsets of header fields


def _scan(spec: FakeSpec) -> int:
    shmid = spec.create("SCAN_D", 10, 2, DOUBLE, TAG_SCAN)
    spec.put("SCAN_D", np.arange(20.0).reshape(10, 2).tolist())
    return shmid


@pytest.mark.parametrize(
    ("offset", "value", "message"),
    [
        (VERSION, 9, "header version 9 is unknown (beamio reads versions 3 to 6)"),
        (TYPE, 42, "array type 42 is unknown (SPEC's types are 0 to 10)"),
        (
            ROWS,
            100_000,
            "100000 rows × 2 columns of double need 1604096 bytes with the header, but the segment",
        ),
        (
            META_START,
            1 << 30,
            "the metadata tail (bytes 1073741824 to 1073750016) lies outside the space after",
        ),
    ],
)
def test_a_header_that_does_not_describe_its_segment_is_a_format_error_naming_it(
    fourc: FakeSpec, offset: int, value: int, message: str
) -> None:
    shmid = _scan(fourc)
    fourc.poke("SCAN_D", offset, value)
    address = f"sps://{fourc.name}/SCAN_D"
    with pytest.raises(FormatError) as caught:
        beamio.open(address)
    error = caught.value
    assert error.file == address
    assert error.message.startswith(f"shared-memory segment {shmid}: {message}")
    assert error.offset == offset


def test_a_broken_array_of_a_session_is_left_out_with_a_diagnostic(fourc: FakeSpec) -> None:
    shmid = _scan(fourc)
    fourc.create("IMAGE", 2, 2, UINT, TAG_IMAGE)
    fourc.put("IMAGE", [[1, 2], [3, 4]])
    fourc.poke("SCAN_D", VERSION, 99)
    with beamio.open(f"sps://{fourc.name}") as f:
        assert list(f) == ["IMAGE"]
        np.testing.assert_array_equal(f["IMAGE"].frames[0], [[1, 2], [3, 4]])
        [diagnostic] = f.diagnostics
        assert diagnostic.scan == "SCAN_D"
        assert diagnostic.message.startswith(f"shared-memory segment {shmid}: header version 99 is unknown")
        assert diagnostic.message.endswith("; the array is left out")
        assert f.refresh() == [] and len(f.diagnostics) == 1  # not read again until SPEC creates it again
    with pytest.raises(FormatError, match=f"segment {shmid}: header version 99"):
        beamio.open(f"sps://{fourc.name}", strict=True)


def test_a_header_spoiled_after_opening_stops_the_read_with_a_format_error(fourc: FakeSpec) -> None:
    shmid = _scan(fourc)
    with beamio.open(f"sps://{fourc.name}/SCAN_D") as f:
        columns = f["SCAN_D"].columns
        fourc.poke("SCAN_D", ROWS, 1 << 31)
        with pytest.raises(FormatError, match=f"segment {shmid}: 2147483648 rows × 2 columns"):
            columns["column_1"]
        with pytest.raises(FormatError, match=f"segment {shmid}: 2147483648 rows"):
            f.refresh()


def test_a_segment_that_vanishes_while_it_is_read_is_a_format_error(
    fourc: FakeSpec, monkeypatch: pytest.MonkeyPatch
) -> None:
    shmid = _scan(fourc)
    gone: set[int] = set()
    listed, attach = sessions.SessionView.update, sessions.Attachment

    def update(view: sessions.SessionView) -> bool:
        changed = listed(view)
        gone.add(shmid)  # the session listed SCAN_D; SPEC removes it before it is attached
        return changed

    def attachment(segment: int, size: int) -> Any:
        if segment in gone:
            raise OSError(errno.EIDRM, "Identifier removed")
        return attach(segment, size)

    monkeypatch.setattr(sessions.SessionView, "update", update)
    monkeypatch.setattr(sessions, "Attachment", attachment)
    address = f"sps://{fourc.name}/SCAN_D"
    with pytest.raises(FormatError) as caught:
        beamio.open(address)
    message = f"shared-memory segment {shmid} vanished while it was read (Identifier removed)"
    assert str(caught.value) == f"{address}: {message}"


def test_an_absent_session_or_array_names_what_runs(
    fourc: FakeSpec, capsys: pytest.CaptureFixture[str]
) -> None:
    _scan(fourc)
    with pytest.raises(
        FileNotFoundError, match=f"SPEC session {fourc.name} publishes no array 'MCA' .it publishes: SCAN_D."
    ):
        beamio.open(f"sps://{fourc.name}/MCA")
    with pytest.raises(
        FileNotFoundError, match=rf"no SPEC session 'nosuchspec' is running \(running: .*{fourc.name}"
    ):
        beamio.open("sps://nosuchspec")
    assert main(["info", "sps://nosuchspec/SCAN_D"]) == 1
    assert "no SPEC session 'nosuchspec' is running" in capsys.readouterr().err


def test_an_address_of_more_parts_is_refused() -> None:
    with pytest.raises(FormatError, match="an sps address is sps://, sps://SESSION or sps://SESSION/ARRAY"):
        beamio.open("sps://fourc/SCAN_D/extra")


def test_metadata_that_is_not_json_is_kept_as_text(fourc: FakeSpec) -> None:
    _scan(fourc)
    fourc.metadata("SCAN_D", "{not json")
    with beamio.open(f"sps://{fourc.name}/SCAN_D") as f:
        assert f[0].header["metadata"] == "{not json"
        [diagnostic] = f[0].diagnostics
        assert diagnostic.message.startswith("the metadata is not JSON (")
    with pytest.raises(FormatError, match="the metadata is not JSON"):
        beamio.open(f"sps://{fourc.name}/SCAN_D", strict=True)


def test_more_points_than_rows_reads_the_rows(fourc: FakeSpec) -> None:
    _scan(fourc)
    fourc.info("SCAN_D", "[50]")
    with beamio.open(f"sps://{fourc.name}/SCAN_D") as f:
        assert len(f[0].columns["column_1"]) == 10
        assert [d.message for d in f.diagnostics] == [
            "SPEC says 50 points, the array has 10 rows; the rows are read"
        ]


def test_files_are_not_sps_and_unknown_schemes_say_so(tmp_path: Any) -> None:
    path = tmp_path / "scan.spec"
    path.write_text("#S 1 ct\n#L a\n1\n")
    with pytest.raises(NotThisFormat, match="sps reads the sps://SESSION/ARRAY addresses of a running SPEC"):
        beamio.open(path, format="sps")
    with pytest.raises(
        NoFormatMatched, match=r"no installed plugin opens spx:// addresses \(installed: sps:// \(sps\)"
    ):
        beamio.open("spx://fourc/SCAN_D")
