#!/usr/bin/env bash
# Attacks kwh listen on loopback and prints the reliability figures (about
# 4 minutes): SIGKILL runs, an id storm, an app outage, slow clients under a
# 256-descriptor limit, and (as root) a full disk. See bench/reliability/main.go.
set -euo pipefail
cd "$(dirname "$0")/.."
go run ./bench/reliability "$@"
