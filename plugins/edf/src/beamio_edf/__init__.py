"""beamio-edf: EDF images (and fabio's detector formats) for beamio."""
