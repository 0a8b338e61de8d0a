"""The registry: discovery through entry points, isolation of broken plugins, conflicts, scoping."""

from __future__ import annotations

import importlib
import importlib.metadata
import subprocess
import sys
import types
import warnings
from pathlib import Path
from typing import Any

import pytest

import beamio
import beamio.testing.toy as toy
from beamio import Capabilities, FormatSpec, Registry
from beamio.errors import PluginError, PluginWarning, UnsupportedOperation
from beamio.testing import StaticPlugin


def _spec(name: str, **kwargs: Any) -> FormatSpec:
    return FormatSpec(name, reader="beamio.testing.toy_io:ToyReader", **kwargs)


class _FakeDist:
    def __init__(self, name: str, version: str) -> None:
        self.metadata = {"Name": name}
        self.version = version


class _FakeEntryPoint:
    """Stands for an installed entry point (name, value, dist, load)."""

    def __init__(self, name: str, module: str, dist: str = "beamio-fake", version: str = "1.0") -> None:
        self.name, self.value, self.dist = name, module, _FakeDist(dist, version)

    def load(self) -> Any:
        return importlib.import_module(self.value)


@pytest.fixture
def fake_entry_points(monkeypatch: pytest.MonkeyPatch) -> list[_FakeEntryPoint]:
    """Replace the installed entry points of the group 'beamio' with a list the test fills."""
    points: list[_FakeEntryPoint] = []

    def entry_points(group: str) -> list[_FakeEntryPoint]:
        assert group == "beamio"
        return list(points)

    monkeypatch.setattr(importlib.metadata, "entry_points", entry_points)
    monkeypatch.delenv("BEAMIO_DISABLE_PLUGINS", raising=False)
    monkeypatch.delenv("BEAMIO_STRICT_PLUGINS", raising=False)
    return points


