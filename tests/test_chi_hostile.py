"""Hostile input for the third-party .chi plugin (issue 8): a file reads or is refused with a FormatError.

The plugin is read from its source folder through a scoped registry, as in
test_third_party.py: nothing is installed for it.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import beamio
from beamio.errors import FormatError
from beamio.testing import read_everything

DISTS = Path(__file__).parent / "fixtures" / "dists"
HOSTILE = settings(
    max_examples=200, deadline=2000, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(scope="module")
def registry() -> Iterator[beamio.Registry]:
    """beamio's plugins and the chi plugin, imported from its source folder."""
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(DISTS / "beamio-chi" / "src"))
        plugin: ModuleType = importlib.import_module("beamio_chi.plugin")
        yield beamio.Registry(plugins=[plugin])
    for name in [m for m in sys.modules if m.partition(".")[0] == "beamio_chi"]:
        del sys.modules[name]


def _read(
    registry: beamio.Registry, path: Path, content: bytes
) -> tuple[dict[str, list[float]], list[str]] | None:
    """``content`` read as .chi: its columns and diagnostics; None when refused with a FormatError."""
    path.write_bytes(content)
    try:
        with registry.open(path, format="chi") as f:
            read_everything(f)
            columns = {name: values.tolist() for name, values in f["1"].columns.items()}
            return columns, [str(d) for d in f.diagnostics]
    except FormatError:
        return None


_lines = st.lists(
    st.one_of(
        st.text(max_size=20),
        st.lists(st.floats(allow_nan=True, allow_infinity=True) | st.integers(), max_size=4).map(
            lambda row: " ".join(map(str, row))
        ),
        st.sampled_from(["", "  ", "1e999 2", "nan nan", "0x10 1", "1,2", "99999999999999999999"]),
    ),
    max_size=12,
)


@HOSTILE
@given(st.binary(max_size=512))
def test_any_bytes_read_or_are_refused(tmp_path: Path, registry: beamio.Registry, content: bytes) -> None:
    _read(registry, tmp_path / "any.chi", content)


@HOSTILE
@given(_lines, st.sampled_from(["\n", "\r\n", "\r"]), st.sampled_from(["utf-8", "latin-1", "utf-16"]))
def test_lines_of_anything_read_or_are_refused(
    tmp_path: Path, registry: beamio.Registry, lines: list[str], newline: str, encoding: str
) -> None:
    content = newline.join(["title", "2-Theta", "Intensity", str(len(lines)), *lines]).encode(
        encoding, "replace"
    )
    _read(registry, tmp_path / "lines.chi", content)


@pytest.mark.parametrize(
    ("content", "columns", "said"),
    [
        (b"t\nx\ny\n99999999999999999999999\n1 2\n", {"x": [1.0], "y": [2.0]},
         ["line 4: 99999999999999999999999 points announced, 1 rows read"]),
        (b"t\r\nx\r\ny\r\n2\r\n1 2\r\n3 4\r\n", {"x": [1.0, 3.0], "y": [2.0, 4.0]}, []),
        (b"caf\xe9\nx\ny\n1\n1 2\n", {"x": [1.0], "y": [2.0]}, []),
        (b"t\nx\ny\n1\n1\x002\n", {"x": [], "y": []},
         ["line 5: expected numbers, found '1\\x002'", "line 4: 1 points announced, 0 rows read"]),
    ],
    ids=["points-beyond-int64", "CRLF", "title-not-UTF-8", "NUL-in-a-row"],
)  # fmt: skip
def test_hand_made_files(
    tmp_path: Path,
    registry: beamio.Registry,
    content: bytes,
    columns: dict[str, list[float]],
    said: list[str],
) -> None:
    path = tmp_path / "hand.chi"
    assert _read(registry, path, content) == (columns, [f"{path}, {s}" for s in said])


def test_a_points_line_that_is_not_a_number_is_refused(tmp_path: Path, registry: beamio.Registry) -> None:
    path = tmp_path / "arabic.chi"
    path.write_bytes("t\nx\ny\n\u0663\n1 2\n".encode())  # a digit, but not an ASCII one
    with pytest.raises(FormatError) as caught:
        registry.open(path, format="chi")
    assert str(caught.value) == f"{path}, line 4: expected the number of points, found '\u0663'"
