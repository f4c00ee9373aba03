#!/usr/bin/env bash
# Starts the whole fleet on this machine: installs libzmq3-dev if missing, builds, runs `switchyard up`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-deps.sh
swift build -c release --product switchyard
exec "$(swift build -c release --show-bin-path)/switchyard" up "$@"
