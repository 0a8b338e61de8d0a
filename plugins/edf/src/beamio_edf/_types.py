"""EDF's data types and byte orders, with the spellings real files use."""

from __future__ import annotations

from typing import Literal

import numpy as np

__all__ = ["COMPRESSIONS", "NO_COMPRESSION", "byte_order", "dtype_of", "edf_type_name"]

# The names of the EDF table first (the names the writer uses), then the spellings found in files.
_TYPES: dict[str, str] = {
    "SignedByte": "i1",
    "UnsignedByte": "u1",
    "SignedShort": "i2",
    "UnsignedShort": "u2",
    "SignedInteger": "i4",
    "UnsignedInteger": "u4",
    "Signed64": "i8",
    "Unsigned64": "u8",
    "FloatValue": "f4",
    "DoubleValue": "f8",
    "QuadrupleValue": "quad",
    # other spellings
    "SignedLong": "i4",
    "UnsignedLong": "u4",
    "Signed8": "i1",
    "Unsigned8": "u1",
    "UnsignedChar": "u1",
    "SignedChar": "i1",
    "Signed16": "i2",
    "Unsigned16": "u2",
    "UnsignedShortInteger": "u2",
    "Signed32": "i4",
    "Unsigned32": "u4",
    "Float": "f4",
    "Float32": "f4",
    "FloatIEEE32": "f4",
    "Real": "f4",
    "Double": "f8",
    "Float64": "f8",
    "FloatIEEE64": "f8",
    "DoubleIEEE64": "f8",
    "Int8": "i1",
    "UInt8": "u1",
    "Int16": "i2",
    "UInt16": "u2",
    "Int32": "i4",
    "UInt32": "u4",
    "Int64": "i8",
    "UInt64": "u8",
}
_BY_SPELLING = {name.lower(): code for name, code in _TYPES.items()}
_WRITE_NAMES = {"i1": "SignedByte", "u1": "UnsignedByte", "i2": "SignedShort", "u2": "UnsignedShort",
                "i4": "SignedInteger", "u4": "UnsignedInteger", "i8": "Signed64", "u8": "Unsigned64",
                "f4": "FloatValue", "f8": "DoubleValue"}  # fmt: skip


#: Compression key values (lower case) → the codec of a data block; the values meaning none.
COMPRESSIONS = {"gzip": "gzip", "gzipcompression": "gzip", "zlib": "zlib", "zcompression": "zlib",
                "bzip2": "bzip2", "bz2": "bzip2", "bzip2compression": "bzip2"}  # fmt: skip
NO_COMPRESSION = frozenset({"", "none", "nocompression", "no"})


def dtype_of(name: str, order: str) -> np.dtype:
    """The numpy dtype of an EDF DataType in a ByteOrder; ValueError naming what is unknown."""
    code = _BY_SPELLING.get(name.strip().replace(" ", "").lower())
    if code is None:
        raise ValueError(f"unknown DataType {name!r}")
    if code == "quad":
        if np.dtype(np.longdouble).itemsize != 16 or np.finfo(np.longdouble).nmant < 63:
            raise ValueError("DataType QuadrupleValue needs a 128-bit float, which this platform lacks")
        return np.dtype(np.longdouble).newbyteorder(byte_order(order))
    return np.dtype(code).newbyteorder(byte_order(order))


def byte_order(order: str) -> Literal["<", ">"]:
    """``LowByteFirst`` → ``<``, ``HighByteFirst`` → ``>``; ValueError otherwise."""
    spelled = order.strip().lower()
    if spelled in ("lowbytefirst", "little", "littleendian"):
        return "<"
    if spelled in ("highbytefirst", "big", "bigendian"):
        return ">"
    raise ValueError(f"unknown ByteOrder {order!r}")


def edf_type_name(dtype: np.dtype) -> str:
    """The EDF DataType name of a numpy dtype; ValueError for types EDF cannot hold."""
    dtype = np.dtype(dtype)
    if dtype.kind == "f" and dtype.itemsize == 16:
        return "QuadrupleValue"
    code = f"{dtype.kind}{dtype.itemsize}"
    if code not in _WRITE_NAMES:
        raise ValueError(f"EDF has no DataType for {dtype}")
    return _WRITE_NAMES[code]
