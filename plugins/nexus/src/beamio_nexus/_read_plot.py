"""An entry's default plot: the NXdata group its ``@default`` chain names, as a beamio Plot.

The NeXus rules, with the older styles files still use: the signal is named by
the group's ``@signal`` (or is the dataset with ``@signal=1``); the axes by the
group's ``@axes`` (``"."`` where a dimension has none) placed by
``@AXISNAME_indices``, or by ``@axes="x:y"`` on the signal, or by datasets with
``@axis=n`` (``@primary=1`` choosing among several); uncertainties are
``<signal>_errors`` or ``errors``; the title a ``title`` dataset or ``@title``.
"""

from __future__ import annotations

import posixpath
import re
from typing import Any

import numpy as np

from beamio import Array, Diagnostics, Group, Plot

from ._read_tree import nx_class, scalar_text, text

__all__ = ["default_plot", "nxdata_plot"]

#: Signal interpretations whose shorter ``@axes`` name the last dimensions (as silx reads them).
_TRAILING = ("spectrum", "image")


def _join(path: str, name: str) -> str:
    return f"{path.rstrip('/')}/{name}"


def default_plot(path: str, entry: Group, root: Group, log: Diagnostics) -> Plot | None:
    """The plot of the entry at ``path``: its ``@default`` NXdata, else its first NXdata that has a signal."""
    named = _follow_default(*_start(path, entry, root), root, log)
    if named is not None:
        return nxdata_plot(*named, log)
    for name, node in entry.items():
        if isinstance(node, Group) and nx_class(node) == "NXdata":
            plot = nxdata_plot(_join(path, name), node, log)
            if plot is not None:
                return plot
    return None


def _start(path: str, entry: Group, root: Group) -> tuple[str, Group]:
    """Where an entry's ``@default`` chain starts: the entry, or a group in it that root@default names."""
    target = root.attrs.get("default")
    if "default" in entry.attrs or not isinstance(target, str):
        return path, entry
    where = posixpath.normpath(posixpath.join("/", target))
    node = root.get(where) if where.startswith(f"{path.rstrip('/')}/") else None
    return (where, node) if isinstance(node, Group) else (path, entry)


def _follow_default(path: str, group: Group, root: Group, log: Diagnostics) -> tuple[str, Group] | None:
    """Follow ``@default`` from ``group`` down to an NXdata group; None where there is no ``@default``."""
    seen = {path}
    while nx_class(group) != "NXdata":
        target = group.attrs.get("default")
        if not isinstance(target, str) or not target:
            return None
        where = posixpath.normpath(posixpath.join(path, target))
        node = root.get(where)
        if not isinstance(node, Group) or where in seen:
            log.report(f"{path}: @default names {target!r}, which leads to no NXdata group")
            return None
        seen.add(where)
        path, group = where, node
    return path, group


def nxdata_plot(where: str, group: Group, log: Diagnostics) -> Plot | None:
    """The plot the NXdata group at ``where`` describes; None, with a diagnostic, if its signal is missing."""
    name = _signal_name(group)
    if name is None:
        return None
    signal = group.get(name)
    if not isinstance(signal, Array):
        log.report(f"{where}: the NXdata names the signal {name!r}, which it does not hold; no default plot")
        return None
    names = _axis_names(group, signal)
    axes = _place(where, group, signal, names, log)
    # mypy types Plot.axes by its converter, the builtin ``tuple``, as Iterable[<unsolved>].
    return Plot(_join(where, name), axes, _title(group, [name, *names]), _errors(where, group, name))


def _signal_name(group: Group) -> str | None:
    """The group's ``@signal``, else the dataset marked ``@signal=1`` (the style before NeXus 2014)."""
    signal = group.attrs.get("signal")
    if signal is not None:
        return str(signal)
    for name, node in group.items():
        if isinstance(node, Array) and str(node.attrs.get("signal")) == "1":
            return name
    return None


def _axis_names(group: Group, signal: Array) -> list[str | None]:
    """The axis names as the group lists them, None for ``"."``."""
    axes = group.attrs.get("axes", signal.attrs.get("axes"))
    if axes is None:
        return _numbered_axes(group, signal.ndim)
    words = [word.strip() for item in np.ravel(axes) for word in re.split("[:,]", str(text(item)))]
    return [None if word in (".", "") else word for word in words]


def _numbered_axes(group: Group, ndim: int) -> list[str | None]:
    """The oldest style: datasets with ``@axis=n`` (counted from 1; some writers count from 0)."""
    numbered: list[tuple[int, bool, str]] = []
    for name, node in group.items():
        if isinstance(node, Array) and "axis" in node.attrs:
            try:
                axis = int(node.attrs["axis"])
            except (TypeError, ValueError):
                continue
            numbered.append((axis, str(node.attrs.get("primary", "1")) != "1", name))
    base = 0 if any(axis == 0 for axis, _, _ in numbered) else 1
    out: list[str | None] = [None] * ndim
    for axis, _, name in sorted(numbered):  # a primary axis before the others of its dimension
        if 0 <= axis - base < ndim and out[axis - base] is None:
            out[axis - base] = name
    return out


def _place(
    where: str, group: Group, signal: Array, names: list[str | None], log: Diagnostics
) -> tuple[str | None, ...]:
    """One axis path per signal dimension (None where the plot uses the index); a scatter's axes all."""
    for name in names:
        if name is not None and not isinstance(group.get(name), Array):
            log.report(f"{where}: the NXdata names the axis {name!r}, which it does not hold")
    present = [name if isinstance(group.get(name or ""), Array) else None for name in names]
    ndim = signal.ndim
    if ndim == 1 and len(present) > 1:  # a scatter: every axis runs along the one dimension
        return tuple(None if name is None else _join(where, name) for name in present)
    trailing = len(present) < ndim and _interpretation(group, signal) in _TRAILING
    out: list[str | None] = [None] * ndim
    for position, name in enumerate(present, start=ndim - len(present) if trailing else 0):
        if name is None:
            continue
        dims = _indices(group.attrs.get(f"{name}_indices"))
        dim = position if not dims or position in dims else dims[0]
        if 0 <= dim < ndim and out[dim] is None:
            out[dim] = _join(where, name)
    return tuple(out)


def _interpretation(group: Group, signal: Array) -> str:
    return str(signal.attrs.get("interpretation", group.attrs.get("interpretation")))


def _indices(value: Any) -> list[int]:
    """``@AXISNAME_indices`` as a list of dimensions (empty when absent or not integers)."""
    if value is None:
        return []
    try:
        return [int(v) for v in np.ravel(value)]
    except (TypeError, ValueError):
        return []


def _title(group: Group, used: list[str | None]) -> str | None:
    """A ``title`` dataset (unless it is the signal or an axis), else ``@title``."""
    if isinstance(group.get("title"), Array) and "title" not in used:
        return scalar_text(group, "title")
    title = group.attrs.get("title")
    return None if title is None else str(title)


def _errors(where: str, group: Group, signal: str) -> str | None:
    """The uncertainties of the signal: ``<signal>_errors``, else the older ``errors``."""
    for name in (f"{signal}_errors", "errors"):
        if isinstance(group.get(name), Array):
            return _join(where, name)
    return None
