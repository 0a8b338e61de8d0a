"""One SPEC scan block → a Dataset: header lines, labelled columns, positioners and MCA spectra."""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from typing import Any

import attrs
import numpy as np

from beamio import (
    Calibration,
    Dataset,
    Diagnostics,
    Guard,
    Header,
    HeaderEntry,
    LazyArray,
    LazyMapping,
    Spectrum,
)

from ._lines import Block, split_block
from ._numbers import format_number, parse_rows, parse_token, parse_whole

__all__ = ["ScanSource", "build_scan", "fit_labels", "split_labels", "unique_names"]

_TWO_SPACES = re.compile(r"\s{2,}|\t")


def split_labels(text: str) -> list[str]:
    """SPEC names are separated by two spaces (a name may hold one space)."""
    return [name for name in _TWO_SPACES.split(text.strip()) if name]


def unique_names(names: Sequence[str]) -> list[str]:
    """Keep repeated names distinct: ``I0, I0`` → ``I0, I0_1``."""
    seen: set[str] = set()
    suffixes: dict[str, int] = {}  # the last suffix given to a name: ten thousand "a" stay linear
    out = []
    for name in names:
        candidate, n = name, suffixes.get(name, 0)
        if n:
            candidate = f"{name}_{n}"
        while candidate in seen:
            n += 1
            candidate = f"{name}_{n}"
        suffixes[name] = n
        seen.add(candidate)
        out.append(candidate)
    return out


def spec_date(text: str) -> str | None:
    """``Mon Nov 25 08:01:00 2024`` → ``2024-11-25T08:01:00`` (None if it is not that form)."""
    try:
        return datetime.datetime.strptime(" ".join(text.split()[:5]), "%a %b %d %H:%M:%S %Y").isoformat()
    except ValueError:
        return None


@attrs.frozen
class ScanSource:
    """What building one scan needs: its bytes, its place, and what its file header says."""

    path: str
    key: str
    data: bytes
    first_line: int
    file_header: tuple[HeaderEntry, ...]
    log: Diagnostics
    guard: Guard


def build_scan(source: ScanSource) -> Dataset:
    """The Dataset of one scan; its numbers are parsed on first access."""
    block = split_block(source.data, source.first_line)
    header = Header(block.entries, origin=f"{source.path}, scan {source.key}")
    command = header.get("S", "")
    title = command.split(None, 1)[1].strip() if len(command.split(None, 1)) > 1 else ""
    labels = split_labels(header["L"]) if "L" in header else None
    _unwrap_rows(block, header)
    width = _expected_width(block, labels)
    fitted, problem = fit_labels(labels, width, header)
    _check_declared_columns(block, _named_by_l(labels, fitted, header), header, source)
    if problem:
        source.log.report(problem, line=_line_of(block, "L"))
    names = unique_names(fitted)
    columns = LazyMapping(lambda: _columns(block, labels, width, header, source), names, guard=source.guard)
    return Dataset(
        source.key,
        title,
        header,
        columns=columns,
        positioners=_named(block, header, source, "O", "P"),
        instrument=_instrument(block, header, source),
        spectra=_spectra(block, header, source),
        start_time=spec_date(header["D"]) if "D" in header else None,
        diagnostics=source.log,
    )


# -- columns -----------------------------------------------------------------------------------
def _unwrap_rows(block: Block, header: Header) -> None:
    """``#N 15 8``: each point's 15 values are written 8 to a line; join those lines into rows."""
    numbers = [parse_whole(w) for w in header.get("N", "").split()]
    total, per_line = numbers if len(numbers) == 2 else (None, None)
    if total is None or per_line is None or not 0 <= per_line < total:
        return
    rows, lines, pending, count, first = [], [], [], 0, None
    for text, number in zip(block.rows, block.row_lines, strict=True):
        pending.append(text)
        count += len(text.split())
        first = number if first is None else first
        if count >= total:
            rows.append(b" ".join(pending))
            lines.append(first)
            pending, count, first = [], 0, None
    if pending:
        rows.append(b" ".join(pending))
        lines.append(first if first is not None else 0)
    block.rows, block.row_lines = rows, lines


