#!/usr/bin/env bash
# esp32-devel-entrypoint: prepares the environment of the build container,
# then runs the given command in its place (exec).
#
#   HOME                  made to exist; when unset or not writable,
#                         /tmp/esp32-home is used instead.
#   (always)              git trusts every directory (safe.directory=*), set
#                         through GIT_CONFIG_COUNT/KEY/VALUE: no file written.
#   ESP32_DEVEL_TOOLCHAIN a legacy xtensa-esp32-elf directory; its bin/ goes
#                         first on PATH (must exist).
#   ESP32_DEVEL_EXPORT=1  source "$IDF_PATH/export.sh" first, then check that
#                         idf.py is on PATH and IDF_PYTHON_ENV_PATH is set
#                         (ESP32_DEVEL_IDF_ENTRY and ESP32_DEVEL_IDF_KEY name
#                         the cache entry to reset when not); its output is
#                         shown only on failure or when ESP32_DEVEL_VERBOSE=1.
#   ESP32_DEVEL_VERBOSE=1 say what is being done, on stderr.
#
# Runs as any UID: it writes nothing outside HOME and TMPDIR.
set -euo pipefail

__esp32_name=esp32-devel-entrypoint

__esp32_die() {
  printf '%s: %s\n' "$__esp32_name" "$*" >&2
  exit 1
}

__esp32_say() {
  if [ "${ESP32_DEVEL_VERBOSE:-0}" = 1 ]; then
    printf '%s: %s\n' "$__esp32_name" "$*" >&2
  fi
}

# --- HOME -----------------------------------------------------------------
__esp32_usable_dir() {
  [ -n "${1:-}" ] && mkdir -p -- "$1" 2>/dev/null && [ -d "$1" ] && [ -w "$1" ] && [ -x "$1" ]
}

if ! __esp32_usable_dir "${HOME:-}"; then
  __esp32_say "HOME '${HOME:-}' is not usable; using /tmp/esp32-home"
  HOME=/tmp/esp32-home
  __esp32_usable_dir "$HOME" || __esp32_die "cannot create a writable home directory at $HOME"
fi
export HOME

# A UID with no passwd entry has no name; tools that ask for one (Python's
# getpass, for instance) read these first.
if ! id -un >/dev/null 2>&1; then
  export USER="${USER:-esp32}"
  export LOGNAME="${LOGNAME:-$USER}"
fi

# --- git: trust mounted trees owned by another UID --------------------------
__esp32_count="${GIT_CONFIG_COUNT:-0}"
if ! [[ $__esp32_count =~ ^[0-9]+$ ]]; then
  __esp32_die "GIT_CONFIG_COUNT must be a number, not '$__esp32_count'"
fi
__esp32_trusted=0
for ((__esp32_i = 0; __esp32_i < __esp32_count; __esp32_i++)); do
  __esp32_key="GIT_CONFIG_KEY_$__esp32_i"
  __esp32_value="GIT_CONFIG_VALUE_$__esp32_i"
  if [ "${!__esp32_key:-}" = safe.directory ] && [ "${!__esp32_value:-}" = '*' ]; then
    __esp32_trusted=1
  fi
done
if [ "$__esp32_trusted" = 0 ]; then
  export "GIT_CONFIG_KEY_$__esp32_count=safe.directory" "GIT_CONFIG_VALUE_$__esp32_count=*"
  export GIT_CONFIG_COUNT=$((__esp32_count + 1))
fi
unset __esp32_count __esp32_trusted __esp32_i __esp32_key __esp32_value

# --- legacy toolchain -------------------------------------------------------
if [ -n "${ESP32_DEVEL_TOOLCHAIN:-}" ]; then
  if [ ! -d "$ESP32_DEVEL_TOOLCHAIN/bin" ]; then
    __esp32_die "ESP32_DEVEL_TOOLCHAIN is $ESP32_DEVEL_TOOLCHAIN but $ESP32_DEVEL_TOOLCHAIN/bin does not exist: is the xtensa-esp32-elf toolchain mounted there?"
  fi
  export PATH="$ESP32_DEVEL_TOOLCHAIN/bin:$PATH"
  __esp32_say "toolchain: $ESP32_DEVEL_TOOLCHAIN/bin added to PATH"
fi

