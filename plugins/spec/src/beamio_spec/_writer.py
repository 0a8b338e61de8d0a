"""SpecWriter: any Dataset with columns as a SPEC scan; SPEC's own lines written back verbatim."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterable, Iterator
from typing import Any, ClassVar, TextIO

import numpy as np

from beamio import Dataset, File, FormatWriter, Header, HeaderEntry, Option, Target

from ._numbers import format_column, format_number
from ._scan import fit_labels, split_labels, unique_names

__all__ = ["SpecWriter"]

_PER_LINE = 8  # motor names per #O line, as SPEC writes them
_MCA_PER_LINE = 16  # MCA values per @A line before a "\" continuation
# Lines the writer derives from the model when the model and the original disagree.
_DERIVED = ("S", "N", "L")


def _is_spec_line(entry: HeaderEntry) -> bool:
    return entry.raw is not None and entry.raw.startswith("#")


def _generated(entry: HeaderEntry) -> str:
    """A header entry that did not come from SPEC, kept as a ``#MD key = value`` line."""
    key, value = (" ".join(str(text).replace("\r", "\n").split("\n")) for text in (entry.key, entry.value))
    return f"#MD {key} = {value}"  # one line: a line break would start a data row


def _number_of(key: str, fallback: int) -> int:
    head = key.split(".")[0]
    return int(head) if head.isdigit() else fallback