@pytest.fixture
def plugin_module(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Make an importable module from source text, for entry points to load."""

    def make(name: str, source: str) -> types.ModuleType:
        module = types.ModuleType(name)
        exec(source, module.__dict__)
        monkeypatch.setitem(sys.modules, name, module)
        return module

    return make


def test_installed_in_tree_plugins_are_discovered_through_entry_points() -> None:
    registry = Registry()
    plugins = {e.spec.name: e.plugin for e in registry.entries()}
    assert {"spec", "edf", "nexus", "mca"} <= set(plugins)
    assert plugins["edf"].distribution == "beamio-edf"
    assert plugins["edf"].version == importlib.metadata.version("beamio-edf")
    assert plugins["edf"].label == f"beamio-edf {plugins['edf'].version} (edf)"


def test_discovery_is_lazy_and_imports_only_hook_modules() -> None:
    code = (
        "import sys, beamio; r = beamio.Registry(); assert not r._loaded;"
        " r.formats(); print(sorted(m for m in ('numpy', 'h5py', 'fabio') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_a_plugin_that_fails_to_import_is_skipped_with_one_warning(
    fake_entry_points: list[_FakeEntryPoint],
) -> None:
    fake_entry_points.append(_FakeEntryPoint("toy", "beamio.testing.toy", "beamio-toy", "2.0"))
    fake_entry_points.append(_FakeEntryPoint("broken", "no_such_module_xyz", "beamio-broken", "0.3"))
    registry = Registry()
    with pytest.warns(PluginWarning) as caught:
        formats = [s.name for s in registry.formats()]
        registry.formats()
    assert formats == ["toy"]
    assert len(caught) == 1
    message = str(caught[0].message)
    assert "beamio-broken 0.3 (broken)" in message and "ModuleNotFoundError" in message
    assert "pip uninstall beamio-broken" in message and "BEAMIO_DISABLE_PLUGINS=broken" in message
    broken = [p for p in registry.plugins() if p.status == "broken"]
    assert [p.name for p in broken] == ["broken"]


def test_strict_plugins_turn_the_warning_into_an_error(
    fake_entry_points: list[_FakeEntryPoint], monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_entry_points.append(_FakeEntryPoint("broken", "no_such_module_xyz", "beamio-broken", "0.3"))
    monkeypatch.setenv("BEAMIO_STRICT_PLUGINS", "1")
    with pytest.raises(PluginError, match=r"beamio-broken 0\.3.*BEAMIO_STRICT_PLUGINS is set"):
        Registry().formats()


def test_disabled_plugins_are_not_imported(
    fake_entry_points: list[_FakeEntryPoint], monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_entry_points.append(_FakeEntryPoint("broken", "no_such_module_xyz", "beamio-broken", "0.3"))
    fake_entry_points.append(_FakeEntryPoint("toy", "beamio.testing.toy", "beamio-toy", "2.0"))
    monkeypatch.setenv("BEAMIO_DISABLE_PLUGINS", "broken, beamio-toy")
    registry = Registry()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert registry.formats() == []
    assert {p.name: p.status for p in registry.plugins()} == {"broken": "disabled", "toy": "disabled"}


def test_a_hook_that_raises_or_returns_garbage_is_skipped(
    fake_entry_points: list[_FakeEntryPoint], plugin_module: Any
) -> None:
    plugin_module("raises_plugin", "import beamio\n@beamio.hookimpl\ndef beamio_formats():\n    1/0\n")
    plugin_module(
        "garbage_plugin", "import beamio\n@beamio.hookimpl\ndef beamio_formats():\n    return ['x']\n"
    )
    fake_entry_points.append(_FakeEntryPoint("raises", "raises_plugin", "beamio-raises"))
    fake_entry_points.append(_FakeEntryPoint("garbage", "garbage_plugin", "beamio-garbage"))
    fake_entry_points.append(_FakeEntryPoint("toy", "beamio.testing.toy", "beamio-toy"))
    registry = Registry()
    with pytest.warns(PluginWarning) as caught:
        assert [s.name for s in registry.formats()] == ["toy"]
    messages = sorted(str(w.message) for w in caught)
    assert "invalid format spec: TypeError: returned 'x', not a FormatSpec" in messages[0]
    assert "hook beamio_formats raised: ZeroDivisionError" in messages[1]


def test_a_hook_with_a_wrong_signature_is_reported(
    fake_entry_points: list[_FakeEntryPoint], plugin_module: Any
) -> None:
    plugin_module(
        "badsig_plugin", "import beamio\n@beamio.hookimpl\ndef beamio_formats(nonsense):\n    return []\n"
    )
    fake_entry_points.append(_FakeEntryPoint("badsig", "badsig_plugin", "beamio-badsig"))
    with pytest.warns(PluginWarning, match=r"beamio-badsig 1\.0 \(badsig\): invalid hooks"):
        assert Registry().formats() == []


def test_same_name_specs_have_a_deterministic_winner_and_a_warning() -> None:
    chosen = []
    for order in (1, -1):
        plugins = [
            StaticPlugin([_spec("dup", description="first")]),
            StaticPlugin([_spec("dup", description="second")]),
        ]
        registry = Registry(plugins=plugins[::order], entry_points=False)
        with pytest.warns(PluginWarning, match="format 'dup' is offered by"):
            chosen.append(registry.format("dup").description)
        assert sorted(e.status for e in registry.entries()) == ["ok", "replaced"]
    assert chosen[0] == chosen[1] or chosen == ["first", "second"]


def test_a_declared_replacement_wins_silently() -> None:
    old = StaticPlugin([_spec("edfish", description="old")])
    new = StaticPlugin([_spec("edfish", description="new", replaces=("edfish",))])
    registry = Registry(plugins=[old, new], entry_points=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert registry.format("edfish").description == "new"
    replaced = [e for e in registry.entries() if e.status == "replaced"]
    assert [e.spec.description for e in replaced] == ["old"]


def test_scoped_registry_does_not_touch_the_default_one() -> None:
    scoped = Registry(plugins=[toy], entry_points=False)
    assert [s.name for s in scoped.formats()] == ["toy"]
    assert "toy" not in {s.name for s in beamio.default_registry().formats()}


def test_unknown_format_names_the_installed_ones_and_what_to_install() -> None:
    registry = Registry(plugins=[toy], entry_points=False)
    with pytest.raises(
        UnsupportedOperation, match=r"no installed format is named 'edf'; pip install beamio-edf"
    ):
        registry.format("edf")


def test_reader_that_cannot_be_imported_names_the_plugin() -> None:
    ghost = StaticPlugin([FormatSpec("ghost", reader="nowhere.at_all:Reader")])
    registry = Registry(plugins=[ghost], entry_points=False)
    with pytest.raises(PluginError, match=r"cannot load nowhere\.at_all:Reader .*ModuleNotFoundError"):
        registry.reader_class(registry.entry("ghost"))
    registry = Registry(
        plugins=[StaticPlugin([FormatSpec("notreader", reader="pathlib:Path")])], entry_points=False
    )
    with pytest.raises(PluginError, match=r"pathlib:Path is not a beamio\.FormatReader subclass"):
        registry.reader_class(registry.entry("notreader"))


def test_a_format_without_read_capability_cannot_open() -> None:
    registry = Registry(
        plugins=[StaticPlugin([_spec("w", capabilities=Capabilities(read=False))])], entry_points=False
    )
    with pytest.raises(UnsupportedOperation, match=r"format 'w' .* cannot read files"):
        registry.reader_class(registry.entry("w"))


def test_observer_hooks_see_reads_and_adjust_writes(tmp_path: Path, toy_file: Path) -> None:
    seen: list[str] = []

    class Observer:
        @beamio.hookimpl
        def beamio_read_completed(self, file: beamio.File, format: FormatSpec) -> None:
            seen.append(f"{format.name}:{Path(file.path).name}")

        @beamio.hookimpl
        def beamio_before_write(self, dataset: beamio.Dataset, format: FormatSpec, options: dict) -> None:
            dataset.title = dataset.title.upper()

    registry = Registry(plugins=[toy, Observer()], entry_points=False)
    with registry.open(toy_file) as file:
        original_title = file["1"].title
        registry.write(file, tmp_path / "out.toy")
        assert file["1"].title == original_title  # the hook got a copy
    assert seen == ["toy:sample.toy"]
    with registry.open(tmp_path / "out.toy") as file:
        assert file["1"].title == original_title.upper()


class _Raises:
    @beamio.hookimpl
    def beamio_formats(self) -> list[FormatSpec]:
        raise RuntimeError("boom")


class _BadProfile:
    @beamio.hookimpl
    def beamio_formats(self) -> list[FormatSpec]:
        return [_spec("bp")]

    @beamio.hookimpl
    def beamio_profiles(self) -> list[Any]:
        return ["not a profile"]

    @beamio.hookimpl
    def beamio_read_completed(self, file: beamio.File, format: FormatSpec) -> None:
        raise AssertionError("a broken plugin's observer must not run")


def test_a_broken_plugin_is_listed_once_and_offers_nothing(toy_file: Path) -> None:
    registry = Registry(plugins=[toy, _Raises(), _BadProfile()], entry_points=False, strict=False)
    with pytest.warns(PluginWarning):
        records = registry.plugins()
    assert [(p.name, p.status) for p in records] == [
        ("beamio.testing.toy", "ok"),
        ("_Raises#1", "broken"),
        ("_BadProfile#2", "broken"),
    ]
    assert [s.name for s in registry.formats()] == ["toy"]
    assert registry.profiles() == {}
    with registry.open(toy_file) as file:  # the broken plugin's observer is unregistered
        assert file.format == "toy"


def test_a_strict_failure_is_raised_again_not_blamed_on_a_healthy_plugin() -> None:
    registry = Registry(plugins=[toy, _Raises()], entry_points=False, strict=True)
    for _ in range(2):
        with pytest.raises(PluginError, match=r"cannot load plugin _Raises#1: hook beamio_formats raised"):
            registry.formats()


def test_a_scoped_registry_ignores_the_environment_profile(
    monkeypatch: pytest.MonkeyPatch, toy_file: Path
) -> None:
    monkeypatch.setenv("BEAMIO_PROFILE", "some-facility")
    scoped = Registry(plugins=[toy], entry_points=False)
    with scoped.open(toy_file) as file:
        assert file.format == "toy"
    with pytest.raises(beamio.errors.ProfileError, match="some-facility"):
        Registry().profile()
