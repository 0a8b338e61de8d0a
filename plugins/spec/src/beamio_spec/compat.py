r"""The calls of PyMca's ``specfile`` / ``specfilewrapper`` on beamio, so that migrating is one import.

::

    from PyMca5.PyMcaIO import specfilewrapper as specfile  # before
    from beamio_spec import compat as specfile  # after

    with specfile.Specfile("data.spec") as sf:
        scan = sf.select("3.1")
        i0 = scan.datacol("I0")

Numbering is PyMca's: scans ``sf[i]`` from 0; columns, data lines and MCA
spectra from 1 (``datacol(1)``, ``dataline(1)``, ``mca(1)``); negative column
and line numbers count from the end. ``scan.mca(n)`` is the n-th spectrum of the
scan in file order: with k MCAs per point (``@A1`` … ``@Ak`` after each data
line), spectrum n is MCA ``(n - 1) % k`` of point ``(n - 1) // k``, as PyMca
and silx number them. ``Specfile.file`` and ``Scan.dataset`` are the beamio
objects underneath.

Differences, where beamio reads the file right and PyMca (and silx, built on the
same C library) do not:

- ``@A1`` … ``@An``: the digit names the MCA. PyMca and silx read it as a first
  channel value (n + 1 values, the first the MCA number); ``mca()`` gives the n.
- ``nan``, ``inf`` and values that are not numbers (``None``): NaN, inf and NaN,
  with a diagnostic for the last; PyMca gives 0 or leaves the row out.
- ``#N 15 8`` (each point's 15 values written 8 to a line): the lines are joined
  into rows; PyMca returns numbers that are not the file's.
- ``cols()`` counts the data's columns; PyMca returns ``#N``'s number, which
  Bluesky writes as the number of points (``#N 31`` for 14 columns).
- A scan without data lines (a fly scan, an aborted one) has its ``#L`` labels,
  empty columns and its date; PyMca raises for its labels, date, lines and data,
  and its ``mca(1)`` returns numbers though ``nbmca()`` is 0.
- ``#L`` separated by single spaces is split at single spaces when that gives
  the data's column count; PyMca reads one long label.
- ``#O`` names are split at two spaces or a tab, or at single spaces when only
  that matches the ``#P`` values. PyMca keeps tabs inside names, drops the space
  of short names ending a line (``Motor 9`` → ``Motor9``), reads an empty
  ``#O0`` as one motor named "", and fails without ``#O``; here a ``#P`` value
  without a name is named ``P0_3``. ``allmotors()`` lists the motors that have
  a position, paired with ``allmotorpos()``.
- A file without ``#F``: ``fileheader()`` is empty; PyMca returns the first
  scan's header lines.
- What is not there raises ``KeyError`` or ``IndexError`` (both ``LookupError``,
  also named ``error`` here) instead of PyMca's ``specfile.error``.
- ``header()`` and ``fileheader()`` with no argument give every line (PyMca
  requires the argument; silx's wrapper allows leaving it out).
"""

from __future__ import annotations

import builtins
import operator
import os
import re
from collections.abc import Iterator, Sequence

import numpy as np

import beamio
from beamio import Dataset, File, HeaderEntry

from ._scan import fit_labels, split_labels, unique_names

__all__ = ["Scan", "Specfile", "error"]

#: What ``except specfile.error`` catches: every lookup that fails here raises a LookupError.
error = LookupError

# What PyMca's ``sscanf("%d.%d")`` accepts: "3", "3.2", " 3.2".
_KEY = re.compile(r"\s*([+-]?\d+)(?:\.([+-]?\d+))?")


def _ranges(numbers: Sequence[int]) -> str:
    """``[1, 2, 3, 5, 1]`` → ``"1:3,5,1"``: runs of consecutive numbers written first:last."""
    runs: list[list[int]] = []
    for number in numbers:
        if runs and number - runs[-1][-1] == 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    return ",".join(str(run[0]) if len(run) == 1 else f"{run[0]}:{run[-1]}" for run in runs)


def _lines(entries: Sequence[HeaderEntry], key: str) -> list[str]:
    """The original ``#`` lines of ``entries`` whose text after ``#`` starts with ``key``."""
    raws = [e.raw if e.raw is not None else f"#{e.key} {e.value}" for e in entries]
    return [raw for raw in raws if raw[1:].startswith(key)]


