"""Diagnostics: what a lenient read forgave, where, and strict reads that refuse instead."""

from __future__ import annotations

import attrs
import pytest

from beamio import Diagnostic, Diagnostics
from beamio.errors import FormatError


def test_a_report_is_recorded_with_its_place() -> None:
    log = Diagnostics("scans.spec")
    diagnostic = log.report("row has 3 values, #L has 4 labels", line=12, scan="1.1")
    assert len(log) == 1
    assert log
    assert log[0] is diagnostic
    assert list(log) == [diagnostic]
    assert diagnostic.file == "scans.spec"
    assert diagnostic.line == 12
    assert diagnostic.scan == "1.1"
    assert diagnostic.severity == "warning"
    assert diagnostic.place == "scans.spec, scan 1.1, line 12"
    assert str(diagnostic) == "scans.spec, scan 1.1, line 12: row has 3 values, #L has 4 labels"


def test_an_empty_log_is_false() -> None:
    log = Diagnostics("x.edf")
    assert not log
    assert len(log) == 0
    assert list(log) == []


def test_every_part_of_a_place() -> None:
    diagnostic = Diagnostic("bad byte", "x.edf", line=2, column=5, offset=1024, scan="1", frame=3)
    assert diagnostic.place == "x.edf, scan 1, frame 3, line 2, column 5, byte offset 1024"
    assert str(Diagnostic("no place")) == "no place"


def test_iteration_is_a_snapshot() -> None:
    log = Diagnostics("x.spec")
    log.report("first")
    seen = []
    for diagnostic in log:
        seen.append(diagnostic)
        log.report("while iterating")
    assert [d.message for d in seen] == ["first"]
    assert len(log) == 2


def test_diagnostics_are_frozen_values() -> None:
    diagnostic = Diagnostic("x", "a.spec", line=1)
    assert diagnostic == Diagnostic("x", "a.spec", line=1)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        diagnostic.line = 2  # type: ignore[misc]


def test_strict_raises_a_format_error_with_file_and_line() -> None:
    log = Diagnostics("scans.spec", strict=True)
    with pytest.raises(FormatError) as info:
        log.report("cannot parse 'abc' as a number", line=40, column=3, scan="2.1")
    error = info.value
    assert str(error) == "scans.spec, scan 2.1, line 40, column 3: cannot parse 'abc' as a number"
    assert error.file == "scans.spec"
    assert error.line == 40
    assert error.place == {"file": "scans.spec", "line": 40, "column": 3, "scan": "2.1"}
    assert len(log) == 0


def test_strict_still_records_information() -> None:
    log = Diagnostics("scans.spec", strict=True)
    log.report("scan 3 has no data", severity="info")
    assert [d.severity for d in log] == ["info"]
    with pytest.raises(FormatError):
        log.report("a real problem", severity="error")


def test_a_child_log_carries_its_place_and_reports_to_the_parent() -> None:
    log = Diagnostics("series.edf")
    scan = log.child(scan="1.1")
    frame = scan.child(frame=7)
    on_scan = scan.report("scan header has no #D", line=3)
    on_frame = frame.report("frame is 10 bytes short", offset=4096)
    assert on_scan.scan == "1.1"
    assert on_frame.scan == "1.1"
    assert on_frame.frame == 7
    assert on_frame.file == "series.edf"
    assert str(on_frame) == "series.edf, scan 1.1, frame 7, byte offset 4096: frame is 10 bytes short"
    assert list(frame) == [on_frame]
    assert list(scan) == [on_scan, on_frame]
    assert list(log) == [on_scan, on_frame]


def test_a_parent_report_does_not_reach_its_children() -> None:
    log = Diagnostics("x.spec")
    child = log.child(scan="1.1")
    log.report("file header has no #F")
    assert len(child) == 0
    assert len(log) == 1


def test_a_place_given_to_a_report_overrides_the_childs() -> None:
    child = Diagnostics("x.spec").child(scan="1.1", frame=2)
    diagnostic = child.report("moved", scan="1.2", frame=0)
    assert (diagnostic.scan, diagnostic.frame) == ("1.2", 0)


def test_a_child_of_a_strict_log_is_strict() -> None:
    log = Diagnostics("x.spec", strict=True)
    with pytest.raises(FormatError, match=r"x\.spec, scan 4\.1, line 9: short row"):
        log.child(scan="4.1").report("short row", line=9)
    assert len(log) == 0
