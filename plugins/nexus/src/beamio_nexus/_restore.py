"""What beamio's NeXus writer stored for the way back: headers, original names, spectra, frame headers.

The writer (``_writer.py``) keeps what NeXus has no place for — a SPEC scan's header
lines, an EDF frame's keys, the name a column had before it was made a valid NeXus
name — in plain HDF5 any tool can read. These functions read it back into the model,
from the reader's path-view nodes, so that SPEC → NeXus → SPEC and EDF → NeXus → EDF
give back equal files.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from beamio import Array, Calibration, Group, Header, HeaderEntry, LazyArray, Roi, Spectrum

__all__ = ["frame_headers", "is_beamio_file", "original", "spectra", "stored_header"]

_HEADER_PARTS = ("keys", "values", "raw", "rows")


def is_beamio_file(root_attrs: Mapping[str, Any]) -> bool:
    """Whether beamio wrote the file (its root says ``creator = "beamio …"``)."""
    return str(root_attrs.get("creator", "")).startswith("beamio ")


def original(node: Group | Array) -> str:
    """The name a node had in the model (``@original_name``), else its own."""
    return str(node.attrs.get("original_name", node.name))


def _texts(node: Any) -> list[str]:
    values = np.asarray(node[...]).reshape(-1)
    return [v.decode("utf-8", "surrogateescape") if isinstance(v, bytes) else str(v) for v in values.tolist()]


def stored_header(group: Group, name: str, origin: str) -> Header | None:
    """The Header the writer stored as ``group/name`` (keys, values, raw, rows), or None."""
    node = group.get(name)
    if not isinstance(node, Group) or not all(isinstance(node.get(p), Array) for p in _HEADER_PARTS):
        return None
    keys, values, raw = _texts(node["keys"]), _texts(node["values"]), _texts(node["raw"])
    rows = np.asarray(node["rows"]).reshape(-1).tolist()
    has_raw = np.asarray(node["has_raw"]).tolist() if isinstance(node.get("has_raw"), Array) else None
    encoded = set(np.atleast_1d(node.attrs.get("json", [])).tolist())
    entries = []
    for i, key in enumerate(keys):
        value: Any = json.loads(values[i]) if i in encoded else values[i]
        text = raw[i] if has_raw is None or has_raw[i] else None
        entries.append(HeaderEntry(key, value, text, None if rows[i] < 0 else int(rows[i])))
    return Header(entries, origin=origin)


def frame_headers(detector: Group, count: int, origin: str) -> Callable[[int], Header] | None:
    """Each frame's header from ``detector/header`` (one dataset per key, a value per frame), or None."""
    node = detector.get("header")
    if not isinstance(node, Group):
        return None
    if isinstance(node.get("keys"), Array) and isinstance(node.get("raw"), Array):
        return None  # a stored Header (an MCA's), not one dataset per key
    columns = [(original(a), a) for a in node.values() if isinstance(a, Array) and a.name != "order"]
    if not columns:
        return None
    values = [_texts(a) for _, a in columns]
    absent = [set(np.atleast_1d(a.attrs.get("absent", [])).tolist()) for _, a in columns]
    orders = json.loads(_texts(node["order"])[0]) if isinstance(node.get("order"), Array) else None

    def header_of(i: int) -> Header:
        slots = orders[i] if orders is not None else [k for k in range(len(columns)) if i not in absent[k]]
        return Header([(columns[k][0], values[k][i]) for k in slots], origin=f"{origin}, frame {i}")

    return header_of if all(len(v) == count for v in values) else None


def _number(node: Any) -> Any:
    if not isinstance(node, Array):
        return None
    value = np.asarray(node[...])
    return value.item() if value.ndim == 0 else value


def spectra(instrument: Any, origin: str) -> dict[str, Spectrum]:
    """Spectra from the NXdetectors the writer made for MCAs (``data`` with ``calibration``)."""
    out: dict[str, Spectrum] = {}
    if not isinstance(instrument, Group):
        return out
    for detector in instrument.values():
        if not isinstance(detector, Group) or detector.attrs.get("NX_class") != "NXdetector":
            continue
        data, calibration = detector.get("data"), detector.get("calibration")
        if not isinstance(data, Array) or not isinstance(calibration, Array):
            continue
        if data.attrs.get("interpretation") != "spectrum":
            continue
        channels = detector.get("channels")
        coefficients = np.asarray(calibration[...], dtype=np.float64).reshape(-1).tolist()
        rois = detector.get("roi")
        start = detector.get("start_time")
        out[original(detector)] = Spectrum(
            data.value if isinstance(data.value, LazyArray) else LazyArray.from_array(data.value),
            channels=None
            if not isinstance(channels, Array) or channels.attrs.get("default")
            else channels[...],
            calibration=Calibration(*coefficients[:3]),
            preset_time=_number(detector.get("preset_time")),
            live_time=_number(detector.get("live_time")),
            real_time=_number(detector.get("real_time")),
            start_time=_texts(start)[0] if isinstance(start, Array) else None,
            rois=[Roi(original(r), *np.asarray(r).tolist()) for r in rois.values()]
            if isinstance(rois, Group)
            else (),
            header=stored_header(detector, "header", f"{origin}/{original(detector)}") or Header(),
        )
    return out
