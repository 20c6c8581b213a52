#!/usr/bin/env bash
# Runs every Go fuzz target (func Fuzz…) for N seconds each (default 60).
# `go test ./...` already runs their seed corpora; this searches further.
# Usage: bench/fuzz.sh [SECONDS] [NAME-REGEXP]
#   bench/fuzz.sh 30             every target, 30 s each
#   bench/fuzz.sh 120 ParsePush  only targets matching ParsePush
# New failing inputs are written under the package's testdata/fuzz/ and
# replayed by `go test` from then on: commit them with the fix.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
only=${2:-.}
failed=0
while IFS=: read -r file name; do
	[[ $name =~ $only ]] || continue
	pkg=./$(dirname "$file")
	echo "== $name ($pkg, ${secs}s)"
	if ! go test -run '^$' -fuzz "^${name}\$" -fuzztime "${secs}s" "$pkg"; then
		failed=$((failed + 1))
		echo "!! $name failed: see ${pkg#./}/testdata/fuzz/$name/"
	fi
done < <(grep -rhoE --include='*_test.go' -H '^func (Fuzz[A-Za-z0-9_]+)' internal | sed -E 's/:func /:/' | sort -u)
if ((failed > 0)); then
	echo "$failed fuzz target(s) failed"
	exit 1
fi
echo "every fuzz target ran ${secs}s without a failure"
