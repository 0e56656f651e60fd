#!/usr/bin/env bash
# Dispatch throughput: queued jobs claimed per second by one or two replicas, each with its own
# connection pool and claiming thread, on PostgreSQL (started by the test kit from the machine's
# server binaries, as the store tests do) and on SQLite for reference. Compiles what it
# needs first (offline). Results go to docs/benchmarks.md by hand.
#   bench/dispatch-bench.sh [jobs] [users]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jobs="${1:-2000}"
users="${2:-20}"
cd "$root"
cpfile="$(mktemp)"
mvn -B -q -o -pl tuneup-store -am test-compile dependency:build-classpath -Dspotless.check.skip=true -Dmdep.outputFile="$cpfile" >/dev/null
cp="tuneup-store/target/test-classes:tuneup-store/target/classes:tuneup-core/target/classes:tuneup-testkit/target/classes:$(cat "$cpfile")"
rm -f "$cpfile"
for run in "sqlite 1" "postgres 1" "postgres 2"; do
  set -- $run
  java -Duser.timezone=Asia/Shanghai -Dorg.slf4j.simpleLogger.defaultLogLevel=error \
    -Dlogback.configurationFile=/dev/null -cp "$cp" dev.tuneup.store.DispatchBench "$1" "$2" "$jobs" "$users" \
    2>/dev/null | grep '^{'
done
