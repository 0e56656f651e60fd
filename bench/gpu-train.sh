#!/usr/bin/env bash
# GPU training benchmark of the torch trainer runtime next to Hugging Face transformers + peft, in
# one run, on one GPU: randomly initialised Qwen3-0.6B and Qwen2.5-1.5B shapes, bf16 autocast with
# F32 master weights, LoRA and full, packed batches of 4 x 2048 tokens. Prints one JSON line per
# case (tokens/s, MFU, peak GPU memory) and a table.
#
# Self-contained: needs a python3 with torch (CUDA), transformers, peft; no JDK, no network. The
# weights and batches are created here; the trainer runs standalone on them (python -m tuneup_torch).
#   bench/gpu-train.sh            # the GPU run (about 5 minutes on one H200)
#   bench/gpu-train.sh --smoke    # tiny shapes on CPU, to check the script itself
#   PYTHON=/usr/bin/python3 STEPS=12 bench/gpu-train.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PYTHONPATH="$root/tuneup-torch${PYTHONPATH:+:$PYTHONPATH}"
exec "${PYTHON:-python3}" "$root/bench/gpu_train.py" "$@"
