"""Tests of the core model: one test module per model module of ``beamio``."""
