"""The fabio bridge: CBF, TIFF, Bruker, ADSC, Esperanto … through fabio, whose exceptions become FormatErrors.

The suffix is CBF's: an input without a magic number fabio knows goes to fabio's CBF reader.
"""

FORMAT = "fabio"
SUFFIX = ".cbf"
SEEDS = ["fuzz/seeds/fabio/*"]
INSTRUMENT = ["beamio", "beamio_edf", "fabio"]
