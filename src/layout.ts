/**
 * Where things live inside the build container. Fixed paths, whatever the host
 * layout: ESP-IDF's Python venv and CMake caches record absolute paths, so a
 * cached checkout only stays valid if it is always mounted at the same place.
 */
export const CONTAINER = {
  idfPath: '/opt/esp32-devel/esp-idf',
  idfToolsPath: '/opt/esp32-devel/espressif',
  toolchain: '/opt/esp32-devel/xtensa-esp32-elf',
  ccacheDir: '/opt/esp32-devel/ccache',
  componentsDir: '/opt/esp32-devel/components',
  home: '/tmp/esp32-home'
} as const;
