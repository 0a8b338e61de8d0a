"""Profiles: explicit activation, every problem reported together, the config file."""

from __future__ import annotations

from pathlib import Path

import pytest

import beamio
import beamio.testing.toy as toy
from beamio import Preference, Profile
from beamio._profiles import configured_profile
from beamio.errors import ProfileError
from beamio.testing import StaticPlugin

GOOD = Profile(
    "lab", "a lab's conventions", preferences={"*.dat": "toy"}, header_aliases={"site": "facility"}
)


def _registry(*profiles: Profile) -> beamio.Registry:
    return beamio.Registry(plugins=[toy, StaticPlugin(profiles=profiles)], entry_points=False)


def test_preference_matches_file_names_or_paths() -> None:
    assert Preference("*.dat", "spec").matches("/data/x/scan.dat")
    assert not Preference("*.dat", "spec").matches("/data/x.dat/scan.spec")
    assert Preference("*/raw/*.edf", "edf").matches("/beam/raw/im.edf")
    assert GOOD.preferred_formats("a.dat") == ["toy"] and GOOD.preferred_formats("a.h5") == []


def test_profiles_are_offered_but_not_active(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("BEAMIO_PROFILE", raising=False)
    monkeypatch.setenv("BEAMIO_CONFIG", str(tmp_path / "none.toml"))
    registry = _registry(GOOD)
    assert registry.profiles() == {"lab": GOOD}
    assert registry.profile() is None
    assert registry.profile("lab") is GOOD


def test_activation_reports_every_problem_together() -> None:
    bad = Profile(
        "bad",
        preferences={"*.x": "nosuch", "": "toy"},
        reader_options={"toy": {"strict": "yes", "colour": 1}, "ghost": {"a": 1}},
        writer_options={"toy": {"compression": "gzip"}},
    )
    with pytest.raises(ProfileError) as error:
        _registry(bad).profile("bad")
    text = str(error.value)
    assert text.startswith("profile 'bad' cannot be activated:")
    assert "'*.x' prefers format 'nosuch', which is not installed" in text
    assert "a preference has an empty file pattern" in text
    assert "toy reader has no option 'colour'" in text
    assert "reader options are given for format 'ghost', which is not installed" in text
    assert "toy writer has no option 'compression'" in text


def test_unknown_profile_lists_the_offered_ones() -> None:
    with pytest.raises(ProfileError, match=r"no installed plugin offers the profile 'esrf' \(offered: lab\)"):
        _registry(GOOD).profile("esrf")


def test_environment_then_config_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('profile = "from-file"\n')
    monkeypatch.setenv("BEAMIO_CONFIG", str(config))
    monkeypatch.delenv("BEAMIO_PROFILE", raising=False)
    assert configured_profile() == "from-file"
    monkeypatch.setenv("BEAMIO_PROFILE", "from-env")
    assert configured_profile() == "from-env"


def test_config_file_under_xdg_config_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("BEAMIO_PROFILE", raising=False)
    monkeypatch.delenv("BEAMIO_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    (tmp_path / "beamio").mkdir()
    (tmp_path / "beamio" / "config.toml").write_text("profile = 3\n")
    with pytest.raises(ProfileError, match="'profile' must be a string, found 3"):
        configured_profile()
    (tmp_path / "beamio" / "config.toml").write_text("profile = [\n")
    with pytest.raises(ProfileError, match="cannot read the beamio config file"):
        configured_profile()


def test_active_profile_prefers_a_format_sets_options_and_aliases(tmp_path: Path) -> None:
    path = tmp_path / "scan.dat"
    toy.write_sample(path)
    strict = Profile("strict-lab", preferences={"*.dat": "toy"}, reader_options={"toy": {"strict": True}},
                     header_aliases={"site": "facility"})  # fmt: skip
    registry = _registry(strict)
    with registry.open(path, profile="strict-lab") as file:
        assert file.format == "toy"
        assert file.detection.candidates[0].reasons[0] == "preferred by the active profile"
        assert file.header["site"] == "demo"
    with path.open("a") as out:
        out.write("1 2 3\n")
    with registry.open(path, profile="strict-lab") as file, pytest.raises(beamio.FormatError):
        dict(file["2"].columns)
    with registry.open(path) as file:
        assert dict(file["2"].columns)  # lenient without the profile
        assert len(file.diagnostics) == 1
