// Fixture: the .mpy format version, as in MicroPython's py/persistentcode.h.
#ifndef MICROPY_INCLUDED_PY_PERSISTENTCODE_H
#define MICROPY_INCLUDED_PY_PERSISTENTCODE_H

#define MPY_VERSION @@MPY_VERSION@@

#endif // MICROPY_INCLUDED_PY_PERSISTENTCODE_H
