"""The SPEC reader, through its C extension (set BEAMIO_SPEC_PURE=1 for the Python twins).

RSS_MB: the inputs are at most 64 KiB; a header that promises gigabytes (``#N 1e9``,
``#@CHANN 1e12``) and is believed goes far past 512 MB, what the reader needs does not.
"""

FORMAT = "spec"
SUFFIX = ".spec"
SEEDS = ["../shared/corpus/spec/*", "examples/data/*.spec"]
INSTRUMENT = ["beamio", "beamio_spec"]
RSS_MB = 512
