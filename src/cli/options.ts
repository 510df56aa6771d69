/** The command line's options: name, kind, value placeholder and help. Pure data. */

export interface OptionSpec {
  name: string;
  kind: 'string' | 'boolean' | 'list';
  short?: string;
  /** Placeholder of the value in the help. */
  value?: string;
  help: string;
}

export const OPTIONS: Record<string, OptionSpec> = Object.fromEntries(
  (
    [
      {
        name: 'micropython',
        kind: 'string',
        value: 'DIR',
        help: 'the MicroPython tree (default: the one around the current directory)'
      },
      {
        name: 'micropython-repo',
        kind: 'string',
        value: 'URL',
        help: 'where to clone the latest MicroPython release from when there is no tree (default: https://github.com/micropython/micropython.git)'
      },
      {
        name: 'board',
        kind: 'string',
        value: 'NAME',
        help: "board under ports/esp32/boards (default: the tree's default board)"
      },
      {
        name: 'board-variant',
        kind: 'string',
        value: 'NAME',
        help: 'board variant, MicroPython v1.21 and later'
      },
      {
        name: 'idf-version',
        kind: 'string',
        value: 'REF',
        help: "'auto' (what the tree pins), or an ESP-IDF tag, branch or commit"
      },
      { name: 'idf-repo', kind: 'string', value: 'URL', help: 'ESP-IDF repository: a mirror or a fork' },
      {
        name: 'toolchain-url',
        kind: 'string',
        value: 'URL',
        help: 'legacy builds: where to download the Xtensa toolchain'
      },
      {
        name: 'toolchain-sha256',
        kind: 'string',
        value: 'HEX',
        help: "legacy builds: the toolchain archive's SHA-256"
      },
      {
        name: 'idf-tools-mirror',
        kind: 'string',
        value: 'URL',
        help: "mirror of github.com's release assets that ESP-IDF's install.sh downloads (host/path for https, or a URL)"
      },
      {
        name: 'espressif-mirror',
        kind: 'string',
        value: 'URL',
        help: 'mirror of dl.espressif.com (ESP-IDF v4 tools, the v5 constraints file, Espressif wheels)'
      },
      { name: 'pip-index', kind: 'string', value: 'URL', help: 'Python package index for the ESP-IDF venv' },
      {
        name: 'idf-pip-wheels',
        kind: 'string',
        value: 'URL',
        help: "Espressif's extra wheel index (default: ESPRESSIF-MIRROR/pypi)"
      },
      {
        name: 'component-registry-mirror',
        kind: 'string',
        value: 'URL',
        help: "mirror of ESP-IDF's component registry (components.espressif.com), for MicroPython v1.21 and later"
      },
      {
        name: 'image-build-args',
        kind: 'list',
        value: 'NAME=VALUE',
        help: 'a --build-arg for the image build, e.g. BASE=registry.example/debian:bookworm-slim (repeatable)'
      },
      {
        name: 'image',
        kind: 'string',
        value: 'REF',
        help: "'build' (from docker/Dockerfile, the default) or an image to pull"
      },
      { name: 'jobs', kind: 'string', value: 'N', help: 'parallel make jobs (default: the number of CPUs)' },
      {
        name: 'make-args',
        kind: 'list',
        value: 'ARG',
        help: 'one more argument for make, e.g. FROZEN_MANIFEST=… (repeatable)'
      },
      {
        name: 'network',
        kind: 'string',
        value: 'NAME',
        help: "Docker network of the containers, e.g. 'host'"
      },
      { name: 'no-ccache', kind: 'boolean', help: 'build without ccache' },
      {
        name: 'port',
        kind: 'string',
        value: 'PORT',
        help: 'serial port of the board (default: $ESPPORT, else the first /dev/ttyUSB*, then /dev/ttyACM*); also rfc2217://HOST:PORT'
      },
      {
        name: 'baud',
        kind: 'string',
        value: 'RATE',
        help: "flashing speed (default: $ESPBAUD, else the port Makefile's)"
      },
      {
        name: 'flasher',
        kind: 'string',
        value: 'WHERE',
        help: "'container' (the port's make deploy/erase in the container, the port passed in) or 'host' (esptool-js on this machine, no container); default: container on Linux when the port can be passed in, host on macOS and Windows"
      },
      {
        name: 'flash-mode',
        kind: 'string',
        value: 'MODE',
        help: "host flashing: qio, qout, dio, dout or keep (default: the build's)"
      },
      {
        name: 'flash-size',
        kind: 'string',
        value: 'SIZE',
        help: "host flashing: detect, keep, 1MB, 2MB, 4MB, 8MB, 16MB, 32MB, 64MB or 128MB (default: the build's)"
      },
      {
        name: 'before',
        kind: 'string',
        value: 'RESET',
        help: "host flashing: how to put the board in its bootloader: default_reset (DTR/RTS), usb_reset (a chip's own USB port) or no_reset (default: the build's, else default_reset; a pseudo-terminal gets none)"
      },
      {
        name: 'after',
        kind: 'string',
        value: 'RESET',
        help: "host flashing: hard_reset (RTS, the firmware starts) or no_reset (default: the build's, else hard_reset)"
      },
      {
        name: 'app-only',
        kind: 'boolean',
        help: 'host flashing: write only the application image at its offset (the bootloader and partition table are already on the board)'
      },
      {
        name: 'monitor',
        kind: 'boolean',
        help: 'open the serial monitor on this machine once the board is written (exit: Ctrl-])'
      },
      {
        name: 'eol',
        kind: 'string',
        value: 'CR|LF|CRLF',
        help: 'monitor: what Enter sends (default CR, as mpremote sends it)'
      },
      { name: 'json', kind: 'boolean', help: 'print one JSON object (with --dry-run: the plan)' },
      {
        name: 'dry-run',
        kind: 'boolean',
        help: 'print the plan instead of running it: each resource, where it lives, whether it is here and how it would be had, then the exact docker commands; nothing is downloaded, cloned or built'
      },
      { name: 'verbose', kind: 'boolean', short: 'v', help: 'show every command and its full output' },
      { name: 'help', kind: 'boolean', short: 'h', help: 'show this help' }
    ] satisfies OptionSpec[]
  ).map((spec) => [spec.name, spec])
);
