#!/usr/bin/env bash
# setup.sh: populate $HOME/esp32-devel with what a MicroPython build needs:
# the Xtensa toolchain (legacy releases), ESP-IDF at the version the tree
# pins, with its submodules and its tools, and the build image. One directory
# per ESP-IDF version, so several coexist.
#
# The same as the old setup.sh did by hand, now done by `esp32-build setup`
# (see `esp32-build setup --help`); arguments are passed on, e.g.
#   docker/setup.sh --micropython ~/src/micropython --board ESP32_GENERIC_S3
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cli="$here/../dist/cli/index.js"
if [ -f "$cli" ]; then
  exec node "$cli" setup "$@"
elif command -v esp32-build >/dev/null 2>&1; then
  exec esp32-build setup "$@"
fi
echo "setup.sh: esp32-build is not built: run 'npm ci && npm run build' in $(dirname "$here")" >&2
exit 1
