"""Third parties extend beamio: a format plugin, a facility bundle, and plugins that misbehave.

The distributions in ``fixtures/dists`` are built by hatchling and installed by pip into a
fresh virtual environment, where ``beamio formats`` and ``beamio.open`` run as a user runs
them. The chi reader and writer are also tested in-process, through a scoped registry; so
are the plugins that misbehave (one fails to import, one's sniffer raises, one's reader
returns the wrong type, one is slow to import, one prints to standard output), through
entry points that stand for their installed distributions.
"""

from __future__ import annotations

import gzip
import importlib
import importlib.metadata
import importlib.util
import json
import os
import re
import shutil
import site
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

import beamio
from beamio.cli import main
from beamio.errors import (
    FormatError,
    LossyConversionWarning,
    NoFormatMatched,
    NotThisFormat,
    OptionError,
    PluginFailed,
    PluginWarning,
    UnsupportedOperation,
)
from beamio.testing import FormatTests

DISTS = Path(__file__).parent / "fixtures" / "dists"
X_AXIS = "2-Theta Angle (Degrees)"


# -- .chi samples -------------------------------------------------------------------------


def chi_text(rows: list[str], *, title: str = "sample", x: str = X_AXIS, points: int | None = None) -> str:
    """A .chi file: title, axis names and point count (by default the number of rows), then ``rows``."""
    count = len(rows) if points is None else points
    return "\n".join([title, x, "Intensity", f"{count:>11}", *rows]) + "\n"


def write_silicon(path: Path) -> dict[str, np.ndarray]:
    """Write the 2θ scan of a silicon powder (Cu Kα) as Fit2D does; return the columns it holds."""
    two_theta = np.linspace(5.0, 60.0, 1101)
    intensity = 150.0 * np.exp(-two_theta / 40.0)
    for centre, height in [(28.44, 5200.0), (47.30, 3100.0), (56.12, 1800.0)]:  # Si 111, 220, 311
        intensity += height * np.exp(-0.5 * ((two_theta - centre) / 0.06) ** 2)
    rows = [f" {x:14.6E} {y:14.6E}" for x, y in zip(two_theta, intensity, strict=True)]
    path.write_text(chi_text(rows, title="silicon_640c_0001.chi"))
    # What the file holds is the 7-digit text, not the arrays it was printed from.
    return {
        X_AXIS: np.array([float(r.split()[0]) for r in rows]),
        "Intensity": np.array([float(r.split()[1]) for r in rows]),
    }


# -- in-process: the chi plugin through a scoped registry ----------------------------------


@pytest.fixture(scope="module")
def chi_plugin() -> Iterator[ModuleType]:
    """beamio_chi.plugin imported from its source folder, as an uninstalled third-party module."""
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(DISTS / "beamio-chi" / "src"))
        yield importlib.import_module("beamio_chi.plugin")
    for name in [m for m in sys.modules if m.partition(".")[0] == "beamio_chi"]:
        del sys.modules[name]


