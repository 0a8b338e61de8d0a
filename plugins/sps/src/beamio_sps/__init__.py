"""beamio-sps: live data of a running SPEC session, from System V shared memory, for beamio."""
