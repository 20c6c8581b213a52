#!/usr/bin/env bash
# Benchmarks kwh listen against a bare Go handler on loopback (about 30 s).
set -euo pipefail
cd "$(dirname "$0")/.."
go run ./bench/listen "$@"
