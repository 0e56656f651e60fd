#!/usr/bin/env bash
# Fuzz run over every route of both surfaces (FuzzTest with more requests): malformed bodies,
# headers, paths, multipart and query strings; it fails on any 5xx or any error that is not JSON.
#
#   bench/fuzz.sh [requests=10000] [seed=15]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
n=${1:-10000}; seed=${2:-15}
cd "$root"
mvn -B -q -pl tuneup-server -am test -Dtest=FuzzTest -Dsurefire.failIfNoSpecifiedTests=false \
  -Dfuzz.requests="$n" -Dfuzz.seed="$seed" -Dspotless.check.skip=true
grep -h '^fuzz:' tuneup-server/target/surefire-reports/*FuzzTest-output.txt
