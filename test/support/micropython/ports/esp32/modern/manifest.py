# Fixture: what the ESP32 port freezes into its firmware.
freeze("$(PORT_DIR)/modules")