# --- ESP-IDF environment ----------------------------------------------------
if [ "${ESP32_DEVEL_EXPORT:-0}" = 1 ]; then
  if [ -z "${IDF_PATH:-}" ]; then
    __esp32_die "ESP32_DEVEL_EXPORT=1 but IDF_PATH is not set"
  fi
  if [ ! -f "$IDF_PATH/export.sh" ]; then
    __esp32_die "ESP32_DEVEL_EXPORT=1 but $IDF_PATH/export.sh does not exist: is ESP-IDF mounted at $IDF_PATH?"
  fi

  __esp32_failed_message="sourcing $IDF_PATH/export.sh failed: the ESP-IDF tools are not installed for this checkout; run install.sh"
  __esp32_log="$(mktemp "${TMPDIR:-/tmp}/esp32-devel-export.XXXXXX")"

  # export.sh might call exit instead of return: still say what happened,
  # on the real stderr (the trap runs inside the redirection to the log).
  exec {__esp32_stderr}>&2
  # shellcheck disable=SC2317 # called by the EXIT trap
  __esp32_on_exit() {
    local status=$?
    if [ "${ESP32_DEVEL_VERBOSE:-0}" != 1 ] && [ -s "$__esp32_log" ]; then cat "$__esp32_log" >&"$__esp32_stderr"; fi
    rm -f -- "$__esp32_log"
    printf '%s: %s (export.sh called exit %s)\n' "$__esp32_name" "$__esp32_failed_message" "$status" >&"$__esp32_stderr"
    exit 1
  }
  trap __esp32_on_exit EXIT

  # Sourced without arguments it would see ours (the command to run); and
  # export.sh may read unset variables or fail part way, so relax the shell.
  __esp32_command=("$@")
  set --
  set +euo pipefail
  __esp32_say "sourcing $IDF_PATH/export.sh"
  if [ "${ESP32_DEVEL_VERBOSE:-0}" = 1 ]; then
    # shellcheck disable=SC1091
    . "$IDF_PATH/export.sh" >&2
  else
    # shellcheck disable=SC1091
    . "$IDF_PATH/export.sh" >"$__esp32_log" 2>&1
  fi
  __esp32_status=$?
  trap - EXIT
  set -euo pipefail
  set -- "${__esp32_command[@]}"

  # export.sh of ESP-IDF v5.4 and later returns 0 whatever happened (it
  # evals activate.py's output, then `return 0`): check what it should have done.
  if [ "$__esp32_status" = 0 ] && ! command -v idf.py >/dev/null 2>&1; then
    __esp32_status=127
    __esp32_failed_message="$IDF_PATH/export.sh did not put idf.py on PATH"
  elif [ "$__esp32_status" = 0 ] && [ -z "${IDF_PYTHON_ENV_PATH:-}" ]; then
    __esp32_status=1
    __esp32_failed_message="$IDF_PATH/export.sh did not set IDF_PYTHON_ENV_PATH"
  fi
  if [ "$__esp32_status" != 0 ] && [ -n "${ESP32_DEVEL_IDF_ENTRY:-}" ]; then
    __esp32_failed_message="$__esp32_failed_message. The ESP-IDF entry ${ESP32_DEVEL_IDF_ENTRY} is broken: remove it (rm -rf ${ESP32_DEVEL_IDF_ENTRY})${ESP32_DEVEL_IDF_KEY:+ and, on GitHub Actions, its cache entry (gh cache delete ${ESP32_DEVEL_IDF_KEY})} so that the next run installs it again"
  fi

  if [ "$__esp32_status" != 0 ]; then
    if [ "${ESP32_DEVEL_VERBOSE:-0}" != 1 ] && [ -s "$__esp32_log" ]; then cat "$__esp32_log" >&2; fi
    rm -f -- "$__esp32_log"
    printf '%s: %s (status %s)\n' "$__esp32_name" "$__esp32_failed_message" "$__esp32_status" >&2
    exit 1
  fi
  rm -f -- "$__esp32_log"
  exec {__esp32_stderr}>&-
  unset __esp32_log __esp32_stderr __esp32_status __esp32_command __esp32_failed_message
  unset -f __esp32_on_exit
fi

unset -f __esp32_die __esp32_say __esp32_usable_dir
unset __esp32_name

if [ "$#" = 0 ]; then
  set -- bash
fi
exec "$@"
