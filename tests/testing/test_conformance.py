"""The conformance kit run on the TOY format, and the kit's own failure detection."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import IO, ClassVar

import pytest

import beamio
import beamio.testing.toy as toy
from beamio.testing import KIT_SAMPLES, FormatTests, StaticPlugin, corrupted_variants, kit_samples
from beamio.testing.toy_io import ToyReader

SAMPLE_DIR = Path(tempfile.mkdtemp(prefix="beamio-kit-"))


def _toy_sample() -> Path:
    path = SAMPLE_DIR / "kit_sample.toy"
    toy.write_sample(path)
    return path


class TestToyConformance(FormatTests):
    format = "toy"
    samples: ClassVar = [_toy_sample()]
    registry = beamio.Registry(plugins=[toy], entry_points=False)
    installed = False


def test_kit_samples_exist_and_are_all_listed() -> None:
    folder = Path(beamio.testing.__file__).with_name("samples")
    shipped = {p.name for p in folder.iterdir() if p.name != "README.md"}
    assert shipped == set(KIT_SAMPLES)
    assert all(p.stat().st_size >= 0 for p in kit_samples())
    assert not any(p.name == "sample.edf" for p in kit_samples(excluding="edf"))


def test_corrupted_variants_cover_truncation_and_damage() -> None:
    data = b"TOY 1\n@ 1 x\n: a\n1\n2\n"
    variants = dict(corrupted_variants(data))
    assert variants["truncated to 0 bytes"] == b""
    assert variants["truncated to 1 bytes"] == b"T"
    assert b"O" in variants["digits 0 and 1 replaced by the letters O and l"]
    assert all(isinstance(v, bytes) for v in variants.values())


_LEAKED: list[IO[bytes]] = []


class _SniffsEverything(ToyReader):
    @classmethod
    def sniff(cls, head: beamio.Head) -> None:
        return None

    def read(self, source: beamio.Source) -> beamio.File:
        _LEAKED.append(open(source.path, "rb"))  # noqa: SIM115 - the bug the kit must catch
        return source.file([beamio.Dataset("1")])


_GREEDY = beamio.FormatSpec(
    "greedy",
    extensions=(".greedy",),
    reader=f"{__name__}:_SniffsEverything",
    capabilities=beamio.Capabilities(read=True),
)


class _Greedy(FormatTests):
    format = "greedy"
    samples: ClassVar = [_toy_sample()]
    registry = beamio.Registry(plugins=[StaticPlugin([_GREEDY])], entry_points=False)
    installed = False


def test_kit_catches_a_reader_that_claims_everything() -> None:
    with pytest.raises(AssertionError, match=r"claims sample\.spec, which is not its format"):
        _Greedy().test_other_formats_are_not_claimed()
    with pytest.raises(AssertionError, match="did not raise NotThisFormat"):
        _Greedy().test_forced_format_refuses_other_formats()


def test_kit_catches_leaked_file_descriptors() -> None:
    try:
        with pytest.raises(AssertionError, match="file descriptors left open"):
            _Greedy().test_handles_are_closed()
    finally:
        while _LEAKED:
            _LEAKED.pop().close()


class _CrashesOnBadInput(ToyReader):
    def read(self, source: beamio.Source) -> beamio.File:
        data = Path(source.path).read_bytes()
        if data.count(b"\n") < 10:
            raise IndexError("list index out of range")
        return super().read(source)


_CRASHY = beamio.FormatSpec("crashy", reader=f"{__name__}:_CrashesOnBadInput", signatures=toy.SPEC.signatures)


class _Crashy(FormatTests):
    format = "crashy"
    samples: ClassVar = [_toy_sample()]
    registry = beamio.Registry(plugins=[StaticPlugin([_CRASHY])], entry_points=False)
    installed = False


def test_kit_catches_a_crash_on_corrupted_input() -> None:
    with pytest.raises(AssertionError, match=r"truncated to .* bytes.*PluginFailed.*IndexError"):
        _Crashy().test_corrupted_inputs_give_format_errors()
