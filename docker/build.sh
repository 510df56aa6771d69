#!/usr/bin/env bash
# build.sh: build the esp32-devel Docker image from docker/Dockerfile.
#
# The same as the old build.sh, now done by `esp32-build image` (see
# `esp32-build image --help`); arguments are passed on. The dialout GID is no
# longer baked into the image: deploy and erase pass the GID that owns the
# serial port on this machine when they start the container (--group-add).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cli="$here/../dist/cli/index.js"
if [ -f "$cli" ]; then
  exec node "$cli" image "$@"
elif command -v esp32-build >/dev/null 2>&1; then
  exec esp32-build image "$@"
fi
echo "build.sh: esp32-build is not built: run 'npm ci && npm run build' in $(dirname "$here")" >&2
exit 1
