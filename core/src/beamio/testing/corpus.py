"""The corpus report: every file of a folder opened, every round trip that applies, one Markdown page.

Run it from the repository's root::

    python -m beamio.testing.corpus ../shared/corpus docs/corpus-report.md

Each file is opened and read whole (its diagnostics counted), then written

- **own**: in its own format, when that format writes, and read back;
- **→ NeXus**: as NeXus, and read back;
- **→ NeXus → own**: that NeXus file written in its own format again, and read back;
- **→ SPEC**: as SPEC, when it is not SPEC and holds columns or spectra;
- **→ EDF**: as EDF, when it is not EDF and holds frames.

The first three must give back an equal file (:func:`beamio.testing.differences`:
headers entry by entry, columns, positioners, frames and their headers, spectra).
A conversion to another format is compared in what that format holds: titles,
columns, positioners and spectra for SPEC, the frames' values for EDF. What a
writer says it leaves out (``LossyConversionWarning``) is listed with the result,
and a writer that refuses says why. The page holds no timings and no temporary
paths: the same files and the same beamio give the same page.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import warnings
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import attrs
import numpy as np

from .._api import open as open_file
from .._api import write
from .._dataset import Dataset
from .._file import File
from .._registry import default_registry
from .._spectrum import Spectrum
from ..errors import BeamioError, LossyConversionWarning, UnsupportedOperation
from ._compare import differences
from ._conformance import read_everything

__all__ = ["TRIPS", "Result", "Row", "main", "render", "survey", "survey_file"]

#: The round trips, in the order of the report's columns.
TRIPS = ("own", "→ NeXus", "→ NeXus linked", "→ NeXus → own", "→ SPEC", "→ EDF")
_SHOWN = 3  # diagnostics, differences and warnings shown per file
_OWN_EXTENSION = {"spec": ".spec", "edf": ".edf", "nexus": ".h5", "mca": ".mca"}


@attrs.frozen
class Result:
    """One round trip: ``equal``, ``differs``, ``refused``, ``error``; what the writer said, what differed."""

    outcome: str
    lossy: tuple[str, ...] = ()
    details: tuple[str, ...] = ()

    @property
    def cell(self) -> str:
        """The table's word for it: ``equal``, ``differs (3)``, ``equal, lossy (2)``…"""
        text = self.outcome if self.outcome not in ("differs",) else f"differs ({len(self.details)})"
        return f"{text}, lossy ({len(self.lossy)})" if self.lossy else text


@attrs.frozen
class Row:
    """One file of the corpus: its format, what it holds, its round trips and its diagnostics."""

    file: str
    format: str
    holds: str
    trips: dict[str, Result | None]
    diagnostics: tuple[str, ...]


class _Paths:
    """Replaces the folders of a run (temporary, corpus) in messages: the page is the same each time."""

    def __init__(self, *folders: tuple[Path, str]) -> None:
        self._folders = [(str(folder), name) for folder, name in folders]

    def __call__(self, text: str) -> str:
        for folder, name in self._folders:
            text = text.replace(folder + os.sep, name).replace(folder, name)
        return " ".join(text.split())


def _holds(file: File) -> str:
    scans = sum(1 for ds in file.datasets if ds.columns)
    frames = sum(len(ds.frames) for ds in file.datasets if ds.frames is not None)
    spectra = sum(len(ds.spectra) for ds in file.datasets)
    counts = ((len(file), "dataset", "datasets"), (scans, "scan", "scans"), (frames, "frame", "frames"))
    parts = [f"{n} {one if n == 1 else many}" for n, one, many in counts if n or many == "datasets"]
    if spectra:
        parts.append(f"{spectra} {'spectrum' if spectra == 1 else 'spectra'}")
    return ", ".join(parts)


def _writes(fmt: str | None) -> bool:
    if fmt is None or fmt not in _OWN_EXTENSION:
        return False
    return default_registry().entry(fmt).spec.capabilities.write


