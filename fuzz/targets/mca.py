"""The MCA reader: SPEC-style, single column, Amptek, Maestro .Spe and .chn, told apart by content.

RSS_MB: as for SPEC, a believed header (a .chn claiming 65535 channels, ``$DATA: 0 1e9``)
goes past it; the inputs, at most 64 KiB, do not.
"""

FORMAT = "mca"
SUFFIX = ".mca"
SEEDS = [
    "../shared/corpus/mca/*",
    "../shared/corpus/spec/s2n_mca_spectra_example.dat",
    "fuzz/seeds/mca/*",
    "core/src/beamio/testing/samples/sample.mca",
    "core/src/beamio/testing/samples/sample.spe",
]
INSTRUMENT = ["beamio", "beamio_spec", "beamio_mca"]
RSS_MB = 512
