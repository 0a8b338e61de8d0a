"""The NeXus/HDF5 reader over h5py: the tree, entries, default plots and what beamio's writer stored.

RSS_MB allows what libhdf5 itself allocates for a damaged file where beamio cannot look
first: before it reads a variable-length string, HDF5 allocates and zeroes the length the
file states (a 32-bit count: up to 4 GiB), then finds the heap object is not that long and
fails (H5T__conv_vlen). beamio reads those lengths itself where it can find them
(beamio_nexus/_read_vlen.py: attributes in an object header, compact, contiguous and
unfiltered chunked datasets) and refuses one longer than the file; an attribute in dense
storage, or a compressed chunk, still reaches HDF5.
"""

FORMAT = "nexus"
SUFFIX = ".h5"
SEEDS = [
    "../shared/corpus/hdf5/darfix_silicon_111_reflection.h5",
    "../shared/corpus/hdf5/nxex_APS_ID34_not_complete.h5",
    "../shared/corpus/hdf5/nxex_code_dmc01.h5",
    "../shared/corpus/hdf5/nxex_hdf5_writer_1_3__niac2014.h5",
    "fuzz/seeds/nexus/*",
]
INSTRUMENT = ["beamio", "beamio_nexus"]
RSS_MB = 4096 + 512
