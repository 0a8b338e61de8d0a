"""Reader and writer options: validated before a file is touched, errors that list what is valid."""

from __future__ import annotations

import pytest

from beamio import Option
from beamio._options import COMMON_READ_OPTIONS, COMMON_WRITE_OPTIONS, validate_options
from beamio.errors import BeamioError, OptionError


def positive(value: int) -> None:
    if value <= 0:
        raise ValueError("must be at least 1")


DECLARED = {
    "strict": Option(False, bool, "raise on the first irregularity"),
    "frames": Option(None, int, "how many frames to read"),
    "chunk": Option(1, int, "frames per chunk", check=positive),
    "energy": Option(8.0, float, "beam energy in keV"),
    "byteorder": Option("little", str, "byte order", choices=("little", "big")),
    "labels": Option(None, (list, tuple), "column names"),
    "anything": Option("x"),
}


def test_defaults_are_filled_in() -> None:
    assert validate_options(DECLARED, {}, "EDF reader") == {
        "strict": False,
        "frames": None,
        "chunk": 1,
        "energy": 8.0,
        "byteorder": "little",
        "labels": None,
        "anything": "x",
    }


def test_given_values_are_kept() -> None:
    values = validate_options(
        DECLARED, {"strict": True, "frames": 10, "byteorder": "big", "labels": ("a", "b")}, "EDF reader"
    )
    assert values["strict"] is True
    assert values["frames"] == 10
    assert values["byteorder"] == "big"
    assert values["labels"] == ("a", "b")
    assert values["chunk"] == 1


def test_an_unknown_option_lists_the_valid_ones() -> None:
    with pytest.raises(OptionError) as info:
        validate_options(DECLARED, {"colour": "red", "strict": True}, "EDF reader")
    assert str(info.value) == (
        "EDF reader has no option 'colour'; valid options: "
        "anything, byteorder, chunk, energy, frames, labels, strict"
    )


def test_several_unknown_options_are_named_together() -> None:
    with pytest.raises(OptionError, match="has no option 'a', 'b'; valid options: strict"):
        validate_options(COMMON_READ_OPTIONS, {"b": 1, "a": 2}, "SPEC reader")


def test_a_format_without_options() -> None:
    with pytest.raises(OptionError, match="valid options: none"):
        validate_options({}, {"strict": True}, "TOY writer")


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("frames", "10", "EDF reader option frames='10': expected int, got str"),
        ("frames", 2.0, "EDF reader option frames=2.0: expected int, got float"),
        ("frames", True, "EDF reader option frames=True: expected int, got bool"),
        ("strict", 1, "EDF reader option strict=1: expected bool, got int"),
        ("strict", None, "EDF reader option strict=None: expected bool, got NoneType"),
        ("energy", "8", "EDF reader option energy='8': expected float, got str"),
        ("energy", False, "EDF reader option energy=False: expected float, got bool"),
        ("labels", "a b", "EDF reader option labels='a b': expected list or tuple, got str"),
    ],
)
def test_a_value_of_the_wrong_type_says_what_is_expected(name: str, value: object, message: str) -> None:
    with pytest.raises(OptionError) as info:
        validate_options(DECLARED, {name: value}, "EDF reader")
    assert str(info.value) == message


def test_an_int_is_accepted_for_a_float() -> None:
    assert validate_options(DECLARED, {"energy": 12}, "EDF reader")["energy"] == 12


def test_none_is_accepted_where_the_default_is_none() -> None:
    assert validate_options(DECLARED, {"frames": None}, "EDF reader")["frames"] is None


def test_an_option_without_types_accepts_anything() -> None:
    assert validate_options(DECLARED, {"anything": [1, 2]}, "EDF reader")["anything"] == [1, 2]


def test_choices() -> None:
    with pytest.raises(OptionError) as info:
        validate_options(DECLARED, {"byteorder": "middle"}, "EDF writer")
    assert str(info.value) == "EDF writer option byteorder='middle': expected one of 'little', 'big'"


def test_a_check_says_why_a_value_is_refused() -> None:
    assert validate_options(DECLARED, {"chunk": 4}, "EDF reader")["chunk"] == 4
    with pytest.raises(OptionError) as info:
        validate_options(DECLARED, {"chunk": 0}, "EDF reader")
    assert str(info.value) == "EDF reader option chunk=0: must be at least 1"


def test_a_single_type_is_kept_as_a_tuple() -> None:
    assert Option(0, int).types == (int,)
    assert Option(0, (int, float)).types == (int, float)
    assert Option().types == ()


def test_option_errors_are_type_errors_of_beamio() -> None:
    with pytest.raises(TypeError):
        validate_options(DECLARED, {"nope": 1}, "x")
    assert issubclass(OptionError, BeamioError)


def test_every_reader_and_writer_takes_strict() -> None:
    for declared in (COMMON_READ_OPTIONS, COMMON_WRITE_OPTIONS):
        assert validate_options(declared, {}, "x") == {"strict": False}
        assert validate_options(declared, {"strict": True}, "x") == {"strict": True}