@pytest.fixture
def registry(chi_plugin: ModuleType, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> beamio.Registry:
    """A registry with the chi plugin only, away from the profile settings of whoever runs the tests."""
    monkeypatch.delenv("BEAMIO_PROFILE", raising=False)
    monkeypatch.setenv("BEAMIO_CONFIG", str(tmp_path / "absent-config.toml"))
    return beamio.Registry(plugins=[chi_plugin], entry_points=False)


@pytest.fixture
def silicon(tmp_path: Path) -> tuple[Path, dict[str, np.ndarray]]:
    """A silicon powder profile as Fit2D writes it, and the columns it holds."""
    path = tmp_path / "silicon_640c_0001.chi"
    return path, write_silicon(path)


def test_the_plugin_offers_the_chi_spec(registry: beamio.Registry) -> None:
    spec = registry.format("chi")
    assert spec.extensions == (".chi",)
    assert spec.capabilities.read and spec.capabilities.write
    assert (spec.reader, spec.writer) == ("beamio_chi.reader:ChiReader", "beamio_chi.writer:ChiWriter")
    assert spec.install_hint == "pip install beamio-chi"
    assert [(p.name, p.status) for p in registry.plugins()] == [("beamio_chi.plugin", "ok")]


def test_reads_a_silicon_profile(
    registry: beamio.Registry, silicon: tuple[Path, dict[str, np.ndarray]]
) -> None:
    path, expected = silicon
    with registry.open(path) as file:
        assert (file.format, file.detection.chosen, list(file)) == ("chi", "chi", ["1"])
        dataset = file["1"]
        assert dataset.title == "silicon_640c_0001.chi"
        assert list(dataset.columns) == [X_AXIS, "Intensity"]
        for name, values in expected.items():
            assert dataset.columns[name].dtype == np.float64
            assert dataset.columns[name].tobytes() == values.tobytes()
        assert [e.raw for e in file.header.entries] == path.read_text().splitlines()[:4]
        assert list(file.header.items()) == [
            ("title", "silicon_640c_0001.chi"),
            ("x_axis", X_AXIS),
            ("y_axis", "Intensity"),
            ("points", "1101"),
        ]
        assert file.header.get_int("points") == 1101
        assert dataset.header == file.header
        assert not file.diagnostics


def test_reads_through_gzip(registry: beamio.Registry, silicon: tuple[Path, dict[str, np.ndarray]]) -> None:
    path, expected = silicon
    packed = path.with_name(path.name + ".gz")
    packed.write_bytes(gzip.compress(path.read_bytes()))
    with registry.open(packed) as file:
        assert file["1"].columns["Intensity"].tobytes() == expected["Intensity"].tobytes()


@pytest.mark.parametrize(
    ("head", "why"),
    [
        (
            b"#F scan.spec\n#E 1700000000\n#D Mon Jan 1 2024\n#C comment\n",
            "line 4 is not the number of points",
        ),
        (b"title\nx\ny\n", "line 4 is not the number of points"),
        (b"title\nx\ny\n-3\n1 2\n", "line 4 is not the number of points"),
        (b"title\nx\ny\n\x00\x01\n1 2\n", "line 4 is not the number of points"),
        (b"title\nx\ny\n3\n\n5.0 twelve\n", r"line 6: expected numbers, found 'twelve'"),
        (b"title\nx\ny\n3\n5.0\n", r"line 5: expected x and y, found one number"),
    ],
)
def test_sniff_refuses_what_is_not_chi(chi_plugin: ModuleType, head: bytes, why: str) -> None:
    reader = importlib.import_module("beamio_chi.reader").ChiReader
    with pytest.raises(NotThisFormat, match=why):
        reader.sniff(beamio.Head.from_bytes(head, "x.chi"))


@pytest.mark.parametrize(
    "head", [chi_text(["1 2", "3 4"]).encode(), chi_text([]).encode(), b"t\r\nx\r\ny\r\n1\r\n1 2\r\n"]
)
def test_sniff_accepts_chi(chi_plugin: ModuleType, head: bytes) -> None:
    importlib.import_module("beamio_chi.reader").ChiReader.sniff(beamio.Head.from_bytes(head, "x.chi"))


def test_a_chi_name_on_another_format_is_refused(registry: beamio.Registry, tmp_path: Path) -> None:
    path = tmp_path / "scan.chi"
    path.write_text("#F scan.spec\n#E 1700000000\n#D Mon Jan 1 2024\n#C comment\n")
    with pytest.raises(NoFormatMatched, match=r"chi \(refused: line 4 is not the number of points"):
        registry.open(path)
    with pytest.raises(NotThisFormat, match=r"scan\.chi, line 4: expected the number of points, found '#C"):
        registry.open(path, format="chi")


def test_duplicate_axis_names_stay_distinct(registry: beamio.Registry, tmp_path: Path) -> None:
    path = tmp_path / "three.chi"
    path.write_text(chi_text(["1 10 0.5", "2 20 0.25"], x="Intensity"))
    with registry.open(path) as file:
        columns = file["1"].columns
        assert list(columns) == ["Intensity", "Intensity_2", "Intensity_3"]
        assert columns["Intensity_3"].tolist() == [0.5, 0.25]


def test_x_label_names_the_x_column(
    registry: beamio.Registry, silicon: tuple[Path, dict[str, np.ndarray]]
) -> None:
    path, expected = silicon
    with registry.open(path, x_label="two_theta") as file:
        assert list(file["1"].columns) == ["two_theta", "Intensity"]
        assert file["1"].columns["two_theta"].tobytes() == expected[X_AXIS].tobytes()
        assert file.header["x_axis"] == X_AXIS


def test_options_are_checked_before_reading(
    registry: beamio.Registry, silicon: tuple[Path, dict[str, np.ndarray]]
) -> None:
    path, _ = silicon
    with pytest.raises(
        OptionError, match=r"chi reader has no option 'x_lable'; valid options: strict, x_label$"
    ):
        registry.open(path, x_lable="two_theta")
    with pytest.raises(OptionError, match=r"chi reader option x_label=3: expected str, got int"):
        registry.open(path, x_label=3)


LENIENT_ROWS = ["1.0 10.0", "1.5 abc", "2.0 20.0 99.0", "2.5", "3.0 30.0"]  # lines 5 to 9


def test_a_lenient_read_reports_each_skipped_row_with_its_line(
    registry: beamio.Registry, tmp_path: Path
) -> None:
    path = tmp_path / "lenient.chi"
    path.write_text(chi_text(LENIENT_ROWS))
    with registry.open(path) as file:
        dataset = file["1"]
        assert dataset.columns[X_AXIS].tolist() == [1.0, 3.0]
        assert dataset.columns["Intensity"].tolist() == [10.0, 30.0]
        expected = [
            (6, "expected numbers, found 'abc'"),
            (7, "expected 2 numbers, found 3"),
            (8, "expected 2 numbers, found 1"),
            (4, "5 points announced, 2 rows read"),
        ]
        assert [(d.line, d.message) for d in file.diagnostics] == expected
        assert [(d.line, d.message) for d in dataset.diagnostics] == expected
        assert str(file.diagnostics[0]) == f"{path}, line 6: expected numbers, found 'abc'"


def test_a_strict_read_raises_at_the_first_bad_row(registry: beamio.Registry, tmp_path: Path) -> None:
    path = tmp_path / "strict.chi"
    path.write_text(chi_text(LENIENT_ROWS))
    with pytest.raises(FormatError) as raised:
        registry.open(path, strict=True)
    assert str(raised.value) == f"{path}, line 6: expected numbers, found 'abc'"
    assert (raised.value.file, raised.value.line) == (str(path), 6)

    path.write_text(chi_text(["1 2", "3 4"], points=3))
    with pytest.raises(FormatError, match=r"line 4: 3 points announced, 2 rows read$"):
        registry.open(path, strict=True)


def test_a_written_profile_reads_back_exactly(registry: beamio.Registry, tmp_path: Path) -> None:
    awkward = [
        0.1,
        1 / 3,
        -0.0,
        5e-324,
        1e-300,
        1.7976931348623157e308,
        float(2**53 + 2),
        np.nan,
        np.inf,
        -np.inf,
    ]
    rng = np.random.default_rng(7)
    columns = {
        "q": np.array(awkward + rng.normal(size=90).tolist()),
        "I": rng.lognormal(5.0, 2.0, 100),
        "I_2": rng.normal(0.0, 1e-8, 100),  # a third column: named as the reader names it
    }
    dataset = beamio.Dataset("1", title="round trip", columns=columns)
    target = registry.write(dataset, tmp_path / "out.chi")
    assert target.read_text().startswith("round trip\nq\nI\n100\n0.1 ")
    assert [p.name for p in tmp_path.iterdir()] == ["out.chi"]  # the temporary file was renamed
    with registry.open(target) as file:
        assert file["1"].title == "round trip"
        assert list(file["1"].columns) == list(columns)
        for name, values in columns.items():
            assert file["1"].columns[name].tobytes() == values.tobytes()


def test_a_chi_file_rewritten_reads_back_the_same(
    registry: beamio.Registry, silicon: tuple[Path, dict[str, np.ndarray]], tmp_path: Path
) -> None:
    path, expected = silicon
    copy = registry.convert(path, tmp_path / "copy.chi")
    with registry.open(copy) as file:
        assert file["1"].title == "silicon_640c_0001.chi"
        assert {k: v.tobytes() for k, v in file["1"].columns.items()} == {
            k: v.tobytes() for k, v in expected.items()
        }
        assert dict(file.header) == {
            "title": "silicon_640c_0001.chi",
            "x_axis": X_AXIS,
            "y_axis": "Intensity",
            "points": "1101",
        }


def test_the_writer_says_what_a_chi_file_cannot_hold(registry: beamio.Registry, tmp_path: Path) -> None:
    named = beamio.Dataset("1", columns={"q": np.arange(3.0), "I": np.ones(3), "sigma": np.zeros(3)})
    with pytest.warns(
        LossyConversionWarning, match=r"names only x and y; \['sigma'\] will read back as \['I_2'\]"
    ):
        registry.write(named, tmp_path / "named.chi")
    with pytest.raises(UnsupportedOperation, match="sigma"):
        registry.write(named, tmp_path / "strict.chi", strict=True)
    assert not list(tmp_path.glob("*strict.chi*"))  # neither the target nor its temporary file

    two = beamio.File(
        "<memory>", [beamio.Dataset("1", columns={"x": [1.0], "y": [2.0]}), beamio.Dataset("2")]
    )
    with pytest.warns(LossyConversionWarning, match=r"holds one dataset; the others \(2\) are left out"):
        registry.write(two, tmp_path / "two.chi")
    scan = beamio.Dataset("1", columns={"th": [1.0], "det": [5.0]}, positioners={"tth": 28.4})
    with pytest.warns(LossyConversionWarning, match="the positioners of dataset 1 are left out"):
        registry.write(scan, tmp_path / "scan.chi")
    with pytest.raises(UnsupportedOperation, match="dataset 1 has 1 column"):
        registry.write(beamio.Dataset("1", columns={"x": [1.0]}), tmp_path / "one.chi")


class TestChiConformance(FormatTests):
    """beamio's conformance kit, run on the chi plugin as its author runs it."""

    format = "chi"
    installed = False  # imported from its source folder here; TestInstalled installs it

    @pytest.fixture(autouse=True)
    def _chi(self, registry: beamio.Registry, silicon: tuple[Path, dict[str, np.ndarray]]) -> None:
        self.registry = registry
        self.samples = [silicon[0]]


# -- plugins that misbehave, in-process ------------------------------------------------------

#: The fixture plugins that misbehave on purpose: entry point → (distribution, package).
MISBEHAVING = {
    "raising-sniffer": ("beamio-raising-sniffer", "beamio_raising_sniffer"),
    "wrong-reader": ("beamio-wrong-reader", "beamio_wrong_reader"),
    "slow": ("beamio-slow", "beamio_slow"),
    "noisy": ("beamio-noisy", "beamio_noisy"),
}

SPEC_TEXT = (
    "#F scan.spec\n#E 1700000000\n#D Tue Nov 14 22:13:20 2023\n\n#S 1  ascan th 0 1 2 0.1\n#L th  det\n"
)
SPEC_TEXT += "0 10\n0.5 12\n1 11\n"


class _Installed:
    """An entry point of the group ``beamio`` with its distribution, as pip would install it."""

    def __init__(self, name: str) -> None:
        distribution, package = MISBEHAVING[name]
        self.name, self.value = name, f"{package}.plugin"
        self.dist = type("Dist", (), {"metadata": {"Name": distribution}, "version": "0.1.0"})()

    def load(self) -> Any:
        return importlib.import_module(self.value)


def _forget_misbehaving() -> None:
    """Drop the fixture packages from sys.modules: the next registry imports them again."""
    packages = {package for _, package in MISBEHAVING.values()}
    for name in [m for m in sys.modules if m.partition(".")[0] in packages]:
        del sys.modules[name]


@pytest.fixture
def misbehaving(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Callable[..., beamio.Registry]]:
    """Make a registry of the installed plugins and the misbehaving ones named (from their sources)."""
    for distribution, _ in MISBEHAVING.values():
        monkeypatch.syspath_prepend(str(DISTS / distribution / "src"))
    for name in ("BEAMIO_DISABLE_PLUGINS", "BEAMIO_STRICT_PLUGINS", "BEAMIO_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BEAMIO_CONFIG", str(tmp_path / "absent-config.toml"))
    installed = list(importlib.metadata.entry_points(group="beamio"))

    def make(*names: str, strict: bool = False) -> beamio.Registry:
        points = installed + [_Installed(name) for name in names]
        monkeypatch.setattr(importlib.metadata, "entry_points", lambda group: points)
        _forget_misbehaving()
        return beamio.Registry(strict=strict)

    yield make
    _forget_misbehaving()


@pytest.fixture
def spec_file(tmp_path: Path) -> Path:
    """A SPEC file of one scan."""
    path = tmp_path / "scan.spec"
    path.write_text(SPEC_TEXT)
    return path


def test_a_sniffer_that_raises_is_skipped_and_named(
    misbehaving: Callable[..., beamio.Registry], spec_file: Path
) -> None:
    registry = misbehaving("raising-sniffer")
    with pytest.warns(PluginWarning) as caught, registry.open(spec_file) as file:
        assert file.format == "spec"
        candidates = [(c.format, c.outcome) for c in file.detection.candidates[:2]]
    assert candidates == [
        ("raising", "sniffer raised RuntimeError: this sniffer is broken on purpose"),
        ("spec", "accepted"),
    ]
    assert [str(w.message) for w in caught] == [
        "beamio skipped beamio-raising-sniffer 0.1.0 (raising-sniffer): the raising sniffer raised on"
        f" {spec_file}: RuntimeError: this sniffer is broken on purpose. To go without it,"
        " pip uninstall beamio-raising-sniffer, or set BEAMIO_DISABLE_PLUGINS=raising-sniffer."
    ]
    strict = misbehaving("raising-sniffer", strict=True)
    with pytest.raises(
        PluginFailed, match=r"^beamio-raising-sniffer 0\.1\.0 \(raising-sniffer\): the raising"
    ):
        strict.open(spec_file)


def test_a_sniffer_that_raises_on_a_later_file_of_a_series_is_skipped(
    misbehaving: Callable[..., beamio.Registry], tmp_path: Path
) -> None:
    import fabio
    import numpy as np

    from beamio.errors import FormatError

    image = np.arange(12, dtype=np.int32).reshape(3, 4)
    fabio.edfimage.EdfImage(data=image, header={}).write(str(tmp_path / "f_0.edf"))
    # A SPEC file in the series: the raising format claims it first (its #F), and raises.
    (tmp_path / "f_1.spec").write_text(SPEC_TEXT)
    registry = misbehaving("raising-sniffer")
    # The sniffer's crash is skipped: SPEC answers for the file, and the error is the true one.
    with (
        pytest.warns(PluginWarning) as caught,
        pytest.raises(FormatError, match="it holds no frames \\(spec\\)"),
    ):
        registry.open(tmp_path / "f_*")
    assert any(f"the raising sniffer raised on {tmp_path / 'f_1.spec'}" in str(w.message) for w in caught)
    with pytest.raises(PluginFailed, match="the raising sniffer raised on"):
        misbehaving("raising-sniffer", strict=True).open(tmp_path / "f_*")


def test_a_reader_that_returns_the_wrong_type_is_named(
    misbehaving: Callable[..., beamio.Registry], spec_file: Path, tmp_path: Path
) -> None:
    registry = misbehaving("wrong-reader")
    wrong = tmp_path / "numbers.wrong"
    wrong.write_text("1 2 3\n")
    with pytest.raises(PluginFailed) as failed:
        registry.open(wrong)
    assert str(failed.value) == (
        "beamio-wrong-reader 0.1.0 (wrong-reader): the wrong reader returned dict, not a beamio.File"
    )
    with registry.open(spec_file) as file:
        assert file.format == "spec" and list(file["1.1"].columns) == ["th", "det"]


def test_a_slow_plugin_is_named_with_its_import_time(
    misbehaving: Callable[..., beamio.Registry], spec_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BEAMIO_SLOW_IMPORT_SECONDS", "0.6")
    monkeypatch.setattr("beamio._registry.SLOW_IMPORT", 0.4)
    registry = misbehaving("slow")
    with pytest.warns(PluginWarning) as caught:
        formats = {spec.name for spec in registry.formats()}
    assert {"slow", "spec", "edf", "nexus", "mca"} <= formats
    message = str(caught[0].message)
    assert re.fullmatch(
        r"plugin beamio-slow 0\.1\.0 \(slow\) took \d\.\d s to import its hook module beamio_slow\.plugin,"
        r" and every beamio command pays that time; .* To go without it, pip uninstall beamio-slow,"
        r" or set BEAMIO_DISABLE_PLUGINS=slow\.",
        message,
    ), message
    with registry.open(spec_file) as file:
        assert file.format == "spec"


def test_what_a_plugin_prints_is_kept_off_stdout_and_named(
    misbehaving: Callable[..., beamio.Registry], spec_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    registry = misbehaving("noisy")
    with pytest.warns(PluginWarning) as caught, registry.open(spec_file) as file:
        assert file.format == "spec"
    assert capsys.readouterr().out == ""
    said = "plugin beamio-noisy 0.1.0 (noisy) printed to standard output while"
    assert [str(w.message).partition("; ")[0] for w in caught] == [
        f"{said} importing its hook module beamio_noisy.plugin",
        f"{said} running its hook beamio_formats",
        f"{said} importing beamio_noisy.reader",
        f"{said} sniffing {spec_file}",
    ]
    assert str(caught[3].message).endswith(
        ": 'beamio-noisy: sniffing scan.spec\\n'. A plugin should log or warn instead."
    )


def test_the_command_output_stays_clean_beside_a_plugin_that_prints(
    misbehaving: Callable[..., beamio.Registry], spec_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["info", str(spec_file)], registry=misbehaving()) == 0
    clean = capsys.readouterr().out
    with pytest.warns(PluginWarning) as caught:
        assert main(["info", str(spec_file)], registry=misbehaving("noisy")) == 0
    out, err = capsys.readouterr()
    assert out == clean and "beamio-noisy: sniffing" not in out + err
    said = "plugin beamio-noisy 0.1.0 (noisy) printed to standard output while"
    assert [str(w.message).startswith(said) for w in caught] == [True] * 4


# -- installed for real: a fresh virtual environment ----------------------------------------

# Run inside the virtual environment: open a file and print what it holds, as JSON.
SHOW = """
import json, sys
import beamio

with beamio.open(sys.argv[1]) as file:
    dataset = file["1"]
    accepted = [c for c in file.detection.candidates if c.outcome == "accepted"]
    print(json.dumps({
        "format": file.format,
        "reasons": accepted[0].reasons,
        "title": dataset.title,
        "scan_title": file.header.get("scan_title"),
        "columns": {name: values.tolist() for name, values in dataset.columns.items()},
        "profiles": sorted(beamio.default_registry().profiles()),
    }))
"""


class Venv:
    """A virtual environment, and how to run its Python with a clean environment."""

    def __init__(self, root: Path) -> None:
        self.python = root / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")

    def run(
        self, *args: str | Path, cwd: Path, enable: Sequence[str] = (), **env: str
    ) -> subprocess.CompletedProcess[str]:
        """Run its Python; no BEAMIO_, PYTHON or PIP_ variable of the caller leaks in.

        The misbehaving plugins are disabled but for those in ``enable``.
        """
        clean = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("BEAMIO_", "PYTHON", "PIP_", "VIRTUAL_ENV"))
        }
        disabled = [env.pop("BEAMIO_DISABLE_PLUGINS", ""), *(n for n in MISBEHAVING if n not in enable)]
        clean.update(
            PYTHONUTF8="1",
            BEAMIO_CONFIG=str(cwd / "absent-config.toml"),
            BEAMIO_DISABLE_PLUGINS=",".join(filter(None, disabled)),
            PIP_CONFIG_FILE=os.devnull,
            PIP_DISABLE_PIP_VERSION_CHECK="1",
            PIP_NO_INDEX="1",
            **env,
        )
        return subprocess.run(
            [str(self.python), *map(str, args)],
            cwd=cwd,
            env=clean,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=300,
        )

    def show(self, path: Path, **env: str) -> tuple[dict, str]:
        """What :data:`SHOW` prints for ``path``, and the standard error."""
        result = self.run("-c", SHOW, path, cwd=path.parent, **env)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout), result.stderr


