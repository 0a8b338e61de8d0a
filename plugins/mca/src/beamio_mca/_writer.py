"""McaWriter: SPEC-style, Amptek or single-column .mca, Maestro .Spe or ORTEC .chn, as asked or implied."""

from __future__ import annotations

import datetime
from typing import Any, ClassVar

import attrs
import numpy as np

from beamio import Dataset, File, FormatWriter, Header, Option, Spectrum, Target
from beamio.errors import UnsupportedOperation

from . import _amptek, _chn, _columns, _maestro, _specstyle

__all__ = ["VARIANTS", "McaWriter"]

#: The files the writer writes, by the name of the ``variant`` option.
VARIANTS = ("spec", "amptek", "maestro", "chn", "column")
_BY_EXTENSION = {".spe": "maestro", ".chn": "chn"}
_FROM = {  # a header read from a file of this variant is written back
    "amptek": _amptek.looks_amptek,
    "maestro": _maestro.looks_maestro,
    "chn": _chn.looks_chn,
    "column": _columns.looks_column,
}
_WRITE: dict[str, Any] = {
    "amptek": _amptek.write,
    "maestro": _maestro.write,
    "chn": _chn.write,
    "column": _columns.write,
}
_NAMES = {
    "amptek": "an Amptek file",
    "maestro": "a Maestro .Spe file",
    "chn": "a CHN file",
    "column": "a single-column file",
}
#: What each one-spectrum kind holds besides counts and calibration (its writer says what it rounds).
_HOLDS = {
    "amptek": {"preset_time", "live_time", "real_time", "start_time", "rois"},
    "maestro": {"channels", "live_time", "real_time", "start_time", "rois"},
    "chn": {"channels", "live_time", "real_time", "start_time"},
    "column": {"channels", "preset_time", "live_time", "real_time", "start_time", "rois"},  # it says itself
}
_NEWLINE = {"amptek": "\r\n", "maestro": "\r\n", "column": "\n"}  # Amptek and ORTEC software is Windows'


def _variant_of(file: File, target: Target) -> str:
    """The variant a target implies: .Spe and .chn by their extension, .mca by what the file was."""
    name = target.path.name.lower()
    for extension, variant in _BY_EXTENSION.items():
        if name.endswith(extension):
            return variant
    header = file[0].header if len(file) else Header()
    for variant in ("amptek", "column"):
        if _FROM[variant](header):
            return variant
    return "spec"


def _is_date(text: str) -> bool:
    """Whether ``text`` is an ISO date and time (what the model's start times are)."""
    try:
        datetime.datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def _first_point(spectrum: Spectrum) -> Spectrum:
    """Point 0 of a points × channels spectrum, with its times."""
    counts = np.asarray(spectrum.counts).reshape(-1, spectrum.n_channels)[0]
    times: dict[str, Any] = {
        name: None if value is None else float(np.ravel(value)[0])
        for name in ("preset_time", "live_time", "real_time")
        for value in [getattr(spectrum, name)]
    }
    return attrs.evolve(spectrum, counts=counts, **times)


