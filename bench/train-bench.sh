#!/usr/bin/env bash
# Training throughput and peak RSS: DJL (TrainBench) next to PyTorch (train_bench.py), same shapes,
# same threads. Needs: GNU time,
# /usr/bin/python3 with python3-torch and libopenblas0-openmp (apt-get install -y python3-torch
# libopenblas0-openmp). Results go to docs/benchmarks.md by hand.
#   [SHAPES="tiny big q06"] [MODES="full lora"] bench/train-bench.sh [steps] [threads]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
steps="${1:-30}"
threads="${2:-2}"
cd "$root"
cpfile="$(mktemp)"
mvn -B -q -o -pl tuneup-trainer -am test-compile dependency:build-classpath -Dspotless.check.skip=true -Dmdep.outputFile="$cpfile" >/dev/null
cp="tuneup-trainer/target/test-classes:tuneup-trainer/target/classes:tuneup-model/target/classes:$(cat "$cpfile")"
rm -f "$cpfile"
run() { # prints the JSON line with peak_rss_mb added
  local out rss
  out="$( { /usr/bin/time -f 'RSS %M' "$@" 2>&1 1>&3 | grep '^RSS' >&4; } 3>&1 4>/tmp/train-bench-rss.$$ )"
  rss="$(awk '{print int($2/1024)}' /tmp/train-bench-rss.$$)"
  echo "${out%\}},\"peak_rss_mb\":$rss}"
}
for shape in ${SHAPES:-tiny big}; do
  for mode in ${MODES:-full lora}; do
    for data in fixed mix-packed mix-unpacked; do
      [ "$data" != fixed ] && [ "$mode" = lora ] && continue
      run java -Dai.djl.offline=true -Dai.djl.pytorch.num_threads="$threads" \
        -Dai.djl.pytorch.num_interop_threads=1 -Dorg.slf4j.simpleLogger.defaultLogLevel=error \
        -cp "$cp" dev.tuneup.trainer.TrainBench "$shape" "$mode" "$data" "$steps"
      OMP_NUM_THREADS="$threads" run /usr/bin/python3 bench/train_bench.py \
        "$shape" "$mode" "$data" "$steps" "$threads"
    done
  done
done
rm -f /tmp/train-bench-rss.$$