class SpecWriter(FormatWriter):
    """Writes SPEC files: a file header, then one #S block per Dataset."""

    options: ClassVar[dict[str, Option]] = {
        "append": Option(
            False, bool, "add the scans at the end of an existing file, numbered after its last"
        ),
    }

    def write(self, file: File, target: Target) -> None:
        """Write (or, with append, copy and extend) the SPEC file in ``target.temp``."""
        appending = bool(self.settings["append"]) and target.path.exists()
        next_number = 1
        with open(target.temp, "w", encoding="utf-8", errors="surrogateescape", newline="\n") as out:
            if appending:
                with open(target.path, encoding="utf-8", errors="surrogateescape", newline="") as old:
                    shutil.copyfileobj(old, out)
                next_number = _last_scan_number(target.path) + 1
                out.write("\n")
                later: dict[int, list[HeaderEntry]] = {}
                motors: list[str] = []
            else:
                later, motors = self._file_header(file, out, target)
            for i, ds in enumerate(file.datasets):
                for entry in later.pop(i, []):
                    out.write(_raw_or_generated(entry) + "\n")
                number = next_number + i if appending else _number_of(ds.key, i + 1)
                self._scan(ds, number, motors, out)
            # File-header blocks after the last scan: the file ends with them, as it did.
            for row in sorted(later):
                out.write("\n" + "".join(_raw_or_generated(entry) + "\n" for entry in later[row]))

    # -- file header -----------------------------------------------------------------------------
    def _file_header(
        self, file: File, out: TextIO, target: Target
    ) -> tuple[dict[int, list[HeaderEntry]], list[str]]:
        """Write the first file-header block; return the later blocks by the scan they precede."""
        later: dict[int, list[HeaderEntry]] = {}
        first = [e for e in file.header.entries if not e.row]
        for entry in file.header.entries:
            if entry.row:
                later.setdefault(entry.row, []).append(entry)
        spec_lines = [e for e in first if _is_spec_line(e)]
        motors = [n for e in first if e.key[:1] == "O" and e.key[1:].isdigit() for n in split_labels(e.value)]
        # Scans that came from SPEC (through NeXus, say) keep their file header as it was, even none.
        from_spec = file.format == "spec" or any(
            _is_spec_line(e) for ds in file.datasets[:1] for e in ds.header.entries
        )
        if not from_spec and not any(e.key == "F" for e in spec_lines):
            out.write(f"#F {os.path.basename(target.path)}\n#E {int(time.time())}\n")
            out.write(f"#D {time.strftime('%a %b %d %H:%M:%S %Y')}\n#C written by beamio\n")
            if not motors:
                motors = _motor_names(file.datasets)
                names = self._held_names(motors, "motor", "motor names")
                for n in range(0, len(names), _PER_LINE):
                    out.write(f"#O{n // _PER_LINE} " + "  ".join(names[n : n + _PER_LINE]) + "\n")
        for entry in first:
            out.write(_raw_or_generated(entry) + "\n")
        return later, motors

    # -- one scan --------------------------------------------------------------------------------
    def _scan(self, ds: Dataset, number: int, motors: list[str], out: TextIO) -> None:
        columns = self._columns(ds)
        self._check_lossless(ds, columns)
        header = ds.header
        inside = [e for e in header.entries if e.row is not None]
        before = [e for e in header.entries if e.row is None]
        if "L" in header:
            labels_match = _labels_read_as(header, len(columns)) == list(columns)
        else:
            labels_match = not columns  # a #N line alone stays as it was
        title = " ".join(ds.title.replace("\r", "\n").split("\n")).strip()
        if title != ds.title:
            self.lossy(
                f"scan {ds.key}: a #S line holds one line of title without surrounding blanks: {title!r}"
            )
        out.write("\n" + _s_line(header, number, title) + "\n")
        wrote_labels = False
        for entry in before:
            if entry.key == "S":
                continue
            if entry.key in ("N", "L") and not labels_match:
                if entry.key == "L":
                    names = self._held_names(list(columns), "column", f"scan {ds.key}: column names")
                    out.write(_labels(dict(zip(names, columns.values(), strict=True))))
                    wrote_labels = True
                continue
            out.write(_raw_or_generated(entry) + "\n")
            wrote_labels = wrote_labels or entry.key == "L"
        if not any(e.key[:1] == "P" and e.key[1:].isdigit() for e in before) and ds.positioners:
            unnamed = [m for m in ds.positioners if m not in motors]
            if unnamed:
                self.lossy(
                    f"scan {ds.key}: the file's #O lines name no motor {unnamed}; their #P values go unnamed"
                )
            out.write(_p_lines(ds.positioners, motors))
        if not any(e.key.startswith("@") for e in before):
            self.check_spectra(ds)
            out.write(_mca_header(ds.spectra))
        if not wrote_labels and columns:
            out.write(
                _labels(
                    dict(
                        zip(
                            self._held_names(list(columns), "column", f"scan {ds.key}: column names"),
                            columns.values(),
                            strict=True,
                        )
                    )
                )
            )
        self._rows(columns, ds.spectra, inside, out)

    def _columns(self, ds: Dataset) -> dict[str, np.ndarray]:
        """The columns as SPEC's numbers (float64), saying which do not keep their values."""
        columns, changed = {}, []
        for name, values in ds.columns.items():
            columns[name], exact = _as_float64(values)
            if not exact:
                changed.append(name)
        if changed:
            self.lossy(
                f"scan {ds.key}: SPEC numbers are 64-bit floats; columns {changed} do not keep their values"
            )
        return columns

    def _held_names(self, names: list[str], fallback: str, what: str) -> list[str]:
        """Names as SPEC's #L and #O lines give them back: words separated by single spaces, each once."""
        held = unique_names([" ".join(n.split()) or f"{fallback}_{i}" for i, n in enumerate(names, 1)])
        if held != names:
            changed = [f"{a!r} as {b!r}" for a, b in zip(names, held, strict=True) if a != b]
            self.lossy(f"{what} are words separated by single spaces: {', '.join(changed)}")
        return held

    def _check_lossless(self, ds: Dataset, columns: dict[str, np.ndarray]) -> None:
        if ds.frames is not None:
            self.lossy(f"scan {ds.key}: SPEC has no images; the {ds.frames.shape} frame stack is left out")
        arrays = [name for name, value in ds.positioners.items() if np.ndim(value) > 0]
        if arrays:
            self.lossy(
                f"scan {ds.key}: positioners {arrays} vary along the scan; SPEC #P holds one value each"
            )
        changed = [name for name, value in ds.positioners.items() if not _as_float64(np.ravel(value)[:1])[1]]
        if changed:
            self.lossy(f"scan {ds.key}: SPEC numbers are 64-bit floats; positioners {changed} change")
        lengths = {len(v) for v in columns.values()}
        if len(lengths) > 1:
            raise ValueError(
                f"scan {ds.key}: columns of unequal lengths {sorted(lengths)} cannot be one SPEC table"
            )
        if any(v.ndim != 1 for v in columns.values()):
            raise ValueError(f"scan {ds.key}: SPEC columns are 1-D")

    def check_spectra(self, ds: Dataset, *, rois: bool = False) -> None:
        """Say what the #@ lines made for spectra from elsewhere cannot hold (``rois``: their ROIs too)."""
        for name, spectrum in ds.spectra.items():
            where = f"scan {ds.key} MCA {name}"
            channels = np.asarray(spectrum.channels, dtype=np.float64)
            step = channels[1] - channels[0] if len(channels) > 1 else 1.0
            if step <= 0 or not np.array_equal(channels, channels[:1] + step * np.arange(len(channels))):
                self.lossy(
                    f"{where}: #@CHANN holds channels rising by a step; they are written from the first two"
                )
            times = [getattr(spectrum, t) for t in ("preset_time", "live_time", "real_time")]
            if any(np.ndim(t) for t in times if t is not None):
                self.lossy(
                    f"{where}: #@CTIME holds one preset, live and real time; times per point are left out"
                )
            elif any(t is None for t in times) and any(t is not None for t in times):
                self.lossy(
                    f"{where}: #@CTIME holds the preset, live and real times together; unknown ones"
                    " are written as 0"
                )
            if spectrum.start_time is not None:
                self.lossy(
                    f"{where}: SPEC holds no start time of a spectrum; {spectrum.start_time!r} is left out"
                )
            if spectrum.rois and not rois:
                self.lossy(f"{where}: a SPEC scan holds no ROIs (the mca format's SPEC-style files do)")

    def _rows(
        self, columns: dict[str, np.ndarray], spectra: Any, inside: list[HeaderEntry], out: TextIO
    ) -> None:
        texts = [format_column(values) for values in columns.values()]
        table = [" ".join(row) for row in zip(*texts, strict=True)] if texts else []
        counts = [
            (mca_id, np.asarray(s.counts))
            for mca_id, s in zip(_mca_ids(spectra), spectra.values(), strict=True)
        ]
        counts = [(mca_id, c.reshape(1, -1) if c.ndim == 1 else c) for mca_id, c in counts]
        points = max([len(table), *(len(c) for _, c in counts)])
        pending = sorted(inside, key=lambda e: e.row or 0)
        for i in range(points):
            while pending and (pending[0].row or 0) <= i:
                out.write(_raw_or_generated(pending.pop(0)) + "\n")
            if i < len(table):
                out.write(table[i] + "\n")
            for mca_id, values in counts:
                if i < len(values):
                    out.write(_mca_line(mca_id, values[i]))
        for entry in pending:
            out.write(_raw_or_generated(entry) + "\n")


