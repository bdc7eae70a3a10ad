// Only the header: OpenBLAS is opened at run time (OpenBLAS.swift), after
// Lariat has set the environment its initialiser reads.
#include <cblas.h>
