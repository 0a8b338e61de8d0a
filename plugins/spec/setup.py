"""The compiled part of beamio-spec; everything else is in pyproject.toml.

The extension is optional: without a C compiler the plugin installs and reads with its
numpy code alone (the same results, slower).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension("beamio_spec._cspec", ["src/beamio_spec/_cspec.c"], optional=True),
    ]
)
