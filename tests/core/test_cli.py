"""The beamio command: formats, info, convert; exit codes 0, 1, 2; --debug."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, ClassVar

import attrs
import pytest

import beamio.testing.toy as toy
from beamio import File, Option, Registry, Target
from beamio.cli import main
from beamio.errors import NoFormatMatched
from beamio.testing import StaticPlugin, assert_equal
from beamio.testing.toy_io import ToyWriter


def test_formats_lists_the_installed_plugins(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["formats"]) == 0
    out = capsys.readouterr().out
    header, *rows = out.splitlines()
    assert header.split() == ["format", "plugin", "status", "read", "write", "extensions"]
    edf = next(r for r in rows if r.startswith("edf "))
    assert "beamio-edf 0.1.0 (edf)" in edf and " ok " in edf and ".edf .ehf" in edf


def test_info_summarises_a_file(
    toy_registry: Registry, toy_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["info", str(toy_file)], registry=toy_registry) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == f"{toy_file}: toy (the TOY magic line; extension .toy)"
    assert "2 datasets" in out
    assert "columns (3): th, Monitor, det" in out
    assert "frames: (3, 2, 3) float64" in out


def test_info_explain_prints_the_detection_report(
    toy_registry: Registry, toy_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["info", "--explain", str(toy_file)], registry=toy_registry) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"detection report for {toy_file}")
    assert "the TOY magic line; extension .toy → not tried" in out


def test_info_on_a_path_inside_the_file(
    toy_registry: Registry, toy_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["info", f"{toy_file}::/1/measurement/det"], registry=toy_registry) == 0
    out = capsys.readouterr().out
    assert "array shape=(3,) dtype=float64" in out and "12." in out
    assert main(["info", f"{toy_file}::/1"], registry=toy_registry) == 0
    assert "measurement" in capsys.readouterr().out
    assert main(["info", f"{toy_file}::/1/frames[2, 1, :2]"], registry=toy_registry) == 0
    assert capsys.readouterr().out == "array([15., 16.])\n"


def test_problems_with_a_file_exit_1_with_one_message(
    toy_registry: Registry, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    unknown = tmp_path / "notes.txt"
    unknown.write_text("hello\n")
    assert main(["info", str(unknown)], registry=toy_registry) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"beamio: {unknown}: no installed format reads this file")
    assert "Traceback" not in err
    assert main(["info", str(tmp_path / "absent.toy")], registry=toy_registry) == 1
    assert "No such file or directory" in capsys.readouterr().err


def test_debug_shows_the_traceback(toy_registry: Registry, tmp_path: Path) -> None:
    unknown = tmp_path / "notes.txt"
    unknown.write_text("hello\n")
    with pytest.raises(NoFormatMatched):
        main(["--debug", "info", str(unknown)], registry=toy_registry)


def test_convert(
    toy_registry: Registry, toy_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "out.toy"
    assert main(["convert", str(toy_file), str(target)], registry=toy_registry) == 0
    report = capsys.readouterr().out
    assert re.fullmatch(
        rf"wrote {re.escape(str(target))}: 2 datasets, 3 frames, 0\.0 MB of arrays from"
        rf" {re.escape(str(toy_file))} \(toy\) in \d+\.\d s\n",
        report,
    ), report
    with toy_registry.open(toy_file) as source, toy_registry.open(target) as copy:
        assert_equal(source, copy)
    assert main(["convert", str(toy_file), str(target)], registry=toy_registry) == 1
    assert "exists; pass overwrite=True (--overwrite)" in capsys.readouterr().err
    assert (
        main(["convert", str(toy_file), str(target), "--overwrite", "--to", "toy"], registry=toy_registry)
        == 0
    )


def test_usage_errors_exit_2_and_the_command_is_installed(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "beamio", "frobnicate"], capture_output=True, text=True)
    assert done.returncode == 2 and "invalid choice: 'frobnicate'" in done.stderr
    command = str(Path(sys.executable).with_name("beamio"))
    done = subprocess.run([command, "formats"], capture_output=True, text=True)
    assert done.returncode == 0 and "beamio-spec" in done.stdout
    done = subprocess.run([command, "info", str(tmp_path / "x.spec")], capture_output=True, text=True)
    assert done.returncode == 1 and done.stderr.startswith("beamio: [Errno 2] No such file or directory")


def test_profiles_lists_what_is_offered_and_marks_the_active_one(capsys: pytest.CaptureFixture[str]) -> None:
    import beamio.testing.toy as toy
    from beamio import Profile
    from beamio.testing import StaticPlugin

    lab = Profile(
        "lab", "the lab's conventions", preferences={"*.dat": "toy"}, reader_options={"toy": {"strict": True}}
    )
    registry = Registry(plugins=[toy, StaticPlugin(profiles=[lab])], entry_points=False)
    assert main(["profiles"], registry=registry) == 0
    assert capsys.readouterr().out.splitlines()[:3] == [
        "  lab  the lab's conventions",
        "      *.dat → toy",
        "      toy reader: {'strict': True}",
    ]
    assert main(["--profile", "lab", "profiles"], registry=registry) == 0
    out = capsys.readouterr().out
    assert out.startswith("* lab") and out.endswith("active: lab\n")


def test_convert_quiet_says_nothing_and_verbose_lists_every_diagnostic(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "bad.spec"
    rows = "".join(f"{i} 1O{i}\n" for i in range(30))  # 30 values that are not numbers
    source.write_text(f"#S 1 ascan\n#L a  b\n{rows}")
    assert main(["convert", str(source), str(tmp_path / "q.spec"), "--quiet"]) == 0
    assert capsys.readouterr().out == ""
    assert main(["convert", str(source), str(tmp_path / "d.spec")]) == 0
    out = capsys.readouterr().out
    assert "the source's diagnostics (30, what a lenient read forgave):" in out
    assert "… 10 more (--verbose lists them)" in out and out.count("is not a number") == 20
    assert main(["convert", str(source), str(tmp_path / "v.spec"), "--verbose"]) == 0
    out = capsys.readouterr().out
    assert out.count("is not a number") == 30 and "more (--verbose" not in out


def test_convert_shows_a_progress_bar_on_a_terminal_only(
    toy_registry: Registry, toy_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["convert", str(toy_file), str(tmp_path / "a.toy")], registry=toy_registry) == 0
    assert "/144 [" in terminal.getvalue()  # the bar, counting the 144 bytes of the toy frames
    piped = io.StringIO()
    monkeypatch.setattr(sys, "stderr", piped)
    assert main(["convert", str(toy_file), str(tmp_path / "b.toy")], registry=toy_registry) == 0
    assert piped.getvalue() == ""


def test_a_watched_file_counts_every_byte_a_writer_pulls(tmp_path: Path) -> None:
    import numpy as np

    import beamio
    from beamio import Dataset, FrameStack, Spectrum
    from beamio._progress import array_bytes, watched

    frames = FrameStack.from_array(np.arange(5 * 6 * 7, dtype=np.uint16).reshape(5, 6, 7))
    ds = Dataset("1.1", frames=frames, spectra={"mca_0": Spectrum(np.ones((5, 32)))})
    counted: list[int] = []
    file = beamio.File("<memory>", [ds])
    beamio.write(watched(file, counted.append), tmp_path / "out.h5")
    assert sum(counted) == array_bytes(ds) == 5 * 6 * 7 * 2 + 5 * 32 * 8
    with beamio.open(tmp_path / "out.h5") as back:
        np.testing.assert_array_equal(np.asarray(back[0].frames), np.asarray(frames))


class _LayoutWriter(ToyWriter):
    """A TOY writer that takes the NeXus writer's layout options and records them."""

    options: ClassVar[dict[str, Option]] = {
        "chunks": Option("frame", (str, tuple)),
        "compression": Option(None, str),
    }
    seen: ClassVar[list[dict[str, Any]]] = []

    def write(self, file: File, target: Target) -> None:
        _LayoutWriter.seen.append(dict(self.settings))
        super().write(file, target)


