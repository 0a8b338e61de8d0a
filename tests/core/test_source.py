"""Heads read once through compression, Sources that close what they open, atomic targets."""

from __future__ import annotations

import bz2
import gzip
import lzma
from pathlib import Path

import pytest

import beamio
from beamio import Source, read_head
from beamio._source import atomic_target
from beamio.errors import FormatError, TargetExistsError

CONTENT = b"{\nHeaderID = EH:000001 ;\nDim_1 = 4 ;\n}\n" + bytes(range(256)) * 4


@pytest.mark.parametrize(
    ("opener", "ending", "kind"),
    [(gzip.open, ".gz", "gzip"), (bz2.open, ".bz2", "bz2"), (lzma.open, ".xz", "xz")],
)
def test_head_is_read_through_whole_file_compression(tmp_path: Path, opener, ending: str, kind: str) -> None:
    path = tmp_path / f"image.edf{ending}"
    with opener(path, "wb") as out:
        out.write(CONTENT)
    head = read_head(path)
    assert head.data == CONTENT
    assert head.compression == kind
    assert head.name == "image.edf"
    assert head.size == path.stat().st_size


def test_head_of_a_plain_file_is_at_most_head_size(tmp_path: Path) -> None:
    path = tmp_path / "big.bin"
    path.write_bytes(b"x" * 100_000)
    head = read_head(path, size=1000)
    assert head.data == b"x" * 1000 and head.compression is None and head.text == "x" * 1000


def test_damaged_compression_is_a_format_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.edf.gz"
    path.write_bytes(gzip.compress(CONTENT)[:30])
    with pytest.raises(FormatError, match=r"broken\.edf\.gz: the gzip compression is damaged"):
        read_head(path)


def test_source_open_decompresses_and_file_closes_its_handles(tmp_path: Path) -> None:
    path = tmp_path / "x.bz2"
    path.write_bytes(bz2.compress(CONTENT))
    source = Source(str(path), read_head(path))
    handle = source.open()
    assert handle.read() == CONTENT
    file = source.file([])
    assert not handle.closed
    file.close()
    assert handle.closed and source.guard.closed


def test_atomic_target_renames_only_on_success(tmp_path: Path) -> None:
    final = tmp_path / "out.dat"
    with atomic_target(final) as target:
        assert target.temp.parent == tmp_path and target.temp != final
        target.temp.write_text("complete")
        assert not final.exists()
    assert final.read_text() == "complete"
    assert [p.name for p in tmp_path.iterdir()] == ["out.dat"]


def test_atomic_target_leaves_nothing_on_error_and_keeps_the_old_file(tmp_path: Path) -> None:
    final = tmp_path / "out.dat"
    final.write_text("previous")
    with pytest.raises(RuntimeError), atomic_target(final, overwrite=True) as target:
        target.temp.write_text("half")
        raise RuntimeError("disk full")
    assert final.read_text() == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["out.dat"]


def test_atomic_target_refuses_an_existing_file_unless_asked(tmp_path: Path) -> None:
    final = tmp_path / "out.dat"
    final.write_text("previous")
    refused = pytest.raises(TargetExistsError, match=r"out\.dat exists; pass overwrite=True")
    with refused, atomic_target(final):
        pass
    with atomic_target(final, overwrite=True) as target:
        target.temp.write_text("new")
    assert final.read_text() == "new"


def test_a_writer_that_writes_nothing_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="the writer wrote nothing"), atomic_target(tmp_path / "o"):
        pass


def test_a_spec_file_compressed_into_a_bomb_stops_at_the_bound(tmp_path: Path) -> None:
    """Every reader that takes the whole content (SPEC, MCA) gets it bounded, not only EDF and NeXus."""
    from beamio.testing import allocating_at_most

    packer = bz2.BZ2Compressor(9)
    chunks = [
        packer.compress(b"#F bomb\n#S 1 ascan\n#L a  b\n"),
        *(packer.compress(b"\n" * (1 << 24)) for _ in range(17)),
    ]
    path = tmp_path / "bomb.spec.bz2"
    path.write_bytes(b"".join(chunks) + packer.flush())
    size = path.stat().st_size
    with allocating_at_most(300 << 20), pytest.raises(FormatError) as caught, beamio.open(path) as f:
        f[0].columns  # noqa: B018
    assert str(caught.value) == (
        f"{path}: the bz2 content inflates beyond {256 << 20} bytes, more than {(256 << 20) // size} times"
        f" its {size} bytes: a decompression bomb? Decompress it first to read it"
    )
    assert beamio.inflated_limit(size) == 256 << 20 and beamio.inflated_limit(1 << 20) == 1032 << 20
