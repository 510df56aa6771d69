// Fixture: the part of MicroPython's py/mpconfig.h that carries the version.
#ifndef MICROPY_INCLUDED_PY_MPCONFIG_H
#define MICROPY_INCLUDED_PY_MPCONFIG_H

#@if version_defines
// Current version of MicroPython
#define MICROPY_VERSION_MAJOR @@MAJOR@@
#define MICROPY_VERSION_MINOR @@MINOR@@
#define MICROPY_VERSION_MICRO @@MICRO@@
#@if prerelease_define
#define MICROPY_VERSION_PRERELEASE 0
#@endif

// Combined version as a 32-bit number for convenience
#define MICROPY_VERSION ( \
    MICROPY_VERSION_MAJOR << 16 \
        | MICROPY_VERSION_MINOR << 8 \
        | MICROPY_VERSION_MICRO)

#@endif
// Bytes per machine word, used by the frozen-content tables.
#define MICROPY_BYTES_PER_WORD (sizeof(void *))

#endif // MICROPY_INCLUDED_PY_MPCONFIG_H
