"""Make the committed seeds of the fuzz targets: ``python fuzz/seeds/make.py [edf|fabio|nexus|chi|mca]``.

Small files (a few KiB each) that reach the parts of each reader the corpus in
../shared/corpus does not: EDF frames compressed block by block, big-endian and 3-D;
fabio's other formats (CBF, TIFF, Bruker, ADSC, Esperanto …); HDF5 files with
links, compact, chunked and compressed datasets and beamio's own NeXus layout; one MCA
file of each kind (Amptek, Maestro, CHN, SPEC-style, one column) and a CSV of two columns.
The seeds are committed; run this again only to change them.
"""

from __future__ import annotations

import bz2
import os
import sys
import tempfile
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def _image(shape: tuple[int, ...] = (8, 12), dtype: str = "uint16") -> np.ndarray:
    return ((np.arange(int(np.prod(shape))) * 37) % 251).astype(dtype).reshape(shape)


# -- EDF ----------------------------------------------------------------------------------------
def _edf_header(pairs: list[tuple[str, object]], newline: bytes = b"\n") -> bytes:
    text = b"{" + newline + b"".join(f"{k} = {v} ;".encode() + newline for k, v in pairs)
    closing = b"}" + newline
    return text + b" " * (-(len(text) + len(closing)) % 512) + closing


def _edf_frame(data: np.ndarray, image: int = 1, order: str = "LowByteFirst", **extra: object) -> bytes:
    types = {"i1": "SignedByte", "u1": "UnsignedByte", "i2": "SignedShort", "u2": "UnsignedShort",
             "i4": "SignedInteger", "f4": "FloatValue", "f8": "DoubleValue", "i8": "Signed64"}  # fmt: skip
    dims = [(f"Dim_{n}", size) for n, size in enumerate(reversed(data.shape), 1)]
    block = data.astype(data.dtype.newbyteorder("<" if order == "LowByteFirst" else ">")).tobytes()
    compression = extra.pop("Compression", None)
    if compression == "gzip":
        packer = zlib.compressobj(6, zlib.DEFLATED, zlib.MAX_WBITS | 16)
        block = packer.compress(block) + packer.flush()
    elif compression == "zlib":
        block = zlib.compress(block)
    elif compression == "bzip2":
        block = bz2.compress(block)
    pairs: list[tuple[str, object]] = [
        ("HeaderID", f"EH:{image:06d}:000000:000000"),
        ("Image", image),
        ("ByteOrder", order),
        ("DataType", types[f"{data.dtype.kind}{data.dtype.itemsize}"]),
        *dims,
        ("Size", len(block)),
    ]
    if compression:
        pairs.append(("Compression", compression))
    pairs += list(extra.items())
    return _edf_header(pairs) + block


def edf(folder: Path) -> None:
    """Frames of each kind the reader tells apart."""
    motors = {"motor_mne": "th tth", "motor_pos": "0.5 1.0", "counter_mne": "mon det", "counter_pos": "10 20"}
    crlf = [("Dim_1", 4), ("Dim_2", 2), ("DataType", "UnsignedShort"), ("Size", 16)]
    binary = [
        ("EDF_DataBlockID", "0.Image.Psd"),
        ("EDF_BinarySize", 8),
        ("Dim_1", 4),
        ("DataType", "UnsignedShort"),
    ]
    seeds = {
        "two_frames.edf": _edf_frame(_image(), 1, **motors) + _edf_frame(_image() + 1, 2, **motors),
        "big_endian_3d.edf": _edf_frame(_image((2, 3, 4), "int32"), order="HighByteFirst"),
        "gzip_block.edf": _edf_frame(_image((16, 16), "float32"), Compression="gzip"),
        "zlib_block.edf": _edf_frame(_image((16, 16), "float64"), Compression="zlib"),
        "bzip2_block.edf": _edf_frame(_image((16, 16), "int8"), Compression="bzip2"),
        "two_layouts.edf": _edf_frame(_image((4, 4), "uint8")) + _edf_frame(_image((2, 3), "int64"), 2),
        "crlf.edf": _edf_header(crlf, newline=b"\r\n") + _image((2, 4)).tobytes(),
        "binary_size.edf": _edf_header(binary) + _image((4,)).tobytes(),
    }
    for name, content in seeds.items():
        (folder / name).write_bytes(content)


