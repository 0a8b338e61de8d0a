"""EDF frame stacks as beamio-edf reads them: each frame with its own header, the data's keys right.

Every frame's header holds what an EDF writer puts there — HeaderID, Image, ByteOrder,
DataType (in one of the spellings real files use), Dim_1…, Size — with user keys
(spaces inside, some in a few frames only, repeated ones), ``motor_mne``/``motor_pos``
and ``counter_mne``/``counter_pos``. The Dataset is what the reader makes of the frames:
its header is the first frame's, its title that header's ``title``, its positioners the
motors (one value, or one per frame) and its columns the counters (one value per frame).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from ..._dataset import Dataset
from ..._frames import FrameStack
from ..._header import Header
from ._text import float64s, names, number_text, values_of

__all__ = ["EDF_DTYPES", "edf_datasets", "edf_frame_shapes"]

#: DataType spellings of each numpy type: the EDF table's name first, then those of real files.
_SPELLINGS: dict[str, tuple[str, ...]] = {
    "i1": ("SignedByte", "Signed8", "SignedChar", "Int8"),
    "u1": ("UnsignedByte", "Unsigned8", "UnsignedChar", "UInt8"),
    "i2": ("SignedShort", "Signed16", "Int16"),
    "u2": ("UnsignedShort", "Unsigned16", "UnsignedShortInteger", "UInt16"),
    "i4": ("SignedInteger", "SignedLong", "Signed32", "Int32"),
    "u4": ("UnsignedInteger", "UnsignedLong", "Unsigned32", "UInt32"),
    "i8": ("Signed64", "Int64"),
    "u8": ("Unsigned64", "UInt64"),
    "f4": ("FloatValue", "Float", "FLOAT", "Float32", "FloatIEEE32", "Real"),
    "f8": ("DoubleValue", "Double", "Float64", "DoubleIEEE64"),
    "f16": ("QuadrupleValue",),
}


def _quadruple() -> bool:
    """Whether numpy's long double is the 128-bit float EDF's QuadrupleValue needs."""
    info = np.finfo(np.longdouble)
    return np.dtype(np.longdouble).itemsize == 16 and info.nmant >= 63


#: The numpy types of EDF data (QuadrupleValue where numpy's long double holds it).
EDF_DTYPES: tuple[str, ...] = (
    "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64", "float32", "float64",
    *(("longdouble",) if _quadruple() else ()),
)  # fmt: skip

#: Keys the strategy sets itself: the data's, the motors', the counters' and the title.
_SET = frozenset(
    {"HeaderID", "Image", "ByteOrder", "DataType", "Dim_1", "Dim_2", "Dim_3", "Size", "Compression",
     "EDF_BinarySize", "EDF_HeaderSize", "EDF_DataBlockID", "motor_mne", "motor_pos", "counter_mne",
     "counter_pos", "title"}
)  # fmt: skip

_words = names(10, rest="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-:/")
#: A user key: words joined by single spaces (keys with spaces exist), none of the keys set here.
_user_keys = st.lists(_words, min_size=1, max_size=2).map(" ".join).filter(lambda k: k not in _SET)
#: A value: any text without ';' (it ends a value) or braces; line breaks inside it are kept.
_values = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cc", "Cs", "Zl", "Zp", "Co", "Cn"), blacklist_characters=";{}"
    )
    | st.just("\n"),
    max_size=30,
).map(str.strip)


def edf_frame_shapes(max_dims: int = 3, max_side: int = 5) -> st.SearchStrategy[tuple[int, ...]]:
    """Shapes of EDF frames: 1 to 3 dimensions (Dim_1 is the last, fastest axis)."""
    return st.lists(st.integers(1, max_side), min_size=1, max_size=max_dims).map(tuple)


def _type_name(dtype: np.dtype) -> str:
    return "f16" if dtype.kind == "f" and dtype.itemsize == 16 else f"{dtype.kind}{dtype.itemsize}"


@st.composite
def _edf_dataset(
    draw: st.DrawFn,
    number: int,
    dtypes: tuple[str, ...],
    shapes: st.SearchStrategy[tuple[int, ...]],
    max_frames: int,
) -> Dataset:
    dtype = np.dtype(draw(st.sampled_from(dtypes)))
    shape = draw(shapes)
    count = draw(st.integers(1, max_frames))
    data = draw(values_of(dtype, (count, *shape)))
    order = draw(st.sampled_from(["LowByteFirst", "HighByteFirst"]))
    spelling = draw(st.sampled_from(_SPELLINGS[_type_name(dtype)]))
    binary_size = draw(st.booleans())
    keys = draw(st.lists(_user_keys, max_size=5))
    motors = draw(st.lists(_words, max_size=4, unique=True))
    counters = draw(st.lists(_words, max_size=3, unique=True))
    motor_values = [[draw(float64s) for _ in motors] for _ in range(count)]
    counter_values = [[draw(float64s) for _ in counters] for _ in range(count)]
    titled = draw(st.booleans())
    shuffled = draw(st.booleans())

    headers = []
    for i in range(count):
        data_keys: list[tuple[str, Any]] = [
            ("HeaderID", f"EH:{i + 1:06d}:000000:000000"),
            ("Image", str(i + 1)),
            ("ByteOrder", order),
            ("DataType", spelling),
            *((f"Dim_{n}", str(size)) for n, size in enumerate(reversed(shape), 1)),
            ("Size", str(data[i].nbytes)),
        ]
        if binary_size:
            data_keys.append(("EDF_BinarySize", str(data[i].nbytes)))
        others: list[tuple[str, Any]] = [(key, draw(_values)) for key in keys if draw(st.booleans())]
        if titled:
            others.append(("title", draw(_values)))
        if motors:
            others.append(("motor_mne", " ".join(motors)))
            others.append(("motor_pos", " ".join(number_text(v) for v in motor_values[i])))
        if counters:
            others.append(("counter_mne", " ".join(counters)))
            others.append(("counter_pos", " ".join(number_text(v) for v in counter_values[i])))
        entries = data_keys + others
        headers.append(Header(draw(st.permutations(entries)) if shuffled else entries))

    motor_table = np.array(motor_values, dtype=np.float64).reshape(count, len(motors))
    positioners: dict[str, Any] = {
        name: float(motor_table[0, k]) if count == 1 else motor_table[:, k].copy()
        for k, name in enumerate(motors)
    }
    counter_table = np.array(counter_values, dtype=np.float64).reshape(count, len(counters))
    return Dataset(
        f"{number}.1",
        headers[0].get("title", ""),
        headers[0],
        columns={name: counter_table[:, k].copy() for k, name in enumerate(counters)},
        positioners=positioners,
        frames=FrameStack.from_array(data, headers),
    )


def edf_datasets(
    number: int = 1,
    *,
    dtypes: tuple[str, ...] = EDF_DTYPES,
    shapes: st.SearchStrategy[tuple[int, ...]] | None = None,
    max_frames: int = 3,
) -> st.SearchStrategy[Dataset]:
    """A stack of EDF frames of one dtype and shape, each with its header, as the reader gives it.

    Parameters
    ----------
    number
        The Dataset's key is ``"<number>.1"`` (the reader numbers runs of frames of one shape).
    dtypes
        The numpy types to draw from (default: every EDF type).
    shapes
        Frame shapes (default :func:`edf_frame_shapes`).
    max_frames
        At most this many frames (at least one).
    """
    return _edf_dataset(number, dtypes, shapes if shapes is not None else edf_frame_shapes(), max_frames)