class Specfile:
    """A SPEC file as PyMca's ``specfile.Specfile`` showed it: scans by index and by "number.order"."""

    # ``list`` is one of PyMca's method names, so annotations in this class say ``builtins.list``.

    def __init__(self, filename: str | os.PathLike[str]) -> None:
        self.file: File = beamio.open(filename, "spec")

    def close(self) -> None:
        """Close the file."""
        self.file.close()

    def __enter__(self) -> Specfile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __len__(self) -> int:
        """The number of scans."""
        return len(self.file)

    def __getitem__(self, index: int) -> Scan:
        """The scan at 0-based ``index`` (negative counts from the end)."""
        return Scan(self, operator.index(index))

    def __iter__(self) -> Iterator[Scan]:
        """The scans in file order."""
        return (Scan(self, i) for i in range(len(self)))

    def __repr__(self) -> str:
        return f"<Specfile {self.file.path!r} ({len(self)} scans)>"

    def scanno(self) -> int:
        """The number of scans."""
        return len(self.file)

    def keys(self) -> builtins.list[str]:
        """The scan keys "number.order" in file order (silx's ``SpecFile.keys``)."""
        return list(self.file)

    def list(self) -> str:
        """The scan numbers in file order, runs written first:last: ``"1:3,5,1"``."""
        return _ranges([int(key.split(".")[0]) for key in self.file])

    def select(self, key: str) -> Scan:
        """The scan ``"number.order"``; ``"number"`` alone is order 1."""
        match = _KEY.match(key)
        if match is None:
            raise KeyError(f"{self.file.path}: {key!r} is not a scan key such as '3.1'")
        wanted = f"{int(match.group(1))}.{int(match.group(2) or 1)}"
        keys = self.keys()
        if wanted not in keys:
            raise KeyError(f"{self.file.path} has no scan {wanted}; its scans: {', '.join(keys[:10])}")
        return Scan(self, keys.index(wanted))

    def allmotors(self) -> builtins.list[str]:
        """The motor names of the first scan."""
        return self[0].allmotors() if len(self) else []

    def date(self) -> str:
        """The file header's ``#D`` date."""
        return self._header_value("D")

    def epoch(self) -> int:
        """The file header's ``#E`` epoch (seconds since 1970)."""
        return int(self._header_value("E").split()[-1])

    def _header_value(self, key: str) -> str:
        if key not in self.file.header:
            raise KeyError(f"{self.file.path}: the file header has no #{key} line")
        return str(self.file.header[key])

    def _file_header(self, index: int) -> builtins.list[str]:
        """The lines of the file header that governs scan ``index`` (the latest before it)."""
        blocks: builtins.list[tuple[int, builtins.list[HeaderEntry]]] = []
        for entry in self.file.header.entries:
            before = entry.row or 0  # later header blocks say how many scans precede them
            if entry.key == "F" or not blocks or blocks[-1][0] != before:
                blocks.append((before, []))
            blocks[-1][1].append(entry)
        governing = [entries for before, entries in blocks if before <= index]
        return _lines(governing[-1], "") if governing else []


