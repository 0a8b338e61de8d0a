"""Spectrum: MCA counts per channel with calibration, times and regions of interest.

Besides the values, the helpers an analysis starts with: the energy of each
channel, sums over a channel or energy range, rebinning, and sums of spectra.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any, Union

import attrs
import numpy as np

from ._convert import as_tuple
from ._header import Header
from ._lazy import LazyArray, as_lazy_array

__all__ = ["Calibration", "Roi", "Spectrum"]

Times = Union[float, np.ndarray, None]
#: A sum of counts: a number for one spectrum, an array (one per point) for points × channels.
Total = Union[int, float, np.ndarray]

_TIMES = ("preset_time", "live_time", "real_time")


@attrs.frozen
class Calibration:
    """Energy calibration ``energy = a + b·ch + c·ch²`` (SPEC's #@CALIB a b c)."""

    a: float = 0.0
    b: float = 1.0
    c: float = 0.0

    def energy(self, channels: Any) -> np.ndarray:
        """Energies of the given channel numbers."""
        ch = np.asarray(channels, dtype=np.float64)
        return self.a + self.b * ch + self.c * ch * ch

    @property
    def is_identity(self) -> bool:
        """True when energy equals channel (no calibration known)."""
        return (self.a, self.b, self.c) == (0.0, 1.0, 0.0)


@attrs.frozen
class Roi:
    """A region of interest: channels ``first`` to ``last``, both included."""

    name: str
    first: int
    last: int

    def __attrs_post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError(f"ROI {self.name!r}: last channel {self.last} < first {self.first}")


def _channels(value: Any) -> np.ndarray | None:
    return None if value is None else np.asarray(value)


@attrs.frozen(eq=False)
class Spectrum:
    """An MCA's counts (one spectrum, or points × channels) and what gives them meaning.

    ``counts`` is lazy; ``channels`` defaults to 0..n-1; times are scalars or one
    value per point; ``energy`` applies the calibration to the channels.
    """

    counts: LazyArray = attrs.field(converter=as_lazy_array)
    channels_: np.ndarray | None = attrs.field(default=None, converter=_channels, alias="channels")
    calibration: Calibration = attrs.field(factory=Calibration)
    preset_time: Times = None
    live_time: Times = None
    real_time: Times = None
    start_time: str | None = None
    rois: tuple[Roi, ...] = attrs.field(default=(), converter=as_tuple)
    header: Header = attrs.field(factory=Header)

    @property
    def n_channels(self) -> int:
        """Number of channels of one spectrum."""
        return self.counts.shape[-1] if self.counts.ndim else 0

    @property
    def channels(self) -> np.ndarray:
        """Channel numbers, one per count (0..n-1 unless the source says otherwise)."""
        if self.channels_ is not None:
            return self.channels_
        return np.arange(self.n_channels)

    @property
    def energy(self) -> np.ndarray:
        """Energy of each channel from the calibration."""
        return self.calibration.energy(self.channels)

    # -- sums over a range of channels ----------------------------------------------------------
    def sum_channels(self, first: float, last: float) -> Total:
        """Counts summed over the channels numbered ``first`` to ``last``, both included.

        Channel numbers are those of :attr:`channels` (a spectrum may start at
        channel 100); only the channels in the range are read.
        """
        channels = self.channels
        return self._sum_where((channels >= first) & (channels <= last))

    def sum_energy(self, low: float, high: float) -> Total:
        """Counts summed over the channels whose energy lies from ``low`` to ``high``, both included."""
        energy = self.energy
        return self._sum_where((energy >= low) & (energy <= high))

    def roi_sums(self) -> dict[str, Total]:
        """The counts of each of the spectrum's ROIs, by name."""
        return {roi.name: self.sum_channels(roi.first, roi.last) for roi in self.rois}

    def _sum_where(self, mask: np.ndarray) -> Total:
        picked = np.flatnonzero(mask)
        low, high = (int(picked[0]), int(picked[-1]) + 1) if picked.size else (0, 0)
        total = self.counts[..., low:high][..., mask[low:high]].sum(axis=-1)
        return total.item() if total.ndim == 0 else total

    # -- new spectra -----------------------------------------------------------------------------
    def rebin(self, factor: int) -> Spectrum:
        """Every ``factor`` neighbouring channels summed into one, energies kept right.

        The new channels are numbered 0, 1, … and the calibration becomes that of
        the centre of each group: ``rebinned.energy[k]`` is the energy in the
        middle of the k-th group of old channels. ROIs cover the new channels
        holding their old ones; times, start time and header stay.

        Parameters
        ----------
        factor
            How many channels make one; the number of channels must be a multiple of it,
            and the channels evenly spaced (as MCA channels are).

        Raises
        ------
        ValueError
            For a factor below 1, a channel count that is not a multiple of it, or
            channels that are not evenly spaced.
        """
        if isinstance(factor, bool) or not isinstance(factor, (int, np.integer)) or factor < 1:
            raise ValueError(f"a rebinning factor is an integer of at least 1, not {factor!r}")
        n = self.n_channels
        if n % factor:
            raise ValueError(
                f"{n} channels do not make groups of {factor}; slice the counts to a multiple first"
            )
        channels = np.asarray(self.channels, dtype=np.float64)
        step = float(channels[1] - channels[0]) if n > 1 else 1.0
        if n > 2 and not np.allclose(np.diff(channels), step, rtol=1e-9, atol=0.0):
            raise ValueError("the channels are not evenly spaced, so groups of them have no one energy")
        first = float(channels[0]) if n else 0.0
        # New channel k is centred on old channel number centre + width·k.
        centre, width = first + step * (factor - 1) / 2, step * factor
        a, b, c = self.calibration.a, self.calibration.b, self.calibration.c
        calibration = Calibration(
            a + b * centre + c * centre * centre, width * (b + 2 * c * centre), c * width**2
        )
        counts = np.asarray(self.counts)
        summed = counts.reshape(*counts.shape[:-1], n // factor, factor).sum(axis=-1)
        last = n // factor - 1

        def group(channel: int) -> int:
            return min(max(int((channel - first) // width), 0), max(last, 0))

        rois = tuple(Roi(r.name, group(r.first), group(r.last)) for r in self.rois)
        return attrs.evolve(self, counts=summed, channels=None, calibration=calibration, rois=rois)

    def sum_points(self) -> Spectrum:
        """The points of a points × channels spectrum added into one spectrum, with their times.

        A time given once stands for every point (it is multiplied by their
        number); a time per point is summed. A single spectrum is returned as it is.
        """
        if self.counts.ndim < 2:
            return self
        points = int(np.prod(self.counts.shape[:-1]))
        counts = np.asarray(self.counts).reshape(points, self.n_channels).sum(axis=0)
        times: dict[str, Any] = {name: _total_time(getattr(self, name), points) for name in _TIMES}
        return attrs.evolve(self, counts=counts, **times)

    @classmethod
    def sum_of(cls, spectra: Iterable[Spectrum]) -> Spectrum:
        """Spectra of the same channels and calibration added into one, with their times.

        Each is first summed over its points (:meth:`sum_points`). Times add up
        (None when any spectrum lacks one); the start time is the earliest; the
        ROIs are kept when all spectra share them.

        Raises
        ------
        ValueError
            When there is no spectrum, or one has other channels or another calibration.
        """
        totals = [spectrum.sum_points() for spectrum in spectra]
        if not totals:
            raise ValueError("no spectra to sum")
        first = totals[0]
        for i, other in enumerate(totals[1:], 1):
            if other.n_channels != first.n_channels or not np.array_equal(other.channels, first.channels):
                raise ValueError(
                    f"spectrum {i} has {other.n_channels} channels from {other.channels[:1]}, spectrum 0"
                    f" {first.n_channels} from {first.channels[:1]}: only the same channels add up"
                )
            if other.calibration != first.calibration:
                raise ValueError(
                    f"spectrum {i} has the calibration {other.calibration}, spectrum 0 {first.calibration}:"
                    " only the same energies add up"
                )
        counts = functools.reduce(np.add, (np.asarray(s.counts) for s in totals))
        times: dict[str, Any] = {name: _sum_times([getattr(s, name) for s in totals]) for name in _TIMES}
        starts = [s.start_time for s in totals if s.start_time is not None]
        return cls(
            counts,
            channels=first.channels_,
            calibration=first.calibration,
            start_time=min(starts) if starts else None,
            rois=first.rois if all(s.rois == first.rois for s in totals) else (),
            **times,
        )


def _total_time(value: Times, points: int) -> Times:
    """The time of ``points`` points: one value stands for each point, an array holds one per point."""
    if value is None:
        return None
    return float(np.sum(value)) * (points if np.ndim(value) == 0 else 1)


def _sum_times(values: list[Times]) -> Times:
    total = 0.0
    for value in values:
        if value is None:
            return None
        total += float(np.sum(value))
    return total
