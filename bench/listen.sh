#!/usr/bin/env bash
# Benchmarks kwh listen on loopback (a few minutes): acknowledgements against
# a bare Go handler, then the sustained end-to-end rate (open-loop signed
# pushes reaching a signature-checking app) for nginx proxy_pass and each
# kwh listen --order, and kwh's CPU per event (ingest, forward).
# Flags go to the Go program: go run ./bench/listen -h lists them.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v nginx >/dev/null && ! [ -x /usr/sbin/nginx ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update && $sudo apt-get install -y nginx
fi
go run ./bench/listen "$@"
