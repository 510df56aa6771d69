# alias.sh: the esp32 alias, for bash. Put this line in ~/.bashrc:
#
#   source /path/to/esp32-micropython-build/docker/alias.sh
#
# then log in again (or source ~/.bashrc), and in micropython/ports/esp32:
#
#   esp32 make -j4
#   esp32 make erase
#   esp32 make deploy
#
# `esp32 make ARGS` is `esp32-build make ARGS`: make runs in the current
# directory inside the build container, with ESP-IDF and the toolchain the
# tree needs. The board's port is $ESPPORT, else the first /dev/ttyUSB* or
# /dev/ttyACM* (or: esp32 make --port /dev/ttyACM0 deploy). Any other
# esp32-build command works too: esp32 doctor, esp32 build, esp32 deploy.

__esp32_alias_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ -f "$__esp32_alias_dir/dist/cli/index.js" ]; then
  # shellcheck disable=SC2139 # expanded now, on purpose: the path of this checkout
  alias esp32="node $(printf '%q' "$__esp32_alias_dir/dist/cli/index.js")"
else
  alias esp32='esp32-build'
fi

# Run rather than sourced: say how to use it.
if ! (return 0 2>/dev/null); then
  echo "alias.sh defines the esp32 alias when sourced. Add this line to ~/.bashrc:"
  echo "  source $(printf '%q' "$__esp32_alias_dir/docker/alias.sh")"
fi
unset __esp32_alias_dir
