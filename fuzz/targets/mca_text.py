"""The mca-text reader: one or two columns of numbers (counts; channel or energy), only when asked."""

FORMAT = "mca-text"
SUFFIX = ".txt"
SEEDS = ["fuzz/seeds/mca/*.csv", "fuzz/seeds/mca/column.mca", "core/src/beamio/testing/samples/sample.csv"]
INSTRUMENT = ["beamio", "beamio_spec", "beamio_mca"]
RSS_MB = 512
