"""What beamio's NeXus writer stored for the way back: headers, original names, spectra, frame headers.

The writer (``_writer.py``) keeps what NeXus has no place for — a SPEC scan's header
lines, an EDF frame's keys, the name a column had before it was made a valid NeXus
name, as JSON what HDF5's strings cannot hold (``@json``, ``@<name>_json``) — in
plain HDF5 any tool can read. These functions read it back into the model, from the
reader's path-view nodes, so that SPEC → NeXus → SPEC and EDF → NeXus → EDF give
back equal files. What is not stored as the writer stores it (another program's
group of the same name, a damaged file) is left out with a diagnostic, never guessed at.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from beamio import Array, Calibration, Diagnostics, Group, Header, HeaderEntry, LazyArray, Roi, Spectrum

from ._read_tree import nx_class, scalar_text

__all__ = ["frame_headers", "is_beamio_file", "original", "spectra", "stored_header", "stored_text"]

_HEADER_PARTS = ("keys", "values", "raw", "rows")


class _NotStored(ValueError):
    """What is there is not what beamio's writer stores; the message says how."""


def is_beamio_file(root_attrs: Mapping[str, Any]) -> bool:
    """Whether beamio wrote the file (its root says ``creator = "beamio …"``)."""
    return str(root_attrs.get("creator", "")).startswith("beamio ")


def original(node: Group | Array) -> str:
    """The name a node had in the model (``@original_name``, ``@original_name_json``), else its own."""
    if "original_name" in node.attrs:
        return str(node.attrs["original_name"])
    name = _json_text(node.attrs.get("original_name_json"))
    return node.name if name is None else name


def _json_text(value: Any) -> str | None:
    r"""The text a JSON string (``"a\u0000b"``) holds; None for anything else."""
    try:
        text = json.loads(value) if isinstance(value, str) else None
    except ValueError:
        return None
    return text if isinstance(text, str) else None


def stored_text(group: Group, name: str) -> str | None:
    """The text of dataset ``name`` of ``group`` (:func:`scalar_text`), as JSON where ``@json`` says so.

    The writer writes text holding NUL, which HDF5's strings cannot hold, as JSON.
    """
    text = scalar_text(group, name)
    node = group.get(name)
    if text is None or not isinstance(node, Array) or "json" not in node.attrs:
        return text
    decoded = _json_text(text)
    return text if decoded is None else decoded


def _texts(node: Any) -> list[str]:
    values = np.asarray(node[...]).reshape(-1)
    return [v.decode("utf-8", "surrogateescape") if isinstance(v, bytes) else str(v) for v in values.tolist()]


def json_marked(node: Array) -> Any:
    """A dataset of text whose ``@json`` lists values the writer wrote as JSON, those decoded; else None.

    A scalar gives its value; an array, an array of objects (text, or what JSON gave).
    """
    if "json" not in node.attrs or node.dtype.kind not in "OSU":
        return None
    try:
        values = _json_decoded(_texts(node), node.attrs["json"], node.name)
    except _NotStored:
        return None  # not what beamio's writer stores: the text as it is
    if node.ndim == 0:
        return values[0]
    array = np.empty(len(values), dtype=object)
    array[:] = values
    return array.reshape(node.shape)


def _json_decoded(texts: list[str], positions: Any, what: str) -> list[Any]:
    """``texts`` with those at ``positions`` (an ``@json`` attribute, or None) decoded from JSON."""
    values: list[Any] = list(texts)
    for i in _integers(positions, f"{what}@json") if positions is not None else ():
        if not 0 <= i < len(texts):
            raise _NotStored(f"{what}@json lists {i}, of {len(texts)} values")
        try:
            values[i] = json.loads(texts[i])
        except ValueError as error:
            raise _NotStored(f"{what}[{i}] is not JSON ({error})") from None
    return values


def _values(node: Any) -> list[Any]:
    """The values of a dataset of text the writer made: text, and what ``@json`` lists decoded."""
    return _json_decoded(_texts(node), node.attrs.get("json"), node.name)


def _integers(values: Any, what: str) -> list[int]:
    """``values`` (a node, an attribute) as a list of integers; _NotStored naming ``what`` otherwise."""
    array = np.asarray(values[...] if isinstance(values, Array) else values)
    if array.dtype.kind not in "iub":
        raise _NotStored(f"{what} holds {array.dtype} values, not integers")
    return [int(v) for v in array.reshape(-1).tolist()]


def _inside(origin: str, name: str) -> str:
    """The path of ``name`` in the group an origin (``file::/entry``, or the file: the root) names."""
    return f"{origin.partition('::')[2].rstrip('/')}/{name}"


def _refused(log: Diagnostics | None, where: str, why: _NotStored) -> None:
    if log is not None:
        log.report(f"{where}: not as beamio stores it ({why}); left out")


def stored_header(group: Group, name: str, origin: str, log: Diagnostics | None = None) -> Header | None:
    """The Header the writer stored as ``group/name`` (keys, values, raw, rows), or None.

    None, with a diagnostic in ``log``, when the parts are there but do not agree.
    """
    node = group.get(name)
    if not isinstance(node, Group) or not all(isinstance(node.get(p), Array) for p in _HEADER_PARTS):
        return None
    try:
        return _stored_header(node, origin)
    except _NotStored as why:
        _refused(log, _inside(origin, name), why)
        return None