def _succeeded(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 0, (
        f"{result.args} exited with {result.returncode}:\n{result.stdout}{result.stderr}"
    )
    return result


def _runner_site_packages() -> list[str]:
    """The site-packages folders of the Python running the tests (numpy, attrs, pluggy, beamio)."""
    folders = site.getsitepackages()
    if site.ENABLE_USER_SITE:
        folders.append(site.getusersitepackages())
    return [f for f in folders if os.path.isdir(f)]


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Venv:
    """A fresh virtual environment that sees the runner's packages, with the fixtures pip-installed."""
    if importlib.util.find_spec("ensurepip") is None:
        pytest.skip("this Python cannot create a virtual environment with pip (no ensurepip)")
    if importlib.util.find_spec("hatchling") is None:
        pytest.fail("hatchling builds the fixture distributions: pip install -r requirements-test.txt")
    root = tmp_path_factory.mktemp("third-party")
    _succeeded(subprocess.run([sys.executable, "-m", "venv", root / "venv"], capture_output=True, text=True))
    created = Venv(root / "venv")
    purelib = _succeeded(
        created.run("-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=root)
    )
    # addsitedir, not a plain path line: the .pth files there (the editable beamio) must run too.
    lines = [f"import site; site.addsitedir({folder!r})" for folder in _runner_site_packages()]
    (Path(purelib.stdout.strip()) / "_runner_site_packages.pth").write_text("\n".join(lines) + "\n")
    # Built from copies, so that nothing is written into the source tree.
    ignore = shutil.ignore_patterns("__pycache__", "build", "dist", "*.egg-info")
    copies = [
        shutil.copytree(DISTS / name, root / "dists" / name, ignore=ignore)
        for name in sorted(os.listdir(DISTS))
    ]
    _succeeded(created.run("-m", "pip", "install", "--no-deps", "--no-build-isolation", *copies, cwd=root))
    return created


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, np.ndarray]]:
    """A folder with the silicon profile as x.chi, and the same bytes as x.dat."""
    folder = tmp_path_factory.mktemp("data")
    expected = write_silicon(folder / "x.chi")
    shutil.copyfile(folder / "x.chi", folder / "x.dat")
    return folder, expected