def _trip(
    source: File,
    target: Path,
    fmt: str,
    compare: Callable[[File, File], list[str]],
    clean: _Paths,
    **options: Any,
) -> Result:
    """Write ``source`` as ``fmt`` (``options``) to ``target``, read it back, compare; what was said."""
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always", LossyConversionWarning)
        try:
            write(source, target, fmt, overwrite=True, **options)
        except UnsupportedOperation as refusal:
            return Result("refused", details=(clean(str(refusal)),))
        except BeamioError as error:
            return Result("error", details=(clean(f"{type(error).__name__}: {error}"),))
    lossy = tuple(
        dict.fromkeys(clean(str(w.message)) for w in said if issubclass(w.category, LossyConversionWarning))
    )
    try:
        with open_file(target, fmt) as again:
            found = compare(source, again)
    except BeamioError as error:
        return Result("error", lossy, (clean(f"reading it back: {type(error).__name__}: {error}"),))
    return Result("differs" if found else "equal", lossy, tuple(clean(f) for f in found))


def _whole(a: File, b: File) -> list[str]:
    return differences(a, b)


def _held_by_spec(file: File) -> list[Dataset]:
    """What SPEC holds of each Dataset: title, columns, the positioners' first values, spectra by point."""
    return [
        Dataset(
            str(i),
            ds.title,
            columns=ds.columns,
            positioners={n: np.ravel(v)[0] if np.size(v) else v for n, v in ds.positioners.items()},
            spectra={n: _by_point(s) for n, s in ds.spectra.items()},
        )
        for i, ds in enumerate(file.datasets)
    ]


def _by_point(spectrum: Spectrum) -> Spectrum:
    """A spectrum as points × channels (a scan's MCA has one spectrum per point, a lone one is one point)."""
    if spectrum.counts.ndim != 1:
        return spectrum
    return attrs.evolve(spectrum, counts=np.asarray(spectrum.counts).reshape(1, -1))


def _as_spec(a: File, b: File) -> list[str]:
    found = [f"{len(a)} datasets != {len(b)}"] if len(a) != len(b) else []
    for x, y in zip(_held_by_spec(a), _held_by_spec(b), strict=False):
        found += differences(x, y, check_headers=False)
    return found


def _frames(file: File) -> Iterable[np.ndarray]:
    for ds in file.datasets:
        if ds.frames is not None:
            for frame in ds.frames:
                yield np.asarray(frame.data)


def _as_edf(a: File, b: File) -> list[str]:
    """The frames of ``a`` and ``b``, one by one: shape, type and values."""
    found = []
    count = 0
    for count, (x, y) in enumerate(zip(_frames(a), _frames(b), strict=False), 1):
        if x.shape != y.shape or x.dtype != y.dtype:
            found.append(f"frame {count - 1}: {x.shape} {x.dtype} != {y.shape} {y.dtype}")
        elif not np.array_equal(x, y, equal_nan=x.dtype.kind in "fc"):
            found.append(f"frame {count - 1}: values differ")
    total = (sum(1 for _ in _frames(a)), sum(1 for _ in _frames(b)))
    if total[0] != total[1]:
        found.append(f"{total[0]} frames != {total[1]}")
    return found