def block_declared_columns(block: Block) -> int | None:
    """The column count #N declares, if it is a number."""
    for entry in block.entries:
        if entry.key == "N" and entry.value.split():
            declared = parse_whole(entry.value.split()[0])
            return declared if declared is not None and declared >= 0 else None
    return None


def _expected_width(block: Block, labels: list[str] | None) -> int:
    """The scan's column count: #L's when the first or last row agrees, else the first row's."""
    if not block.rows:
        # Without data, #N only decides between two-space and one-space labels: a header
        # value never sizes anything by itself.
        declared = block_declared_columns(block)
        words = [e.value.split() for e in block.entries if e.key == "L"]
        if labels and words and declared == len(words[0]):
            return declared
        return len(labels) if labels else 0
    ends = {len(block.rows[0].split()), len(block.rows[-1].split())}
    return len(labels) if labels and len(labels) in ends else len(block.rows[0].split())


def _columns(
    block: Block, labels: list[str] | None, width: int, header: Header, source: ScanSource
) -> dict[str, np.ndarray]:
    rows = block.rows
    table = None
    parsed = parse_rows(rows) if rows else None
    if parsed is not None and bool(np.all(parsed[1] == width)):
        table = parsed[0].reshape(len(rows), width)
    if table is None:
        table = _lenient_table(block, width, source)
    names = fit_labels(labels, width, header)[0]
    return {name: table[:, i].copy() for i, name in enumerate(unique_names(names))}


def _named_by_l(labels: list[str] | None, fitted: list[str], header: Header) -> int:
    """How many names #L gives, as read: separated by two spaces, or by one when the data says so."""
    if not labels:
        return 0
    single = header["L"].split()
    return len(single) if len(single) != len(labels) and fitted[: len(single)] == single else len(labels)


def _check_declared_columns(block: Block, named: int, header: Header, source: ScanSource) -> None:
    if named and "N" in header and header["N"].split():
        declared = parse_token(header["N"].split()[0])
        if declared is not None and declared != named:
            source.log.report(
                f"#N says {format_number(declared)} columns, #L names {named}", line=_line_of(block, "N")
            )


def _line_of(block: Block, key: str) -> int | None:
    for entry, line in zip(block.entries, block.entry_lines, strict=True):
        if entry.key == key:
            return line
    return None


def _lenient_table(block: Block, width: int, source: ScanSource) -> np.ndarray:
    """Rows of another length or with bad tokens: keep what can be kept, say what was not.

    The rule: a row with another number of values than the scan's columns is left
    out; a value that is not a number (``None``, ``1O01``) is read as NaN. Each is
    a diagnostic with its line (strict mode: an error).
    """
    log = source.log
    kept: list[list[float]] = []
    for row_text, number in zip(block.rows, block.row_lines, strict=True):
        tokens = row_text.split()
        if len(tokens) != width:
            log.report(f"{len(tokens)} values where the scan has {width} columns; row left out", line=number)
            continue
        row = []
        for column, token in enumerate(tokens, 1):
            value = parse_token(token)
            if value is None:
                log.report(
                    f"{token.decode('latin-1')!r} is not a number; read as NaN", line=number, column=column
                )
                value = float("nan")
            row.append(value)
        kept.append(row)
    return np.array(kept, dtype=np.float64).reshape(len(kept), width)


def fit_labels(labels: list[str] | None, width: int, header: Header) -> tuple[list[str], str | None]:
    """Column names for ``width`` columns, and what did not fit (None when all did)."""
    if labels is None:
        return [f"column_{i}" for i in range(1, width + 1)], None
    if len(labels) == width:
        return labels, None
    single = header["L"].split()
    if len(single) == width:
        return single, f"#L labels are separated by single spaces; read as {width} one-word labels"
    if len(labels) > width:
        return labels[:width], f"#L names {len(labels)} columns, the data has {width}; the last name no data"
    if len(labels) < len(single) < width:
        return (
            single + [f"column_{i}" for i in range(len(single) + 1, width + 1)],
            f"#L labels are separated by single spaces; {len(single)} labels for {width} columns,"
            " the others are named column_N",
        )
    return (
        labels + [f"column_{i}" for i in range(len(labels) + 1, width + 1)],
        f"#L names {len(labels)} columns, the data has {width}; the others are named column_N",
    )