def _rows(stdout: str) -> list[list[str]]:
    """The table ``beamio formats`` prints, one list of cells per line."""
    return [re.split(r"\s{2,}", line.strip()) for line in stdout.splitlines()]


BROKEN = "beamio-broken 0.1.0 (broken)"


@pytest.mark.venv
class TestInstalled:
    def test_formats_lists_chi_the_others_and_the_broken_plugin(
        self, venv: Venv, data: tuple[Path, dict]
    ) -> None:
        result = _succeeded(venv.run("-m", "beamio", "formats", cwd=data[0]))
        rows = _rows(result.stdout)
        assert ["chi", "beamio-chi 0.1.0 (chi)", "ok", "yes", "yes", ".chi"] in rows
        broken = next(r for r in rows if r[1] == BROKEN)
        assert broken[:5] == ["-", BROKEN, "broken", "-", "-"]
        assert broken[5].startswith("import failed: ImportError: beamio_broken.plugin is broken on purpose")
        # The formats of the Python running the tests are there too, unharmed.
        listed = {tuple(r[:3]) for r in rows}
        for entry in beamio.Registry().entries_in_use():
            assert (entry.spec.name, entry.plugin.label, "ok") in listed
        assert (
            "PluginWarning: beamio skipped plugin beamio-broken 0.1.0 (broken): import failed"
            in result.stderr
        )
        assert "pip uninstall beamio-broken, or set BEAMIO_DISABLE_PLUGINS=broken" in result.stderr

    def test_open_reads_chi_beside_the_broken_plugin(self, venv: Venv, data: tuple[Path, dict]) -> None:
        folder, expected = data
        shown, stderr = venv.show(folder / "x.chi")
        assert (shown["format"], shown["reasons"], shown["title"]) == (
            "chi",
            ["extension .chi"],
            "silicon_640c_0001.chi",
        )
        assert shown["columns"] == {name: values.tolist() for name, values in expected.items()}
        assert stderr.count("PluginWarning") == 1 and BROKEN in stderr

    def test_the_hook_modules_import_no_numpy(self, venv: Venv, data: tuple[Path, dict]) -> None:
        code = (
            "import sys, importlib.metadata, beamio_chi.plugin, beamio_facility_demo.plugin\n"
            "heavy = ('numpy', 'beamio_chi.reader', 'beamio_chi.writer')\n"
            "print(sorted(m for m in heavy if m in sys.modules))\n"
            "print(sorted(importlib.metadata.requires('beamio-facility-demo')))"
        )
        result = _succeeded(venv.run("-c", code, cwd=data[0]))
        assert result.stdout.splitlines() == ["[]", "['beamio-chi>=0.1', 'beamio>=0.1']"]

    def test_strict_plugins_turn_the_broken_plugin_into_an_error(
        self, venv: Venv, data: tuple[Path, dict]
    ) -> None:
        folder, _ = data
        script = venv.run("-c", SHOW, "x.chi", cwd=folder, BEAMIO_STRICT_PLUGINS="1")
        assert (script.returncode, script.stdout) == (1, "")
        assert (
            f"beamio.errors.PluginError: beamio cannot load plugin {BROKEN}: import failed" in script.stderr
        )
        command = venv.run("-m", "beamio", "formats", cwd=folder, BEAMIO_STRICT_PLUGINS="1")
        assert (command.returncode, command.stdout) == (1, "")
        assert command.stderr.startswith(
            f"beamio: beamio cannot load plugin {BROKEN}: import failed: ImportError"
        )
        assert "BEAMIO_STRICT_PLUGINS is set; pip uninstall beamio-broken" in command.stderr

    @pytest.mark.parametrize("name", ["broken", "beamio-broken"])
    def test_a_disabled_plugin_is_silent_and_listed(
        self, venv: Venv, data: tuple[Path, dict], name: str
    ) -> None:
        folder, _ = data
        result = _succeeded(venv.run("-m", "beamio", "formats", cwd=folder, BEAMIO_DISABLE_PLUGINS=name))
        assert ["-", BROKEN, "disabled", "-", "-"] in _rows(result.stdout)
        assert result.stderr == ""
        shown, stderr = venv.show(folder / "x.chi", BEAMIO_DISABLE_PLUGINS=name)
        assert (shown["format"], stderr) == ("chi", "")

    def test_the_facility_profile_reads_dat_as_chi(self, venv: Venv, data: tuple[Path, dict]) -> None:
        folder, expected = data
        shown, stderr = venv.show(
            folder / "x.dat", BEAMIO_PROFILE="demo-facility", BEAMIO_DISABLE_PLUGINS="broken"
        )
        assert (shown["format"], shown["reasons"], stderr) == ("chi", ["preferred by the active profile"], "")
        assert shown["columns"] == {
            "two_theta": expected[X_AXIS].tolist(),
            "Intensity": expected["Intensity"].tolist(),
        }
        assert shown["scan_title"] == shown["title"] == "silicon_640c_0001.chi"

    def test_without_the_profile_nothing_prefers_chi(self, venv: Venv, data: tuple[Path, dict]) -> None:
        # Installed is not active. x.dat matches no signature or extension of chi; chi is still
        # asked, like every format that reads, and its sniffer accepts the content. So the file
        # opens, but as the bare format: the x column keeps its axis-line name and no alias applies.
        folder, _ = data
        shown, _ = venv.show(folder / "x.dat", BEAMIO_DISABLE_PLUGINS="broken")
        assert (shown["format"], shown["reasons"], shown["profiles"]) == ("chi", [], ["demo-facility"])
        assert list(shown["columns"]) == [X_AXIS, "Intensity"]
        assert shown["scan_title"] is None

    def test_the_command_takes_the_profile(self, venv: Venv, data: tuple[Path, dict]) -> None:
        folder, _ = data
        args = ("-m", "beamio", "--profile", "demo-facility", "info", "x.dat")
        result = _succeeded(venv.run(*args, cwd=folder, BEAMIO_DISABLE_PLUGINS="broken"))
        assert result.stdout.splitlines()[:4] == [
            "x.dat: chi (preferred by the active profile)",
            "file header: 4 entries",
            "1 dataset",
            "  1  silicon_640c_0001.chi",
        ]
        assert "columns (2): two_theta, Intensity" in result.stdout


