"""Detection itself: beamio.open without a format, every installed format's signatures and sniffer.

The seeds are text formats, MCA and EDF files: HDF5 and fabio's images (TIFF, CBF …) send
the input to the NeXus and fabio readers, which their own targets fuzz with their own seeds
and limits. The fuzzer may still make such files from these; what it finds there goes to them.
"""

FORMAT = None
SUFFIX = ""
SEEDS = [
    "../shared/corpus/spec/*",
    "../shared/corpus/mca/*",
    "../shared/corpus/edf/*",
    "fuzz/seeds/mca/*",
    *(f"core/src/beamio/testing/samples/{name}" for name in ("sample.spec", "sample.mca", "sample.spe")),
    *(f"core/src/beamio/testing/samples/{name}" for name in ("sample.edf", "sample.csv", "random.bin")),
]
INSTRUMENT = ["beamio", "beamio_spec", "beamio_mca", "beamio_edf"]
RSS_MB = 512