def _stored_header(node: Group, origin: str) -> Header:
    keys, values, raw = _values(node["keys"]), _texts(node["values"]), _values(node["raw"])
    if not all(isinstance(text, str) for text in (*keys, *raw)):
        raise _NotStored("keys or raw hold JSON of values that are not text")
    rows = _integers(node["rows"], "rows")
    flags = node.get("has_raw")
    has_raw = (
        [bool(v) for v in _integers(flags, "has_raw")] if isinstance(flags, Array) else [True] * len(keys)
    )
    counts = [len(part) for part in (keys, values, raw, rows, has_raw)]
    if len(set(counts)) > 1:
        raise _NotStored(f"keys, values, raw, rows and has_raw hold {', '.join(map(str, counts))} entries")
    decoded = _json_decoded(values, node.attrs.get("json"), "values")  # the group's: the first files'
    entries = [
        HeaderEntry(key, decoded[i], raw[i] if has_raw[i] else None, None if rows[i] < 0 else rows[i])
        for i, key in enumerate(keys)
    ]
    return Header(entries, origin=origin)


def frame_headers(
    detector: Group, count: int, origin: str, log: Diagnostics | None = None
) -> Callable[[int], Header] | None:
    """Each frame's header from ``detector/header`` (one dataset per key, a value per frame), or None."""
    node = detector.get("header")
    if not isinstance(node, Group):
        return None
    if isinstance(node.get("keys"), Array) and isinstance(node.get("raw"), Array):
        return None  # a stored Header (an MCA's), not one dataset per key
    columns = [(original(a), a) for a in node.values() if isinstance(a, Array) and a.name != "order"]
    if not columns:
        return None
    try:
        values = [_values(a) for _, a in columns]
        absent = [set(_integers(a.attrs.get("absent", np.zeros(0, np.int64)), "@absent")) for _, a in columns]
        orders = _orders(node, count, len(columns))
    except _NotStored as why:
        _refused(log, _inside(origin, f"{detector.name}/header"), why)
        return None

    def header_of(i: int) -> Header:
        slots = orders[i] if orders is not None else [k for k in range(len(columns)) if i not in absent[k]]
        return Header([(columns[k][0], values[k][i]) for k in slots], origin=f"{origin}, frame {i}")

    return header_of if all(len(v) == count for v in values) else None


def _orders(node: Group, count: int, columns: int) -> list[list[int]] | None:
    """``header/order``: each frame's keys, as numbers of columns, in the frame's order (None: absent)."""
    if not isinstance(node.get("order"), Array):
        return None
    texts = _texts(node["order"])
    try:
        orders = json.loads(texts[0]) if texts else None
    except ValueError as error:
        raise _NotStored(f"order is not JSON ({error})") from None
    if not (
        isinstance(orders, list)
        and len(orders) == count
        and all(isinstance(o, list) and all(type(k) is int and 0 <= k < columns for k in o) for o in orders)
    ):
        raise _NotStored(f"order is not {count} lists of column numbers below {columns}")
    return orders


def _number(node: Any) -> Any:
    if not isinstance(node, Array):
        return None
    value = np.asarray(node[...])
    return value.item() if value.ndim == 0 else value


def spectra(instrument: Any, origin: str, log: Diagnostics | None = None) -> dict[str, Spectrum]:
    """Spectra from the NXdetectors the writer made for MCAs (``data`` with ``calibration``)."""
    out: dict[str, Spectrum] = {}
    if not isinstance(instrument, Group):
        return out
    for detector in instrument.values():
        if not isinstance(detector, Group) or nx_class(detector) != "NXdetector":
            continue
        data, calibration = detector.get("data"), detector.get("calibration")
        if not isinstance(data, Array) or not isinstance(calibration, Array):
            continue
        if str(data.attrs.get("interpretation")) != "spectrum":
            continue
        try:
            out[original(detector)] = _spectrum(detector, data, calibration, origin, log)
        except _NotStored as why:
            _refused(log, _inside(origin, detector.name), why)
    return out


def _spectrum(
    detector: Group, data: Array, calibration: Array, origin: str, log: Diagnostics | None
) -> Spectrum:
    """The Spectrum of one NXdetector the writer made for an MCA."""
    coefficients = np.asarray(calibration[...]).reshape(-1)
    if coefficients.dtype.kind not in "iuf" or not 1 <= coefficients.size <= 3 or data.ndim not in (1, 2):
        raise _NotStored(f"calibration {coefficients.dtype} {coefficients.shape}, data {data.shape}")
    channels = detector.get("channels")
    rois = detector.get("roi")
    try:
        return Spectrum(
            data.value if isinstance(data.value, LazyArray) else LazyArray.from_array(data.value),
            channels=None
            if not isinstance(channels, Array) or str(channels.attrs.get("default")) == "True"
            else channels[...],
            calibration=Calibration(*coefficients.astype(np.float64).tolist()),
            preset_time=_number(detector.get("preset_time")),
            live_time=_number(detector.get("live_time")),
            real_time=_number(detector.get("real_time")),
            start_time=stored_text(detector, "start_time"),
            rois=[
                Roi(original(r), *_integers(r, f"roi/{r.name}"))
                for r in rois.values()
                if isinstance(r, Array)
            ]
            if isinstance(rois, Group)
            else (),
            header=stored_header(detector, "header", f"{origin}/{original(detector)}", log) or Header(),
        )
    except (TypeError, ValueError) as error:  # the model's own checks: a ROI of 3 numbers, last < first …
        raise _NotStored(str(error)) from None