# -- fabio --------------------------------------------------------------------------------------
def fabio(folder: Path) -> None:
    """One small image in each format fabio writes and reads back."""
    import fabio.bruker100image
    import fabio.cbfimage
    import fabio.dtrekimage
    import fabio.esperantoimage
    import fabio.fit2dmaskimage
    import fabio.OXDimage
    import fabio.tifimage

    counts = _image((24, 32), "int32")
    short = counts.astype("uint16")
    header = {"_array_data.header_contents": "# Detector: PILATUS 100K\r\n# Exposure_time 0.1 s"}
    writers: dict[str, Callable[[str], None]] = {
        "pilatus.cbf": lambda p: fabio.cbfimage.CbfImage(data=counts, header=header).write(p),
        "int32.tif": lambda p: fabio.tifimage.TifImage(data=counts, header={"frame": "0"}).write(p),
        "float32.tif": lambda p: fabio.tifimage.TifImage(data=counts.astype("float32")).write(p),
        "uint16.tif": lambda p: fabio.tifimage.TifImage(data=short).write(p),
        "bruker100.sfrm": lambda p: fabio.bruker100image.Bruker100Image(data=short).write(p),
        "adsc.img": lambda p: fabio.dtrekimage.DtrekImage(data=short).write(p),
        "mask.msk": lambda p: fabio.fit2dmaskimage.Fit2dMaskImage(data=(counts % 2).astype("int8")).write(p),
        "oxford.img": lambda p: fabio.OXDimage.OXDimage(data=counts).write(p),
        "esperanto.esper": lambda p: fabio.esperantoimage.EsperantoImage(data=counts).write(p),
    }
    for name, write in writers.items():
        write(str(folder / name))


# -- HDF5 / NeXus ---------------------------------------------------------------------------------
def nexus(folder: Path) -> None:
    """Plain HDF5 layouts and links, a NeXus entry with a default plot, and beamio's own layout."""
    import h5py

    with h5py.File(folder / "layouts.h5", "w", libver="earliest") as h5:
        h5.attrs["creator"] = "seed"
        h5["compact"] = np.arange(4, dtype="i2")
        h5.create_dataset("chunked", data=_image((4, 8, 8)), chunks=(1, 8, 8), compression="gzip")
        h5.create_dataset("shuffled", data=_image((16,), "f8"), chunks=(8,), shuffle=True, fletcher32=True)
        h5["text"] = "a string"
        h5["texts"] = np.array([b"a", b"bc"])
        h5["group/scalar"] = 1.5
        h5["soft"] = h5py.SoftLink("/group/scalar")
        h5["dangling"] = h5py.SoftLink("/nowhere")
        h5["external"] = h5py.ExternalLink("absent.h5", "/data")
        h5.create_dataset("empty", shape=(0, 3), dtype="f4")
        h5.create_dataset("unwritten", shape=(1000, 1000), dtype="f8", chunks=(100, 100))
    with h5py.File(folder / "latest.h5", "w", libver="latest") as h5:
        entry = h5.create_group("entry")
        entry.attrs["NX_class"] = "NXentry"
        entry.attrs["default"] = "plot"
        entry["title"] = "a scan"
        entry["start_time"] = "2024-05-01T12:00:00"
        plot = entry.create_group("plot")
        plot.attrs.update({"NX_class": "NXdata", "signal": "counts", "axes": ["x"], "x_indices": 0})
        plot["counts"] = np.arange(8.0)
        plot["x"] = np.linspace(0, 1, 8)
        plot["counts_errors"] = np.ones(8)
        detector = entry.create_group("instrument/pilatus")
        detector.attrs["NX_class"] = "NXdetector"
        entry["instrument"].attrs["NX_class"] = "NXinstrument"
        detector.create_dataset("data", data=_image((3, 4, 5), "int32"), chunks=(1, 4, 5))
        motors = entry.create_group("instrument/positioners")
        motors["th"] = 0.25
        motors["tth"] = np.linspace(0, 1, 3)
        sample = entry.create_group("sample")
        sample.attrs["NX_class"] = "NXsample"
        sample["name"] = "silicon"
        layout = h5py.VirtualLayout(shape=(3, 4, 5), dtype="int32")
        layout[...] = h5py.VirtualSource(".", "/entry/instrument/pilatus/data", shape=(3, 4, 5))
        entry.create_virtual_dataset("virtual", layout)
    _beamio_nexus(folder)