@pytest.mark.venv
class TestMisbehavingInstalled:
    """The misbehaving plugins installed beside the others, run as a user runs beamio."""

    @staticmethod
    def beamio(venv: Venv, *args: str, cwd: Path, enable: Sequence[str] = (), **env: str) -> Any:
        """``beamio ARGS`` without the broken plugin (its own tests are above), with ``enable`` on."""
        return venv.run("-m", "beamio", *args, cwd=cwd, enable=enable, BEAMIO_DISABLE_PLUGINS="broken", **env)

    @pytest.fixture
    def scan(self, data: tuple[Path, dict]) -> Path:
        path = data[0] / "scan.spec"
        path.write_text(SPEC_TEXT)
        return path

    def test_beamio_info_keeps_working_and_names_each_plugin(self, venv: Venv, scan: Path) -> None:
        clean = _succeeded(self.beamio(venv, "info", scan.name, cwd=scan.parent))
        assert clean.stdout.startswith("scan.spec: spec") and clean.stderr == ""
        result = _succeeded(
            self.beamio(
                venv,
                "info",
                scan.name,
                cwd=scan.parent,
                enable=list(MISBEHAVING),
                BEAMIO_SLOW_IMPORT_SECONDS="1.5",
            )
        )
        assert result.stdout == clean.stdout  # nothing the plugins printed, nothing of the others lost
        assert "beamio-noisy: " not in result.stdout
        for said in (
            "PluginWarning: beamio skipped beamio-raising-sniffer 0.1.0 (raising-sniffer): the raising"
            " sniffer raised on scan.spec: RuntimeError: this sniffer is broken on purpose.",
            "PluginWarning: plugin beamio-slow 0.1.0 (slow) took ",
            "PluginWarning: plugin beamio-noisy 0.1.0 (noisy) printed to standard output while sniffing"
            " scan.spec",
        ):
            assert said in result.stderr

    def test_a_wrong_reader_is_an_error_naming_its_distribution(self, venv: Venv, scan: Path) -> None:
        wrong = scan.with_name("numbers.wrong")
        wrong.write_text("1 2 3\n")
        result = self.beamio(venv, "info", wrong.name, cwd=scan.parent, enable=["wrong-reader"])
        assert (result.returncode, result.stdout) == (1, "")
        assert result.stderr == (
            "beamio: beamio-wrong-reader 0.1.0 (wrong-reader): the wrong reader returned dict,"
            " not a beamio.File\n"
        )
        assert _succeeded(self.beamio(venv, "info", scan.name, cwd=scan.parent, enable=["wrong-reader"]))

    def test_beamio_convert_reports_cleanly(self, venv: Venv, scan: Path) -> None:
        args = ("convert", scan.name, "scan.nxs")
        result = _succeeded(self.beamio(venv, *args, cwd=scan.parent, enable=["raising-sniffer", "noisy"]))
        lines = result.stdout.splitlines()
        assert lines[0].startswith("wrote scan.nxs: 1 dataset, ")
        assert all(line.startswith("warning: ") for line in lines[1:]), result.stdout
        assert any("beamio-noisy 0.1.0 (noisy) printed to standard output" in line for line in lines)
        assert any("beamio skipped beamio-raising-sniffer 0.1.0" in line for line in lines)
        with beamio.open(scan.with_name("scan.nxs")) as file:
            assert list(file[0].columns) == ["th", "det"]
