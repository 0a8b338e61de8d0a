"""The EDF reader: headers, data blocks (compressed or not) and whole-file gzip/bz2."""

FORMAT = "edf"
SUFFIX = ".edf"
SEEDS = ["../shared/corpus/edf/*", "fuzz/seeds/edf/*"]
INSTRUMENT = ["beamio", "beamio_edf"]
