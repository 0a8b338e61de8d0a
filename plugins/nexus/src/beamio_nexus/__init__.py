"""beamio-nexus: HDF5 and NeXus files for beamio."""
