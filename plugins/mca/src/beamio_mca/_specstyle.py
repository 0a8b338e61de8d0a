r"""SPEC-style .mca files, as PyMca writes them: SPEC files whose scans hold MCA spectra.

A scan gives ``#@MCA`` (values per line), ``#@CHANN`` (channels, first, last,
step), ``#@CALIB`` (a b c), ``#@CTIME`` (preset, live, real time), ``#@ROI`` (name,
first, last channel) and ``@A`` lines of counts continued by a final ``\``
(SPEC's "Standard Data File Format"). beamio-spec reads and writes all of it but
the ROIs; this module adds them, checks the counts, and lets beamio-spec do the rest.
"""

from __future__ import annotations

from typing import Any

import attrs

from beamio import Dataset, Diagnostics, File, Header, HeaderEntry, LazyArray, Roi, Source, Target
from beamio_spec._lines import header_entry
from beamio_spec._numbers import parse_whole
from beamio_spec._reader import SpecReader
from beamio_spec._writer import SpecWriter, _mca_header
from beamio_spec.plugin import FORMAT as SPEC

from ._text import check_counts

__all__ = ["read", "write"]

_STARTS = ("@CHANN", "@CALIB")  # the k-th of either begins the settings of the k-th MCA


def _mca_index(entries: Any) -> list[int]:
    """For each entry, the MCA whose settings it follows (counting #@CHANN and #@CALIB lines)."""
    seen = dict.fromkeys(_STARTS, 0)
    out = []
    for entry in entries:
        if entry.key in seen:
            seen[entry.key] += 1
        out.append(max(max(seen.values()) - 1, 0))
    return out


def rois_of(header: Header, count: int, log: Diagnostics | None = None) -> list[tuple[Roi, ...]]:
    """The ROIs of each of ``count`` MCAs from the ``#@ROI name first last`` lines."""
    out: list[list[Roi]] = [[] for _ in range(count)]
    for entry, k in zip(header.entries, _mca_index(header.entries), strict=True):
        if entry.key != "@ROI" or not count:
            continue
        words = str(entry.value).split()
        first, last = (parse_whole(w) for w in words[-2:]) if len(words) >= 3 else (None, None)
        if first is not None and last is not None and first <= last:
            out[min(k, count - 1)].append(Roi(" ".join(words[:-2]), first, last))
        elif log is not None:
            log.report(f"#@ROI {entry.value!r} is not 'name first last'; left out")
    return [tuple(rois) for rois in out]


def _checked(counts: LazyArray, log: Diagnostics, name: str) -> LazyArray:
    """``counts`` whose first read reports negative counts, by point (a SPEC scan's point is a frame)."""
    checked: list[bool] = []

    def read(key: Any) -> Any:
        if not checked:
            checked.append(True)
            whole = counts[...]
            check_counts(whole, log, lambda i: {"frame": i // max(whole.shape[-1], 1)}, f"MCA {name}")
        return counts[key]

    return LazyArray(counts.shape, counts.dtype, read, name=counts.name)


def _with_mca_details(ds: Dataset) -> None:
    rois = rois_of(ds.header, len(ds.spectra), ds.diagnostics)
    ds.spectra = {
        name: attrs.evolve(spectrum, counts=_checked(spectrum.counts, ds.diagnostics, name), rois=rois[k])
        for k, (name, spectrum) in enumerate(ds.spectra.items())
    }


def read(source: Source, strict: bool) -> File:
    """The File of a SPEC-style .mca file, read by beamio-spec, with the ROIs of its MCAs."""
    file = SpecReader(SPEC, strict=strict).read(source)
    file.each_dataset(_with_mca_details)
    return file


def _with_rois(ds: Dataset, writer: SpecWriter) -> Dataset:
    """The Dataset with ``#@ROI`` lines for its spectra's ROIs, each after its MCA's settings."""
    spectra = list(ds.spectra.values())
    if rois_of(ds.header, len(spectra)) == [s.rois for s in spectra]:
        return ds
    entries = [e for e in ds.header.entries if e.key != "@ROI"]
    if not any(e.key.startswith("@") for e in entries):
        # beamio-spec writes the #@ lines only of a scan that has none: add them here.
        writer.check_spectra(ds, rois=True)
        entries += [header_entry(line.encode()) for line in _mca_header(ds.spectra).splitlines()]
    index = _mca_index(entries)
    for k, spectrum in reversed(list(enumerate(spectra))):
        own = [i for i, e in enumerate(entries) if e.key.startswith("@") and index[i] == k]
        at = own[-1] + 1 if own else len(entries)
        names = [" ".join(r.name.split()) or f"roi_{n}" for n, r in enumerate(spectrum.rois, 1)]
        if names != [r.name for r in spectrum.rois]:
            writer.lossy(f"scan {ds.key}: a #@ROI line names a ROI by words: {names} are written")
        values = [f"{name} {r.first} {r.last}" for name, r in zip(names, spectrum.rois, strict=True)]
        lines = [HeaderEntry("@ROI", value, f"#@ROI {value}") for value in values]
        entries[at:at] = lines
        index[at:at] = [k] * len(lines)
    return attrs.evolve(ds, header=Header(entries, origin=ds.header.origin))


def write(file: File, target: Target, strict: bool) -> None:
    """Write a File as a SPEC-style .mca file through beamio-spec."""
    writer = SpecWriter(SPEC, strict=strict)
    datasets = [_with_rois(ds, writer) for ds in file.datasets]
    writer.write(File(file.path, datasets, header=file.header, format=file.format), target)
