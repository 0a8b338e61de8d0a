"""The sps plugin against beamio's conformance kit.

The kit's checks of the spec, the entry point, the cheap hook module and the refusal
of other formats' files apply as they are. Those made for sample files run here on
live arrays instead: detection is the address's scheme, opening reads no data,
closing lets go of everything, and damaged headers give FormatErrors, never a crash.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest

import beamio
from beamio.errors import ClosedFileError, FormatError
from beamio.testing import FormatTests, read_everything

from .conftest import segments_of
from .fakespec import DOUBLE, TAG_IMAGE, TAG_MCA, TAG_SCAN, UINT, USHORT, FakeSpec

HEADER_FIELDS = range(0, 116, 4)  # every u32 of SPEC's header (the names too, four bytes at a time)
DAMAGE = (0, 1, 3, 0x7FFF_FFFF, 0xFFFF_FFFF)


@pytest.fixture
def live(fourc: FakeSpec) -> FakeSpec:
    """A session publishing a scan, an MCA and an image."""
    fourc.create("SCAN_D", 8, 2, DOUBLE, TAG_SCAN)
    fourc.put("SCAN_D", np.arange(16.0).reshape(8, 2).tolist())
    fourc.metadata("SCAN_D", [{"0": "th", "1": "det"}, {"npts": 5}])
    fourc.create("MCA", 1, 16, UINT, TAG_MCA)
    fourc.create("IMAGE", 4, 4, USHORT, TAG_IMAGE)
    return fourc


class TestSpsConformance(FormatTests):
    format = "sps"
    samples: ClassVar = ()  # sps reads no files

    def test_samples_are_detected(self, live: FakeSpec) -> None:  # type: ignore[override]
        with beamio.open(f"sps://{live.name}") as file:
            assert file.format == "sps" and file.detection.chosen == "sps"

    def test_reading_is_lazy(self, live: FakeSpec) -> None:  # type: ignore[override]
        with beamio.open(f"sps://{live.name}") as file:
            assert len(file) == 3
            for ds in file.datasets:
                self._assert_lazy(ds, Path(live.name))  # the kit names the sample by its file name

    def test_handles_are_closed(self, live: FakeSpec) -> None:  # type: ignore[override]
        before_fds, before = len(os.listdir("/proc/self/fd")), segments_of(live.pid)
        file = beamio.open(f"sps://{live.name}")
        with file:
            read_everything(file)
            frames = file["IMAGE"].frames
        assert len(os.listdir("/proc/self/fd")) == before_fds
        assert segments_of(live.pid) == before
        with pytest.raises(ClosedFileError):
            frames[0]

    def test_corrupted_inputs_give_format_errors(self, live: FakeSpec) -> None:  # type: ignore[override]
        for offset in HEADER_FIELDS:
            for value in DAMAGE:
                live.create("SCAN_D", 8, 2, DOUBLE, TAG_SCAN)
                live.put("SCAN_D", np.arange(16.0).reshape(8, 2).tolist())
                live.poke("SCAN_D", offset, value)
                for strict in (False, True):
                    try:
                        with beamio.open(f"sps://{live.name}", strict=strict) as file:
                            read_everything(file)
                    except FormatError:
                        pass
                    except Exception as error:
                        raise AssertionError(
                            f"header byte {offset} set to {value:#x} (strict={strict}):"
                            f" {type(error).__name__}: {error} — a damaged header must give a FormatError"
                        ) from error
