"""Header: order, duplicates, raw text, immutable edits, aliases and typed access."""

from __future__ import annotations

import math
from typing import Any

import attrs
import pytest

from beamio import Header, HeaderEntry
from beamio.errors import FormatError

EDF_HEADER = [
    HeaderEntry("HeaderID", "EH:000001:000000:000000", raw="HeaderID = EH:000001:000000:000000 ;"),
    HeaderEntry("Image", "1", raw="Image = 1 ;"),
    HeaderEntry("Dim_1", "2048", raw="Dim_1 = 2048 ;"),
    HeaderEntry("Dim_2", "1024", raw="Dim_2 =   1024 ;"),
    HeaderEntry("DataType", "UnsignedShort", raw="DataType = UnsignedShort ;"),
]


def edf_header() -> Header:
    return Header(EDF_HEADER, origin="frames_0003.edf, frame 3")


def test_keeps_the_order_of_the_source() -> None:
    header = Header([("b", 1), ("a", 2), ("c", 3)])
    assert list(header) == ["b", "a", "c"]
    assert list(header.values()) == [1, 2, 3]
    assert list(header.items()) == [("b", 1), ("a", 2), ("c", 3)]
    assert len(header) == 3


def test_builds_from_a_mapping_pairs_entries_or_nothing() -> None:
    assert Header({"x": "1", "y": "2"}) == Header([("x", "1"), ("y", "2")])
    assert Header(EDF_HEADER).entries == tuple(EDF_HEADER)
    assert Header(edf_header()).entries == tuple(EDF_HEADER)
    assert len(Header()) == 0
    assert len(Header(None)) == 0
    assert list(Header([(7, "seven")])) == ["7"]


def test_duplicate_keys_show_first_value_and_keep_every_occurrence() -> None:
    header = Header([("#O0", "th tth"), ("#C", "first comment"), ("#O0", "chi phi"), ("#C", "second")])
    assert header["#O0"] == "th tth"
    assert header["#C"] == "first comment"
    assert list(header) == ["#O0", "#C"]
    assert len(header) == 2
    assert header.get_all("#O0") == ["th tth", "chi phi"]
    assert header.get_all("#C") == ["first comment", "second"]
    assert header.get_all("#S") == []
    assert [(e.key, e.value) for e in header.entries] == [
        ("#O0", "th tth"),
        ("#C", "first comment"),
        ("#O0", "chi phi"),
        ("#C", "second"),
    ]


def test_keeps_the_raw_text_of_each_entry() -> None:
    header = edf_header()
    assert header["Dim_2"] == "1024"
    assert header.entry("Dim_2").raw == "Dim_2 =   1024 ;"
    assert [e.raw for e in header.entries] == [e.raw for e in EDF_HEADER]
    assert header.add("Extra", "x", raw="Extra = x ;").entry("Extra").raw == "Extra = x ;"
    assert header.remove("Image").entry("Dim_2").raw == "Dim_2 =   1024 ;"


def test_entry_of_a_missing_key_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        edf_header().entry("Dim_3")


def test_entry_keys_must_be_text() -> None:
    with pytest.raises(TypeError):
        HeaderEntry(1, "x")  # type: ignore[arg-type]


def test_add_returns_a_new_header_with_one_more_entry() -> None:
    header = Header([("a", 1)], origin="x.spec")
    added = header.add("a", 2)
    assert added is not header
    assert header.get_all("a") == [1]
    assert added.get_all("a") == [1, 2]
    assert added["a"] == 1
    assert added.origin == "x.spec"


def test_set_replaces_in_place_and_drops_the_other_occurrences() -> None:
    header = Header([("a", 1), ("b", 2), ("a", 3), ("c", 4)])
    changed = header.set("a", 9)
    assert list(changed.items()) == [("a", 9), ("b", 2), ("c", 4)]
    assert changed.get_all("a") == [9]
    assert header.get_all("a") == [1, 3]


def test_set_of_a_new_key_appends_it() -> None:
    header = Header([("a", 1)], origin="x.edf")
    changed = header.set("z", 26)
    assert list(changed) == ["a", "z"]
    assert changed["z"] == 26
    assert "z" not in header
    assert changed.origin == "x.edf"


def test_remove_drops_every_occurrence_and_keeps_the_rest() -> None:
    header = Header([("a", 1), ("b", 2), ("a", 3)], origin="x.spec")
    removed = header.remove("a")
    assert list(removed.items()) == [("b", 2)]
    assert header.get_all("a") == [1, 3]
    assert removed.origin == "x.spec"
    assert header.remove("absent") == header


def test_a_header_cannot_be_changed_in_place() -> None:
    header = edf_header()
    with pytest.raises(TypeError):
        header["Dim_1"] = "1"  # type: ignore[index]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        header.origin = "elsewhere"  # type: ignore[misc]


def test_aliases_read_the_key_they_stand_for() -> None:
    header = edf_header().with_aliases({"width": "Dim_1", "height": "Dim_2"})
    assert header["width"] == "2048"
    assert "width" in header
    assert header.get_int("height") == 1024
    assert header.get_all("width") == ["2048"]
    assert header.entry("width").raw == "Dim_1 = 2048 ;"
    assert list(header) == [e.key for e in EDF_HEADER]
    assert header.origin == "frames_0003.edf, frame 3"
    assert "depth" not in header.with_aliases({"depth": "Dim_3"})


def test_a_real_key_wins_over_an_alias_of_the_same_name() -> None:
    header = Header([("Dim_1", "10"), ("width", "20")], aliases={"width": "Dim_1"})
    assert header["width"] == "20"