@pytest.mark.parametrize(
    ("flags", "options"),
    [
        ([], {"chunks": "frame", "compression": None}),
        (["--compression", "gzip"], {"chunks": "frame", "compression": "gzip"}),
        (["--chunks", "image"], {"chunks": "frame", "compression": None}),
        (["--chunks", "spectrum", "--compression", "lz4"], {"chunks": "spectrum", "compression": "lz4"}),
        (["--chunks", "balanced"], {"chunks": "balanced", "compression": None}),
        (["--chunks", "4x64X32"], {"chunks": (4, 64, 32), "compression": None}),
        (["--chunks", "spectrum", "-o", "chunks=spectrum"], {"chunks": "spectrum", "compression": None}),
    ],
)
def test_compression_and_chunks_are_spellings_of_the_writer_options(
    toy_file: Path, tmp_path: Path, flags: list[str], options: dict[str, Any]
) -> None:
    registry = Registry(
        plugins=[StaticPlugin([attrs.evolve(toy.SPEC, writer=f"{__name__}:_LayoutWriter")])],
        entry_points=False,
    )
    _LayoutWriter.seen.clear()
    assert main(["convert", str(toy_file), str(tmp_path / "out.toy"), *flags], registry=registry) == 0
    assert _LayoutWriter.seen == [{"strict": False, **options}]


@pytest.mark.parametrize("layout", ["frames", "4x", "0x64x64", "4,64,64", ""])
def test_a_chunk_layout_that_is_none_is_a_usage_error(
    toy_registry: Registry, toy_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], layout: str
) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["convert", str(toy_file), str(tmp_path / "out.toy"), "--chunks", layout], registry=toy_registry)
    assert caught.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"beamio convert: error: argument --chunks: {layout!r}: expected image (a frame per chunk), spectrum,"
        " balanced, or a chunk shape like 1x512x512"
    )


def test_a_flag_and_an_option_that_disagree_are_an_error(
    toy_registry: Registry, toy_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [
        "convert",
        str(toy_file),
        str(tmp_path / "out.toy"),
        "--compression",
        "gzip",
        "-o",
        "compression=lz4",
    ]
    assert main(args, registry=toy_registry) == 1
    assert capsys.readouterr().err == (
        "beamio: -o 'compression=lz4' and --compression say two different things: give one of them\n"
    )
    assert not (tmp_path / "out.toy").exists()


def test_a_reader_that_stops_early_ends_the_command_quietly(tmp_path: Path) -> None:
    spec = tmp_path / "many.spec"
    spec.write_text("".join(f"#S {n} ascan th 0 1 1 1\n#L th det\n0 {n}\n1 {n}\n\n" for n in range(1, 3001)))
    command = f"{sys.executable} -m beamio info {spec} --all | head -c 10"
    done = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=120)
    assert len(done.stdout) == 10
    assert done.stderr == ""  # no "Broken pipe" complaint, no traceback