# -- positioners, parameters, mnemonics ---------------------------------------------------------
def _lines_of(entries: Any, letter: str) -> dict[int, str]:
    """``{0: text of #O0, 1: text of #O1 …}`` for one letter."""
    return {n: e.value for e in entries if e.key[:1] == letter and (n := _line_number(e.key)) is not None}


def _line_number(key: str) -> int | None:
    """``P12`` → 12: the number of a #O, #P, #H, #V … line (None when the rest is not digits)."""
    number = parse_whole(key[1:])
    return number if key[1:2].isdigit() else None


def _named(block: Block, header: Header, source: ScanSource, names: str, values: str) -> dict[str, Any]:
    """#P0… values named by #O0… (or #V0… by #H0…): the scan's own name lines first, else its file header's.

    Names are separated by two spaces (one name may hold one space); when that leaves
    fewer names than values and single spaces give exactly as many, single spaces it is.
    """
    names_of = _lines_of(header.entries, names) or _lines_of(source.file_header, names)
    every_label: list[str] = []
    every_value: list[Any] = []
    for entry in header.entries:
        index = _line_number(entry.key)
        if entry.key[:1] != values or index is None:
            continue
        line = _line_of(block, entry.key)
        numbers: list[Any] = []
        for token in entry.value.split():
            number = parse_token(token)
            if number is None and values == "P":
                source.log.report(f"#{entry.key} value {token!r} is not a number; read as NaN", line=line)
                number = float("nan")
            numbers.append(token if number is None else number)
        text = names_of.get(index, "")
        labels = split_labels(text)
        if len(labels) < len(numbers) and len(text.split()) == len(numbers):
            source.log.report(
                f"#{names}{entry.key[1:]} names are separated by single spaces", line=line, severity="info"
            )
            labels = text.split()
        if len(numbers) > len(labels):
            source.log.report(
                f"#{entry.key} gives {len(numbers)} values for {len(labels)} names in #{names}", line=line
            )
            labels = labels + [f"{entry.key}_{i}" for i in range(len(labels), len(numbers))]
        every_label.extend(labels[: len(numbers)])
        every_value.extend(numbers)
    return dict(zip(unique_names(every_label), every_value, strict=True))


def _mnemonics(header: Header, source: ScanSource, names: str, short: str) -> dict[str, str]:
    """``{"tth": "2-theta"}`` from #o0/#O0 (motors) or #j0/#J0 (counters)."""
    entries = [*source.file_header, *header.entries]
    long_lines, short_lines = _lines_of(entries, names), _lines_of(entries, short)
    out: dict[str, str] = {}
    for index, text in short_lines.items():
        out.update(zip(text.split(), split_labels(long_lines.get(index, "")), strict=False))
    return out


def _instrument(block: Block, header: Header, source: ScanSource) -> dict[str, Any]:
    out: dict[str, Any] = {}
    parameters = _named(block, header, source, "H", "V")
    if parameters:
        out["parameters"] = parameters
    for name, (names, short) in {"positioner_mnemonics": ("O", "o"), "counter_mnemonics": ("J", "j")}.items():
        mnemonics = _mnemonics(header, source, names, short)
        if mnemonics:
            out[name] = mnemonics
    return out


