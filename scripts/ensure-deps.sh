#!/usr/bin/env bash
# Installs the Debian packages the build and the tests need, if they are missing (iproute2: the two-host test
# makes network namespaces). With --tests, also what only the tests use (chromium: the fleet page's test loads it
# headless).
set -euo pipefail
packages=(libzmq3-dev libsqlite3-dev nginx iproute2)
[ "${1:-}" != "--tests" ] || packages+=(chromium)
missing=()
for pkg in "${packages[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
# The integration tests make a virtualenv; Debian's own python3 needs python3-venv for that.
python3 -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  # nginx (for the load-balancer tests, which start their own) must not start its default site on port 80
  # while it is installed: a policy-rc.d that refuses service starts, removed again afterwards.
  policy=/usr/sbin/policy-rc.d
  added_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
    $sudo chmod 0755 "$policy"
    added_policy=1
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
  [ "$added_policy" -eq 0 ] || $sudo rm -f "$policy"
fi
