#!/usr/bin/env bash
# Inference speed: the engine's decode loop (InferenceBench) next to a greedy PyTorch loop with a
# KV cache (inference_bench.py, started by InferenceBench as a child process) on the same weights,
# same prompt, same threads, the two taking turns run by run; then LoRA on the fly, and four
# concurrent chat requests through the engine at capacity 1 and 2. Compiles what it
# needs first (offline); needs /usr/bin/python3 with python3-torch and
# libopenblas0-openmp. Results go to docs/benchmarks.md by hand.
#   [SHAPES="tiny big"] [PARTS="single,lora,concurrent"] \
#     bench/inference-bench.sh [prompt tokens, comma-separated] [new tokens] [runs] [threads]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
prompts="${1:-64,256}"
new="${2:-128}"
runs="${3:-5}"
threads="${4:-2}"
cd "$root"
cpfile="$(mktemp)"
mvn -B -q -o -pl tuneup-inference -am test-compile dependency:build-classpath -Dspotless.check.skip=true -Dmdep.outputFile="$cpfile" >/dev/null
cp="tuneup-inference/target/test-classes:tuneup-inference/target/classes:tuneup-model/target/classes:tuneup-core/target/classes:$(cat "$cpfile")"
rm -f "$cpfile"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
results="$work/results.jsonl"
for shape in ${SHAPES:-tiny big}; do
  java -Dai.djl.offline=true -Dai.djl.pytorch.num_threads="$threads" \
    -Dai.djl.pytorch.num_interop_threads=1 -Dorg.slf4j.simpleLogger.defaultLogLevel=error \
    -Dlogback.configurationFile=/dev/null \
    -cp "$cp" dev.tuneup.inference.engine.InferenceBench "$shape" "$work" "$prompts" "$new" "$runs" \
    "$threads" bench/inference_bench.py "${PARTS:-single,lora,concurrent}" \
    | grep '^{' | tee -a "$results"
done
/usr/bin/python3 - "$results" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print()
print("| shape | prompt | new | tuneup TTFT ms | PyTorch TTFT ms | TTFT ratio | tuneup tok/s | PyTorch tok/s | decode ratio | same tokens |")
print("|---|---|---|---|---|---|---|---|---|---|")
for r in rows:
    if r["kind"] == "single":
        print(f"| {r['shape']} | {r['prompt']} | {r['new']} | {r['tuneup_ttft_ms']:.1f} | {r['pytorch_ttft_ms']:.1f} | "
              f"{r['ttft_ratio']:.2f}x | {r['tuneup_tok_s']:.0f} | {r['pytorch_tok_s']:.0f} | "
              f"{r['decode_ratio']:.2f}x | {r['same_tokens']}/{r['new']} |")
print("\n(medians of the runs; ratios are medians of the per-turn ratios, above 1 = tuneup faster:"
      " PyTorch TTFT / tuneup TTFT, tuneup tok/s / PyTorch tok/s)\n")
print("| shape | capacity | requests | generated tokens | tokens/s | mean latency s |")
print("|---|---|---|---|---|---|")
for r in rows:
    if r["kind"] == "concurrent":
        print(f"| {r['shape']} | {r['capacity']} | {r['requests']} | {r['tokens']} | {r['tok_s']:.0f} | {r['mean_latency_s']:.2f} |")
print("\n| shape | LoRA merged at load tok/s | LoRA on the fly tok/s | on the fly / merged |")
print("|---|---|---|---|")
for r in rows:
    if r["kind"] == "lora":
        print(f"| {r['shape']} | {r['merged_tok_s']:.0f} | {r['on_the_fly_tok_s']:.0f} | {r['on_the_fly_tok_s'] / r['merged_tok_s']:.2f}x |")
PY