def _as_float64(values: Any) -> tuple[np.ndarray, bool]:
    """``values`` as SPEC's numbers (float64), and whether they are the same numbers."""
    array = np.asarray(values)
    if array.dtype.kind == "c":
        return array.real.astype(np.float64), not np.any(array.imag)
    floats = array.astype(np.float64)
    if array.dtype.kind not in "iu":
        return floats, True
    with np.errstate(invalid="ignore"):  # 2**64 does not cast back: it is not the same number
        return floats, bool(np.array_equal(floats.astype(array.dtype), array))


def _raw_or_generated(entry: HeaderEntry) -> str:
    return entry.raw if entry.raw is not None and entry.raw.startswith("#") else _generated(entry)


def _labels_read_as(header: Header, width: int) -> list[str]:
    """The column names the reader gives a #L line for ``width`` columns."""
    return unique_names(fit_labels(split_labels(header["L"]), width, header)[0])


def _labels(columns: dict[str, np.ndarray]) -> str:
    return f"#N {len(columns)}\n#L " + "  ".join(columns) + "\n"


def _s_line(header: Header, number: int, title: str) -> str:
    if "S" in header:
        raw = header.entry("S").raw or ""
        words = raw.split()
        if len(words) > 1 and words[1] == str(number):
            return raw
    return f"#S {number}  {title}".rstrip()