class McaWriter(FormatWriter):
    """Writes MCA files; all but SPEC-style ones hold one spectrum."""

    options: ClassVar[dict[str, Option]] = {
        "variant": Option(
            None,
            str,
            "the kind of file: spec (SPEC-style .mca, as PyMca writes), amptek, maestro (.Spe), chn or"
            " column (one count per line); default: .Spe and .chn by the extension, .mca as the file"
            " read was (Amptek, one column), else spec",
            choices=VARIANTS,
        ),
    }

    def write(self, file: File, target: Target) -> None:
        """Write ``file`` to ``target.temp`` in the variant asked for or implied."""
        variant = self.settings["variant"] or _variant_of(file, target)
        if variant == "spec":
            if not any(ds.spectra for ds in file.datasets):  # a SPEC file, which the mca reader refuses
                raise UnsupportedOperation(f"{file.path} holds no spectrum to write as an MCA file")
            _specstyle.write(file, target, self.strict)
            return
        dataset, spectrum = self._one_spectrum(file, variant)
        spectrum = self._held(spectrum, variant)
        title = self._title(dataset.title, variant)
        header = dataset.header
        if not _FROM[variant](header):
            header = self._without(header, variant)
        if variant == "chn":
            with open(target.temp, "wb") as binary:
                _chn.write(header, title, spectrum, binary, self.lossy)
            return
        with open(
            target.temp, "w", encoding="utf-8", errors="surrogateescape", newline=_NEWLINE[variant]
        ) as out:
            _WRITE[variant](header, title, spectrum, out, self.lossy)

    def _title(self, title: str, variant: str) -> str:
        """The title as the kind holds it: a line without surrounding blanks; CHN's in Latin-1."""
        if variant == "chn":
            if not all(ord(c) < 256 for c in title):
                self.lossy(
                    f"a CHN file holds its sample description in Latin-1: {title!r} is written with '?'"
                )
            return title
        held = " ".join(title.replace("\r", "\n").split("\n")).strip()
        if held != title:
            self.lossy(f"{_NAMES[variant]} holds a title of one line without surrounding blanks: {held!r}")
        return held

    def _one_spectrum(self, file: File, variant: str) -> tuple[Dataset, Spectrum]:
        """The first spectrum of the file, saying what else a one-spectrum file leaves out."""
        found = [(ds, name, s) for ds in file.datasets for name, s in ds.spectra.items()]
        if not found:
            raise UnsupportedOperation(f"{file.path} holds no spectrum to write as {_NAMES[variant]}")
        dataset, name, spectrum = found[0]
        if len(found) > 1:
            self.lossy(
                f"{_NAMES[variant]} holds one spectrum: {name} of {dataset.key} is written,"
                f" {len(found) - 1} other spectra are left out"
            )
        if spectrum.counts.ndim > 1:
            points = int(np.prod(spectrum.counts.shape[:-1]))
            if points != 1:
                self.lossy(
                    f"{_NAMES[variant]} holds one spectrum: point 0 of the {points} of {name} is written"
                )
            spectrum = _first_point(spectrum)
        others = [
            what
            for what, there in (
                ("columns", bool(dataset.columns)),
                ("positioners", bool(dataset.positioners)),
                ("frames", dataset.frames is not None),
            )
            if there
        ]
        if others:
            self.lossy(f"{_NAMES[variant]} holds a spectrum alone; the {' and '.join(others)} are left out")
        return dataset, spectrum

    def _held(self, spectrum: Spectrum, variant: str) -> Spectrum:
        """The spectrum without what the kind has no place for, each thing left out said."""
        name, holds = _NAMES[variant], _HOLDS[variant]
        left: dict[str, Any] = {}
        channels = spectrum.channels_
        if (
            "channels" not in holds
            and channels is not None
            and not np.array_equal(channels, np.arange(len(channels)))
        ):
            self.lossy(f"{name} numbers its channels from 0: channels {channels[:3].tolist()}… are left out")
            left["channels"] = None
        for time in ("preset_time", "live_time", "real_time"):
            if time not in holds and getattr(spectrum, time) is not None:
                self.lossy(
                    f"{name} holds no {time.replace('_', ' ')}: {getattr(spectrum, time)!r} is left out"
                )
                left[time] = None
        start = spectrum.start_time
        if start is not None and ("start_time" not in holds or not _is_date(start)):
            self.lossy(f"{name} holds a start time as a date and time: {start!r} is left out")
            left["start_time"] = None
        rois = spectrum.rois
        if rois and "rois" not in holds:
            self.lossy(f"{name} holds no ROIs: {[r.name for r in rois]} are left out")
            left["rois"] = ()
        elif variant != "column" and any(roi.name != f"roi_{k}" for k, roi in enumerate(rois, 1)):
            self.lossy(f"{name} keeps the channels of ROIs, not their names: they are read as roi_1, roi_2…")
        if variant == "chn":
            unknown = [t for t in ("live_time", "real_time") if getattr(spectrum, t) is None]
            if unknown:
                self.lossy(
                    f"a CHN file always holds a live and a real time: the unknown {unknown} are written as 0"
                )
            cal = spectrum.calibration
            if cal.a == cal.b == 0 and not cal.is_identity:
                self.lossy(f"a CHN file with zero offset and gain has no calibration: {cal} is left out")
        return attrs.evolve(spectrum, **left) if left else spectrum

    def _without(self, header: Header, variant: str) -> Header:
        """No header: one read from another format has no place in this one (said, when not empty)."""
        if header.entries:
            keys = list(dict.fromkeys(e.key for e in header.entries))
            more = f" and {len(keys) - 6} more" if len(keys) > 6 else ""
            self.lossy(f"{_NAMES[variant]} keeps no header of another format: {', '.join(keys[:6])}{more}")
        return Header()
