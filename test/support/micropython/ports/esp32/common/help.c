// Fixture: the text help() prints on the ESP32 port.
const char esp32_help_text[] =
    "Welcome to MicroPython on the ESP32!\n"
    "For generic online docs please visit http://docs.micropython.org/\n";
