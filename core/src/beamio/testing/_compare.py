"""assert_equal: two files or Datasets compared value by value, differences said in words."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .._dataset import Dataset
from .._file import File
from .._header import Header
from .._spectrum import Spectrum

__all__ = ["assert_equal", "differences"]


def _same_array(a: Any, b: Any) -> str | None:
    x, y = np.asarray(a), np.asarray(b)
    if x.shape != y.shape:
        return f"shape {x.shape} != {y.shape}"
    if x.dtype.kind in "fc" or y.dtype.kind in "fc":
        try:
            equal = np.array_equal(x, y, equal_nan=True)
        except TypeError:
            equal = np.array_equal(x, y)
    else:
        equal = np.array_equal(x, y)
    if equal:
        return None
    if x.dtype.kind in "biufc" and y.dtype.kind in "biufc" and x.size:
        differ = ~((x == y) | (np.isnan(x) & np.isnan(y)) if x.dtype.kind in "fc" else (x == y))
        first = tuple(int(i) for i in np.unravel_index(int(np.argmax(differ)), x.shape)) if x.ndim else ()
        count = int(np.count_nonzero(differ))
        return (
            f"{count} of {x.size} values differ, first at {first}: {x[first].item()!r} != {y[first].item()!r}"
        )
    return f"{x!r} != {y!r}"


def _headers(a: Header, b: Header, where: str, out: list[str]) -> None:
    left = [(e.key, e.value) for e in a.entries]
    right = [(e.key, e.value) for e in b.entries]
    if left == right:
        return
    for i, (x, y) in enumerate(zip(left, right, strict=False)):
        if x != y:
            for one, other, side in ((left, right, "first"), (right, left, "second")):
                if one[:i] + one[i + 1 :] == other:  # one entry more, the rest equal
                    key, value = one[i]
                    out.append(f"{where} header entry {i}: {key}={value!r} only in the {side}")
                    return
            out.append(f"{where} header entry {i}: {x[0]}={x[1]!r} != {y[0]}={y[1]!r}")
            return
    longer, side = (left, "first") if len(left) > len(right) else (right, "second")
    extra = longer[min(len(left), len(right))]
    out.append(
        f"{where} header: {len(left)} entries != {len(right)}; the {side} has more,"
        f" starting with {extra[0]}={extra[1]!r}"
    )


def _values(a: Mapping[str, Any], b: Mapping[str, Any], what: str, where: str, out: list[str]) -> None:
    if list(a) != list(b):
        missing = [k for k in a if k not in b]
        extra = [k for k in b if k not in a]
        if missing or extra:
            out.append(f"{where} {what}: only in the first {missing}, only in the second {extra}")
        else:
            out.append(f"{where} {what}: same names in another order: {list(a)} != {list(b)}")
        return
    for name in a:
        problem = _same_array(a[name], b[name])
        if problem:
            out.append(f"{where} {what} {name!r}: {problem}")


def _spectra(a: Spectrum, b: Spectrum, where: str, out: list[str], check_headers: bool) -> None:
    for name in ("counts", "channels"):
        problem = _same_array(getattr(a, name), getattr(b, name))
        if problem:
            out.append(f"{where} {name}: {problem}")
    x, y = a.calibration, b.calibration
    if _same_array([x.a, x.b, x.c], [y.a, y.b, y.c]):
        out.append(f"{where} calibration: {a.calibration} != {b.calibration}")
    for name in ("preset_time", "live_time", "real_time"):
        x, y = getattr(a, name), getattr(b, name)
        if (x is None) != (y is None) or (x is not None and _same_array(x, y)):
            out.append(f"{where} {name}: {x!r} != {y!r}")
    if a.start_time != b.start_time:
        out.append(f"{where} start_time: {a.start_time!r} != {b.start_time!r}")
    if a.rois != b.rois:
        out.append(f"{where} rois: {list(a.rois)} != {list(b.rois)}")
    if check_headers:
        _headers(a.header, b.header, where, out)


def _datasets(a: Dataset, b: Dataset, out: list[str], check_headers: bool) -> None:
    where = f"dataset {a.key!r}"
    if a.key != b.key:
        out.append(f"{where}: key {a.key!r} != {b.key!r}")
    if a.title != b.title:
        out.append(f"{where}: title {a.title!r} != {b.title!r}")
    if check_headers:
        _headers(a.header, b.header, where, out)
    _values(a.columns, b.columns, "column", where, out)
    _values(a.positioners, b.positioners, "positioner", where, out)
    if (a.frames is None) != (b.frames is None):
        out.append(f"{where}: frames only in the {'first' if a.frames is not None else 'second'}")
    elif a.frames is not None and b.frames is not None:
        if a.frames.shape != b.frames.shape or a.frames.dtype != b.frames.dtype:
            out.append(
                f"{where} frames: {a.frames.shape} {a.frames.dtype} != {b.frames.shape} {b.frames.dtype}"
            )
        else:
            for i, (fa, fb) in enumerate(zip(a.frames, b.frames, strict=True)):
                problem = _same_array(fa.data, fb.data)
                if problem:
                    out.append(f"{where} frame {i}: {problem}")
                    break
                if check_headers:
                    _headers(fa.header, fb.header, f"{where} frame {i}", out)
    if list(a.spectra) != list(b.spectra):
        out.append(f"{where} spectra: {list(a.spectra)} != {list(b.spectra)}")
    else:
        for name in a.spectra:
            _spectra(a.spectra[name], b.spectra[name], f"{where} spectrum {name!r}", out, check_headers)


def differences(a: File | Dataset, b: File | Dataset, *, check_headers: bool = True) -> list[str]:
    """Every difference between two files or Datasets, in words (empty when equal)."""
    out: list[str] = []
    if isinstance(a, File) and isinstance(b, File):
        if check_headers:
            _headers(a.header, b.header, "file", out)
        if list(a) != list(b):
            out.append(f"dataset keys: {list(a)[:10]} != {list(b)[:10]}")
        for x, y in zip(a.datasets, b.datasets, strict=False):
            _datasets(x, y, out, check_headers)
        return out
    if isinstance(a, Dataset) and isinstance(b, Dataset):
        _datasets(a, b, out, check_headers)
        return out
    raise TypeError(f"compare two Files or two Datasets, not {type(a).__name__} and {type(b).__name__}")


def assert_equal(a: File | Dataset, b: File | Dataset, *, check_headers: bool = True, show: int = 10) -> None:
    """Raise AssertionError listing the first ``show`` differences between ``a`` and ``b``.

    Compares headers (entries in order), columns, positioners, frames (data and
    per-frame headers, one frame at a time) and spectra (counts, channels,
    calibration, times, start time, ROIs, header), value by value, NaN equal to NaN.
    """
    found = differences(a, b, check_headers=check_headers)
    if found:
        more = f"\n  … {len(found) - show} more" if len(found) > show else ""
        raise AssertionError(
            f"{len(found)} difference{'s' if len(found) > 1 else ''}:\n  " + "\n  ".join(found[:show]) + more
        )
