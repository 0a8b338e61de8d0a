"""One NXentry or NXsubentry as a beamio Dataset.

Title, start and end times and ``definition`` as the entry holds them; the
``measurement`` group's 1-D counters as columns and its first image stack as
frames (BLISS), else the first image stack of an NXdetector's ``data``;
``instrument/positioners`` as positioners; the NXsample as ``sample``; the
default NXdata as ``plot``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from beamio import Array, Dataset, Diagnostics, FrameStack, Group, Guard, Header, LazyArray, LazyMapping

from ._read_plot import default_plot
from ._read_tree import nx_class, scalar_text, text
from ._restore import frame_headers, json_marked, original, spectra, stored_header, stored_text

__all__ = ["entry_dataset"]


def entry_dataset(key: str, path: str, group: Group, root: Group, log: Diagnostics, guard: Guard) -> Dataset:
    """The Dataset of the entry (or subentry) ``group`` found at ``path`` of the file's tree."""
    instrument = _child(group, "NXinstrument", "instrument")
    measurement = group.get("measurement")
    origin = f"{log.file}::{path}"
    if isinstance(measurement, Group):
        columns, frames = _measured(measurement, guard, origin, log)
    else:
        columns, frames = {}, _detector_stack(instrument, guard)
    header = stored_header(group, "header", origin, log)
    if header is None:
        attrs = dict(group.attrs)
        definition = scalar_text(group, "definition")
        if definition is not None:
            attrs["definition"] = definition
        header = Header(attrs, origin=origin)
    return Dataset(
        key,
        stored_text(group, "title") or "",
        header,
        columns=columns,
        positioners=LazyMapping(lambda: _positioners(instrument), guard=guard),
        frames=frames,
        spectra=spectra(instrument, origin, log),
        sample=_sample(_child(group, "NXsample", "sample")),
        start_time=stored_text(group, "start_time"),
        end_time=stored_text(group, "end_time"),
        diagnostics=log,
        plot=default_plot(path, group, root, log),
    )


def _child(group: Group, cls: str, name: str) -> Group | None:
    """The first member of NeXus class ``cls``, else the group called ``name`` (files without NX_class)."""
    found = next((node for node in group.values() if nx_class(node) == cls), group.get(name))
    return found if isinstance(found, Group) else None


def _measured(
    measurement: Group, guard: Guard, origin: str, log: Diagnostics
) -> tuple[dict[str, LazyArray], FrameStack | None]:
    """The 1-D counters of a ``measurement`` group, and its first stack of images.

    Arrays that say they are a detector's (``@interpretation``) are not counters; a
    stack whose ``<name>_info`` names its detector (beamio's layout) takes the
    detector's name and per-frame headers, and may be a stack of 1-D frames.
    """
    columns: dict[str, LazyArray] = {}
    frames = None
    for name, node in measurement.items():
        if not isinstance(node, Array):
            continue
        detector = measurement.get(f"{name}_info")
        if node.ndim == 1 and "interpretation" not in node.attrs:
            marked = json_marked(node)  # text HDF5 cannot hold, written as JSON
            columns[original(node)] = LazyArray.from_array(node.value if marked is None else marked)
        elif frames is None and isinstance(detector, Group) and node.ndim >= 2:
            if "calibration" not in detector:  # an MCA's spectra: Dataset.spectra
                headers = frame_headers(detector, node.shape[0], origin, log)
                frames = FrameStack.from_array(node.value, headers, name=original(detector), guard=guard)
        elif node.ndim >= 3 and frames is None:
            frames = FrameStack.from_array(node.value, name=name, guard=guard)
    return columns, frames


def _detector_stack(instrument: Group | None, guard: Guard) -> FrameStack | None:
    """The first image stack (3-D or more) among the ``data`` of the instrument's NXdetectors."""
    for name, node in instrument.items() if instrument is not None else ():
        data = node.get("data") if isinstance(node, Group) and nx_class(node) == "NXdetector" else None
        if isinstance(data, Array) and data.ndim >= 3:
            return FrameStack.from_array(data.value, name=name, guard=guard)
    return None


def _positioners(instrument: Group | None) -> dict[str, Any]:
    """The scalars and 1-D arrays of ``instrument/positioners`` (BLISS)."""
    motors = instrument.get("positioners") if instrument is not None else None
    if not isinstance(motors, Group):
        return {}
    return {
        original(node): _value(node) for node in motors.values() if isinstance(node, Array) and node.ndim <= 1
    }


def _value(node: Array) -> Any:
    """A positioner's value: a scalar read now, an array lazy; text written as JSON decoded."""
    marked = json_marked(node)
    if marked is not None:
        return marked
    return node.value[()] if node.ndim == 0 else node.value


def _sample(group: Group | None) -> Mapping[str, Any]:
    """The NXsample as a mapping, read when first used."""
    return {} if group is None else LazyMapping(lambda: _values(group))


def _values(group: Group) -> dict[str, Any]:
    """Scalars as Python values (text decoded), other arrays lazy, groups as nested mappings."""
    out: dict[str, Any] = {}
    for name, node in group.items():
        marked = None if isinstance(node, Group) else json_marked(node)  # text HDF5 cannot hold, as JSON
        if isinstance(node, Group):
            out[name] = _sample(node)
        elif marked is not None:
            out[name] = marked
        elif node.shape in ((), (1,)):  # the NeXus API wrote every scalar as a one-element array
            out[name] = text(node[...])
        else:
            out[name] = node.value
    return out
