"""FormatSpec, Signature and Capabilities: validated values, scoring from the head."""

from __future__ import annotations

import re

import pytest

import beamio
from beamio import Capabilities, FormatSpec, Head, Signature


def test_spec_normalises_extensions_and_rejects_bad_names() -> None:
    spec = FormatSpec("x-ray_1", extensions=("EDF", ".Gz.edf"), capabilities=Capabilities(read=False))
    assert spec.extensions == (".edf", ".gz.edf")
    with pytest.raises(ValueError, match="format name 'Bad Name' is invalid"):
        FormatSpec("Bad Name", capabilities=Capabilities(read=False))


def test_spec_that_reads_must_name_a_reader_as_an_import_string() -> None:
    with pytest.raises(ValueError, match="says it reads but names no reader"):
        FormatSpec("x")
    with pytest.raises(ValueError, match="says it writes but names no writer"):
        FormatSpec("x", reader="m:R", capabilities=Capabilities(write=True))
    with pytest.raises(ValueError, match="not an import string"):
        FormatSpec("x", reader="no colon here")


def test_spec_is_frozen() -> None:
    spec = beamio.known_format("edf")
    with pytest.raises(AttributeError):
        spec.name = "other"  # type: ignore[misc]


def test_signature_needs_exactly_one_of_magic_and_regex() -> None:
    with pytest.raises(ValueError, match="either magic bytes or a regex"):
        Signature()
    with pytest.raises(ValueError, match="either magic bytes or a regex"):
        Signature(magic=b"x", regex=b"x")


def test_magic_matches_at_any_listed_offset() -> None:
    hdf5 = beamio.known_format("nexus")
    with_user_block = Head.from_bytes(b"\0" * 512 + b"\x89HDF\r\n\x1a\n" + b"\0" * 100, "f.bin")
    score, reasons = hdf5.score(with_user_block)
    assert score == 200 and reasons == ["the HDF5 signature"]
    assert hdf5.score(Head.from_bytes(b"\0" * 600, "f.bin")) == (0, [])


def test_extension_adds_to_the_score_once_and_regex_is_multiline() -> None:
    spec = beamio.known_format("spec")
    head = Head.from_bytes(b"#F x\n#E 1\n\n#S 1 ascan\n#L a  b\n1 2\n", "scan.spec")
    score, reasons = spec.score(head)
    assert score == 60 + 40 + 10
    assert reasons[-1] == "extension .spec"
    assert isinstance(spec.signatures[0].regex, re.Pattern)


def test_capabilities_names() -> None:
    caps = Capabilities(read=True, write=True, multi_frame=False, lazy=True, append=True)
    assert caps.names() == ["read", "write", "lazy", "append"]


def test_known_formats_cover_the_in_tree_plugins() -> None:
    assert [s.name for s in beamio.KNOWN_FORMATS] == ["spec", "edf", "nexus", "mca"]
    assert beamio.known_format("mca").install_hint == "pip install beamio-mca"
    with pytest.raises(KeyError, match="no built-in format 'tiff'"):
        beamio.known_format("tiff")