def _beamio_nexus(folder: Path) -> None:
    """What beamio's writer makes of an EDF stack, a SPEC scan and an MCA file: headers, spectra, frames."""
    import beamio

    repo = HERE.parents[1]
    with tempfile.TemporaryDirectory() as scratch:
        edf_path = Path(scratch) / "frames.edf"
        edf_path.write_bytes(
            _edf_frame(_image((4, 5)), 1, title="one", motor_mne="th", motor_pos="0.5")
            + _edf_frame(_image((4, 5)) + 1, 2, title="two", motor_mne="th", motor_pos="0.6")
        )
        beamio.convert(edf_path, folder / "beamio_edf.h5", format="nexus")
        spec = sorted((repo / "examples" / "data").glob("*.spec"))
        if spec:
            with tempfile.TemporaryDirectory() as one:
                with beamio.open(spec[0]) as f:
                    first = f.datasets[0].key
                beamio.convert(f"{spec[0]}::/{first}", Path(one) / "scan.h5", format="nexus")
                (folder / "beamio_spec.h5").write_bytes((Path(one) / "scan.h5").read_bytes())
        mca = Path(scratch) / "spectra.mca"
        mca.write_text(
            "#F spectra.mca\n#S 1 mca\n#@MCA %16C\n#@CHANN 8 0 7 1\n#@CALIB 0.1 0.01 0\n"
            "@A 1 2 3 4 5 6 7 8\n@A 8 7 6 5 4 3 2 1\n"
        )
        try:
            beamio.convert(mca, folder / "beamio_mca.h5", format="nexus")
        except Exception as error:  # a seed less, said
            print(f"no MCA seed: {error}", file=sys.stderr)


# -- chi ------------------------------------------------------------------------------------------
def chi(folder: Path) -> None:
    """Profiles of two and three columns, one with a row that is not numbers."""
    rows = "\n".join(f"  {x:14.6E}  {120 + x * x:14.6E}" for x in np.linspace(5, 10, 12))
    header = f"profile.chi\n2-Theta Angle (Degrees)\nIntensity\n{12:>11}\n"
    (folder / "two_columns.chi").write_text(f"{header}{rows}\n")
    rows3 = "\n".join(f" {x!r} {x + 1!r} {x * 2!r}" for x in np.linspace(0, 1, 5).tolist())
    (folder / "three_columns.chi").write_text(f"t\nq (nm^-1)\nI\n5\n{rows3}\nnot a row\n")


# -- mca ------------------------------------------------------------------------------------------
def mca(folder: Path) -> None:
    """One file of each MCA kind, as the MCA plugin's tests write them, and a CSV for mca-text."""
    sys.path.insert(0, str(HERE.parents[1] / "tests" / "plugins" / "mca"))
    import samples  # the MCA plugin's tests: each kind written from its published description

    counts = samples.peak_counts(48)
    (folder / "amptek.mca").write_bytes(samples.amptek(counts))
    (folder / "maestro.Spe").write_bytes(samples.maestro(counts, first=3))
    (folder / "quadratic.chn").write_bytes(samples.chn(counts))
    (folder / "pymca.mca").write_bytes(samples.pymca_mca(counts))
    (folder / "column.mca").write_bytes(b"#Detector 1\n#Time 10\n" + b"".join(b"%d\n" % v for v in counts))
    rows = b"".join(b"%.3f,%d\n" % (0.1 + 0.02 * i, v) for i, v in enumerate(counts))
    (folder / "two_columns.csv").write_bytes(b"energy,counts\n" + rows)


MAKERS = {"edf": edf, "fabio": fabio, "nexus": nexus, "chi": chi, "mca": mca}


def main(argv: list[str]) -> None:
    for target in argv or list(MAKERS):
        folder = HERE / target
        os.makedirs(folder, exist_ok=True)
        MAKERS[target](folder)
        for path in sorted(folder.iterdir()):
            print(f"{path.relative_to(HERE.parent.parent)}: {path.stat().st_size} bytes")


if __name__ == "__main__":
    main(sys.argv[1:])
