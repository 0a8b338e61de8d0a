"""beamio-spec: SPEC scan files for beamio."""