def test_aliases_survive_edits() -> None:
    header = edf_header().with_aliases({"width": "Dim_1"})
    assert header.add("x", 1)["width"] == "2048"
    assert header.remove("Image")["width"] == "2048"


def test_set_and_remove_through_an_alias_change_the_key_it_stands_for() -> None:
    header = Header([("Dim_1", "10"), ("Dim_2", "5")], aliases={"width": "Dim_1"})
    changed = header.set("width", "20")
    assert changed["Dim_1"] == "20"
    assert changed["width"] == "20"
    assert list(changed) == ["Dim_1", "Dim_2"]
    assert list(header.remove("width")) == ["Dim_2"]


def test_equality() -> None:
    header = Header([("a", "1"), ("b", "2")])
    assert header == Header([HeaderEntry("a", "1", raw="a = 1"), HeaderEntry("b", "2")])
    assert header == {"a": "1", "b": "2"}
    assert header != Header([("b", "2"), ("a", "1")])
    assert header != Header([("a", "1"), ("b", "2"), ("a", "3")])
    assert header != [("a", "1"), ("b", "2")]
    with pytest.raises(TypeError):
        hash(header)


def test_repr_shows_the_first_entries() -> None:
    header = Header([(f"k{i}", i) for i in range(10)])
    text = repr(header)
    assert "'k0': 0" in text
    assert "'k9'" not in text
    assert "2 more" in text


# -- typed access --------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2048", 2048), (" 7 ", 7), ("-3", -3), ("1e3", 1000), ("12.0", 12), (b"5", 5), (42, 42)],
)
def test_get_int(value: Any, expected: int) -> None:
    result = Header([("n", value)]).get_int("n")
    assert result == expected
    assert type(result) is int


@pytest.mark.parametrize(
    ("value", "expected"),
    [("0.5", 0.5), (" -1e-3 ", -0.001), ("inf", math.inf), ("-inf", -math.inf), (3, 3.0)],
)
def test_get_float(value: Any, expected: float) -> None:
    result = Header([("x", value)]).get_float("x")
    assert result == expected
    assert type(result) is float


def test_get_float_keeps_nan() -> None:
    assert math.isnan(Header([("x", "nan")]).get_float("x"))


def test_get_floats() -> None:
    header = Header([("#@CALIB", "0.1  0.01 -2e-6"), ("empty", ""), ("one", 4)])
    assert header.get_floats("#@CALIB") == [0.1, 0.01, -2e-6]
    assert header.get_floats("empty") == []
    assert header.get_floats("one") == [4.0]


@pytest.mark.parametrize("text", ["1", "true", "True", "YES", "on", "y", "t"])
def test_get_bool_true(text: str) -> None:
    assert Header([("flag", text)]).get_bool("flag") is True


@pytest.mark.parametrize("text", ["0", "false", "FALSE", "no", "Off", "n", "f"])
def test_get_bool_false(text: str) -> None:
    assert Header([("flag", text)]).get_bool("flag") is False


def test_get_str() -> None:
    header = Header([("title", b"caf\xc3\xa9"), ("number", 12), ("broken", b"ab\xff")])
    assert header.get_str("title") == "café"
    assert header.get_str("number") == "12"
    # Undecodable bytes survive the round trip.
    assert header.get_str("broken").encode("utf-8", "surrogateescape") == b"ab\xff"


@pytest.mark.parametrize("getter", ["get_int", "get_float", "get_floats", "get_bool", "get_str"])
def test_missing_key_gives_the_default(getter: str) -> None:
    header = Header([("present", "1")])
    assert getattr(header, getter)("absent", "fallback") == "fallback"
    assert getattr(header, getter)("absent", None) is None


@pytest.mark.parametrize("getter", ["get_int", "get_float", "get_floats", "get_bool", "get_str"])
def test_missing_key_without_default_is_a_key_error_naming_key_and_origin(getter: str) -> None:
    with pytest.raises(KeyError) as info:
        getattr(edf_header(), getter)("Dim_3")
    assert "'Dim_3'" in str(info.value)
    assert "frames_0003.edf, frame 3" in str(info.value)
    with pytest.raises(KeyError):
        edf_header()["Dim_3"]


@pytest.mark.parametrize(
    ("getter", "value", "expected"),
    [
        ("get_int", "12.5", "an integer"),
        ("get_int", "UnsignedShort", "an integer"),
        ("get_int", "nan", "an integer"),
        ("get_float", "1,5", "a number"),
        ("get_floats", "1 two 3", "numbers separated by blanks"),
        ("get_bool", "maybe", "a boolean"),
    ],
)
def test_a_bad_value_raises_format_error_naming_key_value_and_origin(
    getter: str, value: str, expected: str
) -> None:
    header = Header([("Dim_1", value)], origin="frames_0003.edf, frame 3")
    with pytest.raises(FormatError) as info:
        getattr(header, getter)("Dim_1")
    message = str(info.value)
    assert "'Dim_1'" in message
    assert repr(value) in message
    assert expected in message
    assert message.startswith("frames_0003.edf, frame 3: ")
    assert info.value.file == "frames_0003.edf, frame 3"
    assert isinstance(info.value, ValueError)


def test_a_bad_value_in_a_header_without_origin_still_names_key_and_value() -> None:
    with pytest.raises(FormatError, match="header key 'n': expected an integer, found 'x'"):
        Header([("n", "x")]).get_int("n")


def test_a_bad_value_is_reported_even_with_a_default() -> None:
    with pytest.raises(FormatError):
        Header([("n", "x")]).get_int("n", 0)
