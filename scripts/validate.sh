#!/usr/bin/env bash
# Formats every Swift file with the toolchain's swift-format and the checked-in .swift-format, then lints.
# `scripts/validate.sh --check` only lints (non-zero exit on findings).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" != "--check" ]; then
  swift format format --in-place --recursive --parallel Sources Tests Package.swift
fi
swift format lint --strict --recursive --parallel Sources Tests Package.swift
