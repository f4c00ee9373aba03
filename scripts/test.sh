#!/usr/bin/env bash
# Runs every test: the Swift unit tests, then the integration tests against the real executable.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-deps.sh --tests
swift build --build-tests
swift test --skip-build
python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check -r Tests/integration/requirements.txt
SWITCHYARD_BIN="$(swift build --show-bin-path)/switchyard" .venv/bin/python -m pytest Tests/integration -q -p no:cacheprovider "$@"
