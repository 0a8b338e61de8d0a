"""One module per fuzz target: FORMAT (None: detection), SUFFIX, SEEDS (globs), INSTRUMENT (modules)."""