def _motor_names(datasets: Iterable[Dataset]) -> list[str]:
    names: list[str] = []
    for ds in datasets:
        names.extend(n for n in ds.positioners if n not in names)
    return names


def _p_lines(positioners: Any, motors: list[str]) -> str:
    order = [m for m in motors if m in positioners] + [m for m in positioners if m not in motors]
    first = [np.ravel(positioners[m])[:1] for m in order]  # an empty array: NaN (said: it is an array)
    values = [format_number(float(_as_float64(v)[0][0]) if v.size else float("nan")) for v in first]
    return "".join(
        f"#P{n // _PER_LINE} " + " ".join(values[n : n + _PER_LINE]) + "\n"
        for n in range(0, len(values), _PER_LINE)
    )


def _mca_ids(spectra: Any) -> list[str]:
    """Each spectrum's ``@A`` id: its own (from SPEC), else by its place (@A1, @A2 …; @A alone), each once."""
    ids: list[str] = []
    for k, spectrum in enumerate(spectra.values()):
        original = spectrum.header.get("mca") if "mca" in spectrum.header else None
        if isinstance(original, str) and original.startswith("@") and len(original.split()) == 1:
            candidate = original
        else:
            candidate = f"@A{k + 1}" if len(spectra) > 1 else "@A"
        n = k + 1
        while candidate in ids:  # two spectra under one id would read back as one
            n += 1
            candidate = f"@A{n}"
        ids.append(candidate)
    return ids


def _mca_header(spectra: Any) -> str:
    lines = []
    for spectrum in spectra.values():
        n = spectrum.n_channels
        times = [spectrum.preset_time, spectrum.live_time, spectrum.real_time]
        plain = spectrum.channels_ is None and spectrum.calibration.is_identity
        if plain and all(t is None for t in times):
            continue  # nothing to say beyond the @A lines themselves
        channels = spectrum.channels
        first = format_number(float(channels[0])) if len(channels) else "0"
        last = format_number(float(channels[-1])) if len(channels) else "0"
        step = format_number(float(channels[1] - channels[0])) if len(channels) > 1 else "1"
        cal = spectrum.calibration
        lines.append(f"#@MCA {n}C\n#@CHANN {n} {first} {last} {step}\n")
        lines.append(f"#@CALIB {format_number(cal.a)} {format_number(cal.b)} {format_number(cal.c)}\n")
        if any(t is not None for t in times) and all(np.ndim(t) == 0 for t in times):
            lines.append("#@CTIME " + " ".join(format_number(float(t or 0)) for t in times) + "\n")
    return "".join(lines)


def _chunks(values: np.ndarray) -> Iterator[str]:
    texts = format_column(values)
    for n in range(0, len(texts), _MCA_PER_LINE):
        yield " ".join(texts[n : n + _MCA_PER_LINE])


def _mca_line(mca_id: str, values: np.ndarray) -> str:
    return mca_id + " " + "\\\n ".join(_chunks(values)) + "\n"


def _last_scan_number(path: Any) -> int:
    last = 0
    with open(path, "rb") as handle:
        for line in handle:
            if line.startswith(b"#S "):
                words = line.split()
                if len(words) > 1 and words[1].isdigit():
                    last = max(last, int(words[1]))
    return last
