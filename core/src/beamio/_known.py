"""The formats of beamio's own plugins, known to the core so it can say what to install.

The plugins build their specs from these (adding reader and writer), so a
signature is written once. When a plugin is not installed, detection still
recognises its files and names the distribution that would read them.
"""

from __future__ import annotations

from ._spec import Capabilities, FormatSpec, Signature

__all__ = ["KNOWN_FORMATS", "known_format"]

_NOTHING = Capabilities(read=False, write=False, multi_frame=False, lazy=False, append=False)

# HDF5's superblock may follow a user block of 512, 1024, 2048 … bytes.
_HDF5_OFFSETS = (0, 512, 1024, 2048, 4096, 8192, 16384, 32768)

# Somewhere in the head, a line of MCA settings or spectra: #@MCA, #@CHANN, #@CALIB or @A.
_MCA_LINE = rb"(?=.*?^(?:#@MCA|#@CHANN|#@CALIB|@A))"

KNOWN_FORMATS: tuple[FormatSpec, ...] = (
    FormatSpec(
        "spec",
        "SPEC scan files (#F/#S headers, #L columns, @A MCA spectra)",
        extensions=(".spec", ".spc", ".dat"),
        signatures=(
            Signature(regex=rb"^#S [0-9]+", score=60, description="a '#S <number>' scan line"),
            Signature(regex=rb"\A#F ", score=40, description="a '#F' file header line"),
        ),
        capabilities=_NOTHING,
        install_hint="pip install beamio-spec",
    ),
    FormatSpec(
        "edf",
        "ESRF Data Format images ({ Key = value ; } headers, binary frames)",
        extensions=(".edf", ".ehf"),
        signatures=(
            Signature(
                regex=rb"\A\s*\{[^}]{0,4096}?\b(HeaderID|EDF_DataBlockID|DataType|Dim_1|ByteOrder)\s*=",
                score=100,
                description="an EDF '{ Key = value ; }' header",
            ),
        ),
        capabilities=_NOTHING,
        install_hint="pip install beamio-edf",
    ),
    FormatSpec(
        "nexus",
        "HDF5 files, NeXus conventions and the BLISS layout",
        extensions=(".h5", ".hdf5", ".hdf", ".nxs", ".nx5", ".nx", ".cxi"),
        signatures=(
            Signature(
                magic=b"\x89HDF\r\n\x1a\n",
                offsets=_HDF5_OFFSETS,
                score=200,
                description="the HDF5 signature",
            ),
        ),
        capabilities=_NOTHING,
        install_hint="pip install beamio-nexus",
    ),
    FormatSpec(
        "mca",
        "MCA spectrum files (SPEC-style, Amptek, ORTEC Maestro)",
        extensions=(".mca", ".spe", ".chn"),
        signatures=(
            Signature(regex=rb"\A<<PMCA SPECTRUM>>", score=100, description="an Amptek header"),
            Signature(regex=rb"\A\$SPEC_ID:", score=100, description="an ORTEC Maestro header"),
            Signature(
                regex=rb"\A\xff\xff[\s\S]{14}(?:[0-9 ]{2}[A-Za-z]{3}[0-9]{2}|\x00{8})",
                score=60,
                description="an ORTEC CHN header (tag -1, a DDMMMYY date)",
            ),
            # SPEC-style .mca files (PyMca's) are SPEC files: each of these scores just
            # under SPEC's own signature, so the extension decides, .mca here and
            # .spec/.dat there, and SPEC wins when neither extension is known.
            Signature(
                regex=rb"(?s)\A(?=.*?^#S [0-9]+)" + _MCA_LINE,
                score=59,
                description="a SPEC scan of MCA spectra",
            ),
            Signature(
                regex=rb"(?s)\A(?=#F )" + _MCA_LINE,
                score=35,
                description="a SPEC file of MCA spectra",
            ),
        ),
        capabilities=_NOTHING,
        install_hint="pip install beamio-mca",
    ),
)


def known_format(name: str) -> FormatSpec:
    """The core's spec of one of beamio's own formats (no reader or writer named)."""
    for spec in KNOWN_FORMATS:
        if spec.name == name:
            return spec
    raise KeyError(f"beamio knows no built-in format {name!r}")
