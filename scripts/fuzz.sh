#!/usr/bin/env bash
# Runs every Go fuzz target in the module for FUZZTIME each (default 30s),
# starting from its committed seed corpus. A crasher fails the run and is
# written under the package's testdata/fuzz folder.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime=${FUZZTIME:-30s}
status=0
for pkg in $(go list ./...); do
  for target in $(go test -list '^Fuzz' "$pkg" 2>/dev/null | grep '^Fuzz' || true); do
    echo "fuzz: $pkg $target for $fuzztime"
    if ! go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" -parallel 2 "$pkg" >/tmp/fuzz-$$.log 2>&1; then
      cat /tmp/fuzz-$$.log
      status=1
    else
      tail -n 1 /tmp/fuzz-$$.log
    fi
  done
done
rm -f /tmp/fuzz-$$.log
exit $status
