"""An h5dump-like description of an HDF5 file: what any reader can see, as JSON-ready dicts.

Every link in its order (creation order where the group tracks it), each group's order
flags, each dataset's HDF5 type, shape, chunks, filters and values, each attribute's
type, shape and value, in their order. Not described: how HDF5 stores an object
(contiguous or compact, object header versions, times), which readers do not see.
"""

from __future__ import annotations

import hashlib
from collections.abc import Container
from pathlib import Path
from typing import Any

import h5py
import numpy as np
from h5py import h5, h5a, h5d, h5l, h5o, h5p, h5s, h5t

#: Root attributes whose values change from run to run or from one installation to another.
VARYING = ("file_time", "creator", "HDF5_Version", "h5py_version")


def hdf5_type(tid: Any) -> Any:
    """An HDF5 type in a few words: ``<f8``, ``str utf-8 vlen nullterm``, ``enum(|i1 FALSE=0 TRUE=1)``."""
    kind, size = tid.get_class(), tid.get_size()
    if kind in (h5t.INTEGER, h5t.FLOAT):
        order = "<" if tid.get_order() == h5t.ORDER_LE else ">"
        letter = "f" if kind == h5t.FLOAT else ("i" if tid.get_sign() == h5t.SGN_2 else "u")
        return f"{order if size > 1 else '|'}{letter}{size}"
    if kind == h5t.STRING:
        cset = "utf-8" if tid.get_cset() == h5t.CSET_UTF8 else "ascii"
        length = "vlen" if tid.is_variable_str() else f"fixed {size}"
        pad = {h5t.STR_NULLTERM: "nullterm", h5t.STR_NULLPAD: "nullpad", h5t.STR_SPACEPAD: "spacepad"}
        return f"str {cset} {length} {pad[tid.get_strpad()]}"
    if kind == h5t.ENUM:
        members = " ".join(
            f"{tid.get_member_name(i).decode()}={tid.get_member_value(i)}" for i in range(tid.get_nmembers())
        )
        return f"enum({hdf5_type(tid.get_super())} {members})"
    if kind == h5t.COMPOUND:
        members = ", ".join(
            f"{tid.get_member_name(i).decode()}@{tid.get_member_offset(i)}:"
            f"{hdf5_type(tid.get_member_type(i))}"
            for i in range(tid.get_nmembers())
        )
        return f"compound({members})"
    return f"class {kind} size {size}"


def _space(sid: Any) -> Any:
    kind = sid.get_simple_extent_type()
    if kind == h5s.SIMPLE:
        return {"shape": list(sid.shape), "max": list(sid.get_simple_extent_dims(maxdims=True))}
    return "scalar" if kind == h5s.SCALAR else "null"


def _value(data: Any) -> Any:
    """Small values as they are (text decoded), larger arrays as dtype, shape and a hash of the bytes."""
    if isinstance(data, np.ndarray) and data.dtype.kind not in "OSU" and data.size > 16:
        digest = hashlib.sha1(np.ascontiguousarray(data).tobytes()).hexdigest()[:16]
        return f"{data.dtype.str}{list(data.shape)} sha1 {digest}"
    plain = data.tolist() if isinstance(data, (np.ndarray, np.generic)) else data
    return _decoded(plain)


def _decoded(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode("utf-8", "backslashreplace")
    if isinstance(value, list):
        return [_decoded(v) for v in value]
    if isinstance(value, complex):
        return [value.real, value.imag]
    return value


def _filter(described: tuple[Any, ...]) -> list[Any]:
    code, flags, values = described[:3]
    return [code, flags, list(values)]


def _index(tracked: int) -> int:
    return h5.INDEX_CRT_ORDER if tracked & h5p.CRT_ORDER_TRACKED else h5.INDEX_NAME


def _attributes(oid: Any, varying: Container[str]) -> list[Any]:
    names: list[bytes] = []
    order = _index(oid.get_create_plist().get_attr_creation_order())
    h5a.iterate(oid, lambda name, *_: names.append(name), index_type=order)
    described = []
    for name in names:
        attr = h5a.open(oid, name)
        space = attr.get_space()
        data = np.empty(attr.shape or (), dtype=attr.dtype)
        if space.get_simple_extent_type() != h5s.NULL:
            attr.read(data)
        value = "(varies)" if name.decode() in varying else _value(data[()] if data.ndim == 0 else data)
        described.append([name.decode(), hdf5_type(attr.get_type()), _space(space), value])
    return described


def describe(path: str | Path, varying: Container[str] = VARYING) -> list[dict[str, Any]]:
    """Every object of the file at ``path``, root first, then depth first in link order."""
    lines: list[dict[str, Any]] = []
    with h5py.File(path, "r") as f:

        def group(gid: Any, where: str, link: dict[str, Any]) -> None:
            plist = gid.get_create_plist()
            order = [plist.get_link_creation_order(), plist.get_attr_creation_order()]
            lines.append({"path": where or "/", **link, "order": order, "attrs": _attributes(gid, varying)})
            names: list[bytes] = []
            gid.links.iterate(names.append, idx_type=_index(order[0]))
            for name in names:
                member = f"{where}/{name.decode()}"
                info = gid.links.get_info(name)
                link = {"link_cset": info.cset}
                if info.type == h5l.TYPE_SOFT:
                    lines.append({"path": member, "soft": gid.links.get_val(name).decode(), **link})
                elif info.type == h5l.TYPE_EXTERNAL:
                    lines.append({"path": member, "external": [v.decode() for v in gid.links.get_val(name)]})
                else:
                    oid = h5o.open(gid, name)
                    if isinstance(oid, h5py.h5g.GroupID):
                        group(oid, member, {"group": True, **link})
                    else:
                        dataset(oid, member, link)

        def dataset(did: Any, where: str, link: dict[str, Any]) -> None:
            plist = did.get_create_plist()
            chunked = plist.get_layout() == h5d.CHUNKED
            lines.append(
                {
                    "path": where,
                    "dataset": hdf5_type(did.get_type()),
                    **link,
                    "space": _space(did.get_space()),
                    "chunks": list(plist.get_chunk()) if chunked else None,
                    "filters": [_filter(plist.get_filter(i)) for i in range(plist.get_nfilters())],
                    "attr_order": plist.get_attr_creation_order(),
                    "value": _value(h5py.Dataset(did)[()]),
                    "attrs": _attributes(did, varying),
                }
            )

        group(f.id, "", {})
    return lines
