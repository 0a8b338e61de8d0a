"""Addresses that are not files: a format owns a URL scheme, beamio.open hands it such addresses."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

import beamio.testing.toy as toy
from beamio import Capabilities, FormatSpec, Registry
from beamio._address import address_owner, scheme_of
from beamio.cli import main
from beamio.errors import FormatError, NoFormatMatched, PluginFailed
from beamio.testing import StaticPlugin

READER = '''
from beamio import Dataset, FormatError, FormatReader

closed = []

class EchoReader(FormatReader):
    """Opens echo://WORD: one Dataset titled WORD; echo://broken and echo://bug fail."""

    def read(self, source):
        source.on_close(lambda: closed.append(source.path))
        word = source.path.split("://", 1)[1]
        if word == "broken":
            raise FormatError("a broken echo", source.path)
        if word == "bug":
            raise KeyError(word)
        return source.file([Dataset("1", title=f"{word} ({len(source.head.data)} bytes of head)")],
                           header={source.path: "an echo"})
'''


@pytest.fixture
def echo(monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    """The module of a reader of echo:// addresses, importable as ``echo_reader``."""
    module = types.ModuleType("echo_reader")
    exec(READER, module.__dict__)
    monkeypatch.setitem(sys.modules, "echo_reader", module)
    return module


@pytest.fixture
def registry(echo: types.ModuleType) -> Registry:
    """The TOY format and the echo format, which owns the echo:// scheme."""
    spec = FormatSpec("echo", reader="echo_reader:EchoReader", guess=False, schemes=("ECHO://",))
    return Registry(plugins=[toy, StaticPlugin([spec])], entry_points=False)


def test_a_spec_lists_its_schemes_in_lower_case_and_must_read() -> None:
    assert FormatSpec("x", reader="m:R", schemes="SPS").schemes == ("sps",)
    with pytest.raises(ValueError, match="URL scheme 'a b' is invalid"):
        FormatSpec("x", reader="m:R", schemes=("a b",))
    with pytest.raises(ValueError, match="format 'x' opens sps:// addresses but does not read"):
        FormatSpec("x", capabilities=Capabilities(read=False), schemes=("sps",))


def test_an_address_goes_to_the_format_of_its_scheme_with_an_empty_head(registry: Registry) -> None:
    with registry.open("echo://hello") as f:
        assert f.format == "echo" and f.path == "echo://hello"
        assert f["1"].title == "hello (0 bytes of head)"
        assert f.detection.chosen == "echo"
        assert [(c.format, c.outcome) for c in f.detection.candidates] == [("echo", "accepted")]
    with registry.open("echo://again", "echo") as f:
        assert f["1"].title.startswith("again")


def test_paths_stay_paths(registry: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "echo:").mkdir()
    toy.write_sample(tmp_path / "echo:" / "file")
    assert scheme_of("echo://file") is None  # an existing file is a file, whatever its name
    with registry.open("echo://file") as f:
        assert f.format == "toy"
    assert scheme_of("C://data/scan.spec") is None  # a drive letter is no scheme
    assert scheme_of("sps://fourc") == "sps"
    assert address_owner(registry, str(tmp_path / "scan.spec")) is None
    with pytest.raises(FileNotFoundError):
        registry.open("echo://word", "toy")  # a format that owns no scheme takes it for a path


def test_a_scheme_nobody_owns_names_the_schemes_installed(registry: Registry) -> None:
    with pytest.raises(
        NoFormatMatched, match=r"no installed plugin opens sps:// addresses \(installed: echo:// \(echo\)"
    ):
        registry.open("sps://fourc/SCAN_D")


def test_a_failing_reader_closes_its_source(registry: Registry, echo: types.ModuleType) -> None:
    with pytest.raises(FormatError, match="echo://broken: a broken echo"):
        registry.open("echo://broken")
    with pytest.raises(PluginFailed, match="the echo reader failed on echo://bug: KeyError"):
        registry.open("echo://bug")
    assert echo.closed == ["echo://broken", "echo://bug"]


def test_info_shows_what_an_address_publishes(registry: Registry, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info", "--explain", "echo://hi"], registry=registry) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "detection report for echo://hi"
    assert out[-4:] == [
        "echo://hi: echo (opens echo:// addresses)",
        "  echo://hi  an echo",
        "1 dataset",
        "  1  hi (0 bytes of head)",
    ]
