// Only the header: the library is opened at run time (HDF5Library.swift).
// Debian keeps the serial build's headers in a subdirectory.
#if __has_include(<hdf5/serial/hdf5.h>)
#include <hdf5/serial/hdf5.h>
#else
#include <hdf5.h>
#endif