class Scan:
    """One scan as PyMca's ``scandata`` showed it; ``dataset`` is the beamio Dataset."""

    def __init__(self, specfile: Specfile, index: int) -> None:
        count = len(specfile)
        if not -count <= index < count:
            raise IndexError(f"{specfile.file.path} has {count} scans; index {index} is out of range")
        self.file = specfile
        self.index = index % count
        self.dataset: Dataset = specfile.file[self.index]

    def __repr__(self) -> str:
        return f"<Scan {self.dataset.key} of {self.file.file.path!r}>"

    def _where(self) -> str:
        return f"{self.file.file.path}, scan {self.dataset.key}"

    # -- identity ------------------------------------------------------------------------------
    def number(self) -> int:
        """The scan number (``#S 3`` → 3)."""
        return int(self.dataset.key.split(".")[0])

    def order(self) -> int:
        """Which occurrence of its number this scan is: 2 for the second ``#S 3``."""
        return int(self.dataset.key.split(".")[1])

    def command(self) -> str:
        """The ``#S`` line after the scan number, as written (trailing blanks kept, as PyMca does)."""
        if "S" not in self.dataset.header:
            return self.dataset.title
        raw = self.dataset.header.entry("S").raw
        words = (raw or "").split(None, 2)
        return words[2] if len(words) > 2 else ""

    def date(self) -> str:
        """The scan's ``#D`` date."""
        if "D" not in self.dataset.header:
            raise KeyError(f"{self._where()} has no #D line")
        return str(self.dataset.header["D"])

    def hkl(self) -> tuple[float, float, float]:
        """The ``#Q`` H, K, L at the start of the scan."""
        values = self.dataset.header.get_floats("Q", [])
        if len(values) < 3:
            raise KeyError(f"{self._where()} has no #Q line with three values")
        return values[0], values[1], values[2]

    # -- header lines --------------------------------------------------------------------------
    def header(self, key: str = "") -> list[str]:
        """The scan's ``#`` lines starting with ``#key`` (all for ""); the file header's if it has none."""
        found = _lines(self.dataset.header.entries, key)
        if found or not key:
            return found
        return self.fileheader(key)

    def fileheader(self, key: str = "") -> list[str]:
        """The lines of the governing file header starting with ``#key`` (all for "")."""
        return [line for line in self.file._file_header(self.index) if line[1:].startswith(key)]

    # -- columns -------------------------------------------------------------------------------
    def alllabels(self) -> list[str]:
        """The column labels as written: repeated labels stay repeated (``I0, I0``, not ``I0, I0_1``)."""
        names = list(self.dataset.columns)
        header = self.dataset.header
        labels = split_labels(header["L"]) if "L" in header else None
        written = fit_labels(labels, len(names), header)[0]
        return written if unique_names(written) == names else names

    def cols(self) -> int:
        """The number of columns."""
        return len(self.dataset.columns)

    def lines(self) -> int:
        """The number of data lines (points)."""
        columns = self.dataset.columns
        return len(next(iter(columns.values()))) if len(columns) else 0

    def data(self) -> np.ndarray:
        """All the numbers, columns × points."""
        columns = self.dataset.columns
        if not len(columns):
            return np.empty((0, 0))
        return np.array([columns[name] for name in columns], dtype=np.float64)

    def datacol(self, col: int | str) -> np.ndarray:
        """One column: by label (the first of that name), or by number from 1 (negative from the end)."""
        names = list(self.dataset.columns)
        if isinstance(col, str):
            labels = self.alllabels()
            if col in labels:
                return self.dataset.columns[names[labels.index(col)]].copy()
            if col in names:
                return self.dataset.columns[col].copy()
            raise KeyError(f"{self._where()} has no column {col!r}; its labels: {', '.join(labels)}")
        number = operator.index(col)
        if not (1 <= number <= len(names) or -len(names) <= number <= -1):
            raise IndexError(f"{self._where()} has {len(names)} columns; column {number} is out of range")
        return self.dataset.columns[names[number - 1 if number > 0 else number]].copy()

    def dataline(self, line: int) -> np.ndarray:
        """One data line (point), numbered from 1 (negative from the end)."""
        count = self.lines()
        number = operator.index(line)
        if not (1 <= number <= count or -count <= number <= -1):
            raise IndexError(f"{self._where()} has {count} data lines; line {number} is out of range")
        point = number - 1 if number > 0 else number
        columns = self.dataset.columns
        return np.array([columns[name][point] for name in columns], dtype=np.float64)

    def __len__(self) -> int:
        """The number of columns (PyMca's ``len(scan)``)."""
        return self.cols()

    def __getitem__(self, index: int) -> np.ndarray:
        """Column ``index``, from 0 (PyMca's ``scan[i]``)."""
        number = operator.index(index)
        return self.datacol(number + 1 if number >= 0 else number)

    # -- motors --------------------------------------------------------------------------------
    def allmotors(self) -> list[str]:
        """The names of the motors with a ``#P`` position, in order."""
        return list(self.dataset.positioners)

    def allmotorpos(self) -> list[float]:
        """The ``#P`` positions, in the order of :meth:`allmotors`."""
        return [float(value) for value in self.dataset.positioners.values()]

    def motorpos(self, name: str) -> float:
        """The ``#P`` position of motor ``name``."""
        positioners = self.dataset.positioners
        if name not in positioners:
            raise KeyError(f"{self._where()} has no position for motor {name!r}")
        return float(positioners[name])

    # -- MCA spectra ---------------------------------------------------------------------------
    def nbmca(self) -> int:
        """The number of MCA spectra in the scan (points × MCAs per point)."""
        return sum(spectrum.counts.shape[0] for spectrum in self.dataset.spectra.values())

    def mca(self, number: int) -> np.ndarray:
        """The ``number``-th spectrum of the scan in file order, from 1 (see the module notes)."""
        spectra = list(self.dataset.spectra.values())
        total = self.nbmca()
        number = operator.index(number)
        if not 1 <= number <= total:
            raise IndexError(f"{self._where()} has {total} MCA spectra; spectrum {number} is out of range")
        points = [spectrum.counts.shape[0] for spectrum in spectra]
        if len(set(points)) == 1:
            point, which = divmod(number - 1, len(spectra))
        else:  # MCAs with different spectrum counts: interleave while each lasts
            order = [(p, j) for p in range(max(points)) for j in range(len(spectra)) if p < points[j]]
            point, which = order[number - 1]
        return np.asarray(spectra[which].counts[point], dtype=np.float64)
