"""Spectrum: MCA counts per channel with calibration, times and regions of interest."""

from __future__ import annotations

from typing import Any, Union

import attrs
import numpy as np

from ._convert import as_tuple
from ._header import Header
from ._lazy import LazyArray, as_lazy_array

__all__ = ["Calibration", "Roi", "Spectrum"]

Times = Union[float, np.ndarray, None]


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