# -- MCA spectra -------------------------------------------------------------------------------
def _mca_settings(block: Block, key: str, source: ScanSource) -> list[list[float]]:
    """The numbers of each ``#@CHANN`` (or other) line, up to the first word that is not one.

    A name may follow the numbers (``#@CALIB 0.1 0.02 0 mca1``); a word that is not a
    number before others that are would shift them, so those are left out, and said.
    """
    out = []
    for entry, line in zip(block.entries, block.entry_lines, strict=True):
        if entry.key != key:
            continue
        words = entry.value.split()
        numbers = [parse_token(w) for w in words]
        count = numbers.index(None) if None in numbers else len(numbers)
        if any(n is not None for n in numbers[count:]):
            source.log.report(
                f"#{key} value {words[count]!r} is not a number; the values after it are left out", line=line
            )
        out.append([n for n in numbers[:count] if n is not None])
    return out


def _pick(settings: list[list[float]], k: int) -> list[float] | None:
    """The k-th MCA's #@ line, or the last one when there are fewer lines than MCAs."""
    return settings[min(k, len(settings) - 1)] if settings else None


def _spectra(block: Block, header: Header, source: ScanSource) -> dict[str, Spectrum]:
    chann, calib, ctime = (_mca_settings(block, k, source) for k in ("@CHANN", "@CALIB", "@CTIME"))
    out: dict[str, Spectrum] = {}
    for k, (mca_id, spectra) in enumerate(block.spectra.items()):
        channels_setting = _pick(chann, k)
        n_channels = len(spectra[0][1].split())
        if channels_setting and channels_setting[0] != n_channels:  # nan too: no channel count
            source.log.report(
                f"MCA @{mca_id}: #@CHANN says {format_number(channels_setting[0])} channels,"
                f" the spectrum has {n_channels}",
                line=spectra[0][0],
            )
            channels_setting = None
        channels = None
        if channels_setting and len(channels_setting) >= 2:
            first = channels_setting[1]
            step = channels_setting[3] if len(channels_setting) >= 4 and channels_setting[3] > 0 else 1
            channels = first + step * np.arange(n_channels)
        coefficients = _pick(calib, k) or []
        calibration = Calibration(*coefficients[:3]) if len(coefficients) >= 2 else Calibration()
        times = _pick(ctime, k) or []
        npoints = len(block.rows)
        if npoints and len(spectra) != npoints:
            source.log.report(
                f"MCA @{mca_id}: {len(spectra)} spectra for {npoints} data points", line=spectra[0][0]
            )
        counts = LazyArray(
            (len(spectra), n_channels),
            np.float64,
            _spectra_reader(spectra, n_channels, mca_id, source),
            guard=source.guard,
            name=f"mca_{k}",
        )
        out[f"mca_{k}"] = Spectrum(
            counts,
            channels=channels,
            calibration=calibration,
            preset_time=times[0] if len(times) > 0 else None,
            live_time=times[1] if len(times) > 1 else None,
            real_time=times[2] if len(times) > 2 else None,
            header=Header([("mca", f"@{mca_id}")]),
        )
    return out


def _spectra_reader(spectra: list[tuple[int, bytes]], n: int, mca_id: str, source: ScanSource) -> Any:
    parsed: list[np.ndarray] = []

    def read(key: Any) -> np.ndarray:
        if not parsed:
            parsed.append(_parse_spectra(spectra, n, mca_id, source))
        return parsed[0][key]

    return read


def _parse_spectra(spectra: list[tuple[int, bytes]], n: int, mca_id: str, source: ScanSource) -> np.ndarray:
    parsed = parse_rows([text for _, text in spectra])
    if parsed is not None and bool(np.all(parsed[1] == n)):
        return parsed[0].reshape(len(spectra), n)
    table = np.full((len(spectra), n), np.nan)
    for i, (line, text) in enumerate(spectra):
        tokens = text.split()
        row = [parse_token(t) for t in tokens]
        if any(v is None for v in row):
            bad = next(t for t, v in zip(tokens, row, strict=True) if v is None)
            source.log.report(
                f"MCA @{mca_id}: {bad.decode('latin-1')!r} is not a number; read as NaN", line=line
            )
        if len(row) != n:
            source.log.report(f"MCA @{mca_id}: {len(row)} channels where {n} are expected", line=line)
        count = min(n, len(row))
        table[i, :count] = [np.nan if v is None else v for v in row[:count]]
    return table