def survey_file(path: Path, corpus: Path) -> Row:
    """Open one file, do every round trip that applies to it, and say how each went."""
    name = path.relative_to(corpus).as_posix()
    folder = Path(tempfile.mkdtemp(prefix="beamio-corpus-"))
    clean = _Paths((folder, ""), (corpus, ""))
    try:
        try:
            source = open_file(path)
        except BeamioError as error:
            return Row(
                name, "—", "—", dict.fromkeys(TRIPS), (clean(f"opening: {type(error).__name__}: {error}"),)
            )
        with source:
            try:
                read_everything(source)
            except BeamioError as error:
                return Row(
                    name, source.format or "?", "—", dict.fromkeys(TRIPS), (clean(f"reading: {error}"),)
                )
            fmt = source.format or "?"
            trips: dict[str, Result | None] = dict.fromkeys(TRIPS)
            own = _OWN_EXTENSION.get(fmt, "")
            if _writes(fmt) and fmt != "nexus":
                trips["own"] = _trip(source, folder / f"own{own}", fmt, _whole, clean)
            if fmt == "nexus":
                trips["own"] = _trip(source, folder / "own.h5", "nexus", _whole, clean)
            else:
                via = trips["→ NeXus"] = _trip(source, folder / "via.h5", "nexus", _whole, clean)
                if any(ds.frames is not None and len(ds.frames) for ds in source.datasets):
                    linked = _trip(source, folder / "linked.h5", "nexus", _whole, clean, link=True)
                    trips["→ NeXus linked"] = linked
                if _writes(fmt) and via.outcome in ("equal", "differs"):
                    with open_file(folder / "via.h5", "nexus") as middle:
                        back = _trip(
                            middle, folder / f"back{own}", fmt, lambda _, c: differences(source, c), clean
                        )
                    trips["→ NeXus → own"] = back
            if fmt != "spec" and any(ds.columns or ds.spectra for ds in source.datasets):
                trips["→ SPEC"] = _trip(source, folder / "as.spec", "spec", _as_spec, clean)
            if fmt != "edf" and any(ds.frames is not None and len(ds.frames) for ds in source.datasets):
                trips["→ EDF"] = _trip(source, folder / "as.edf", "edf", _as_edf, clean)
            diagnostics = tuple(
                clean(f"{d.place}: {d.message}" if d.place else d.message) for d in source.diagnostics
            )
            return Row(name, fmt, _holds(source), trips, diagnostics)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def survey(corpus: Path, names: Sequence[str] | None = None) -> list[Row]:
    """A Row for every file under ``corpus`` (or the ``names`` given, relative to it), in path order."""
    if names is None:
        paths = sorted(p for p in corpus.rglob("*") if p.is_file() and p.suffix.lower() != ".md")
    else:
        paths = [corpus / name for name in names]
    return [survey_file(path, corpus) for path in paths]


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render(rows: Sequence[Row], corpus_name: str) -> str:
    """The Markdown page: a table of every file and round trip, then the details of each file."""
    out = [
        "# Corpus report",
        "",
        f"Every file of `{corpus_name}`, opened and read whole, then written and read back",
        "(`python -m beamio.testing.corpus`, see README.md). **own**: in its own format; **→ NeXus**:",
        "as NeXus; **→ NeXus linked**: as NeXus whose frames reference the file (``link=True``, the",
        "frames not copied; *refused* where they are not raw values in it); **→ NeXus → own**: that",
        "NeXus file in its own format again — each must give back",
        "an equal file, headers included. **→ SPEC** and **→ EDF** compare what that format holds",
        "(titles, columns, positioners, spectra; frames). *lossy (n)*: the writer said it left",
        "n things out; *refused*: it would not write the file, and said why. — : does not apply.",
        "",
        "| file | format | holds | " + " | ".join(TRIPS) + " | diagnostics |",
        "|---|---|---|" + "---|" * len(TRIPS) + "---|",
    ]
    for row in rows:
        cells = [f"`{row.file}`", row.format, row.holds]
        cells += [result.cell if result is not None else "—" for result in row.trips.values()]
        cells.append(str(len(row.diagnostics)))
        out.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    out += ["", "## Details", ""]
    for row in rows:
        notes = []
        for trip, result in row.trips.items():
            if result is None or (result.outcome == "equal" and not result.lossy):
                continue
            notes.append(f"- **{trip}**: {result.cell}")
            notes += [f"  - {_cell(text)}" for text in result.details[:_SHOWN]]
            if len(result.details) > _SHOWN:
                notes.append(f"  - … {len(result.details) - _SHOWN} more")
            notes += [f"  - said: {_cell(text)}" for text in result.lossy[:_SHOWN]]
            if len(result.lossy) > _SHOWN:
                notes.append(f"  - said … {len(result.lossy) - _SHOWN} more")
        if row.diagnostics:
            notes.append(f"- **diagnostics** ({len(row.diagnostics)}):")
            notes += [f"  - {_cell(text)}" for text in row.diagnostics[:_SHOWN]]
            if len(row.diagnostics) > _SHOWN:
                notes.append(f"  - … {len(row.diagnostics) - _SHOWN} more")
        if notes:
            out += [f"### `{row.file}`", "", *notes, ""]
    return "\n".join(out).rstrip() + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m beamio.testing.corpus CORPUS REPORT [FILE …]``: write the report."""
    parser = argparse.ArgumentParser(
        prog="python -m beamio.testing.corpus", description=__doc__.split("\n")[0]
    )
    parser.add_argument("corpus", type=Path, help="the folder of files (../shared/corpus)")
    parser.add_argument("report", type=Path, help="the Markdown page to write (docs/corpus-report.md)")
    parser.add_argument("files", nargs="*", help="only these files, relative to the corpus")
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        parser.error(f"{args.corpus} is not a folder")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # numpy's, on extreme calibrations
        rows = survey(args.corpus, args.files or None)
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(render(rows, args.corpus.name), encoding="utf-8")
    print(f"{args.report}: {len(rows)} files", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
