#!/usr/bin/env bash
# Benchmarks kwh listen on loopback (a few minutes): acknowledgements against
# a bare Go handler, then the sustained end-to-end rate (open-loop signed
# pushes reaching a signature-checking app) for nginx proxy_pass and each
# kwh listen --order, and kwh's CPU per event (ingest, forward).
# Flags go to the Go program: go run ./bench/listen -h lists them.
# bench/listen.sh -replicas compares one kwh listen on bbolt with two
# replicas on one Redis instead (installs redis-server when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v nginx >/dev/null && ! [ -x /usr/sbin/nginx ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update && $sudo apt-get install -y nginx
fi
if [[ " $* " == *" -replicas "* ]] && ! command -v redis-server >/dev/null; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update && $sudo apt-get install -y redis-server
fi
go run ./bench/listen "$@"
