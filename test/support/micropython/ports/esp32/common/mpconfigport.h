// Fixture: port configuration of the ESP32 port.
#ifndef MICROPY_INCLUDED_ESP32_MPCONFIGPORT_H
#define MICROPY_INCLUDED_ESP32_MPCONFIGPORT_H

#@if per_board
#include "mpconfigboard.h"
#@endif

#ifndef MICROPY_HW_BOARD_NAME
#define MICROPY_HW_BOARD_NAME "ESP32 module"
#endif
#ifndef MICROPY_HW_MCU_NAME
#define MICROPY_HW_MCU_NAME "ESP32"
#endif

#define MICROPY_PY_SYS_PLATFORM "esp32"

#endif // MICROPY_INCLUDED_ESP32_MPCONFIGPORT_H
