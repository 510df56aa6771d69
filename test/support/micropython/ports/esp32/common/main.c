// Fixture: the entry point of MicroPython's ESP32 port.
// ESP-IDF calls app_main(); the host-compiled fixture also gets a weak main().

#include <stdio.h>

#@if legacy
#include "py/mpconfig.h"
#@endif
#include "mpconfigport.h"
#@if legacy
// Both come from ESP-IDF; the second from a nested submodule (esptool's
// flasher_stub), so a checkout whose submodules were not updated fails here.
#include "esp_idf_version.h"
#include "stub.h"

extern const char mp_frozen_mpy_names[];
#@endif
extern const char esp32_help_text[];

#@if compile_error
static int fixture_broken_value = fixture_undeclared_identifier;
#@endif

void app_main(void) {
    printf("MicroPython on %s with %s\n", MICROPY_HW_BOARD_NAME, MICROPY_HW_MCU_NAME);
#@if legacy
    printf("frozen: %s\n", mp_frozen_mpy_names);
#@endif
    fputs(esp32_help_text, stdout);
}

__attribute__((weak)) int main(void) {
    app_main();
    return 0;
}
