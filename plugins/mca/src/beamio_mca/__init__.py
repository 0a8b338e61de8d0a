"""beamio-mca: MCA spectrum files for beamio."""
