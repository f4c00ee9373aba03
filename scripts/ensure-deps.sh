#!/usr/bin/env bash
# Installs the Debian packages the build and the tests need, if they are missing.
set -euo pipefail
missing=()
for pkg in libzmq3-dev libsqlite3-dev; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
# The integration tests make a virtualenv; Debian's own python3 needs python3-venv for that.
python3 -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
fi
