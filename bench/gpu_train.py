"""The body of bench/gpu-train.sh: see there. usage: gpu_train.py [--smoke] [--steps N]
[--cases qwen3-0.6b:lora,...] [--work DIR]"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

from tuneup_torch import batches, safetensors
from tuneup_torch.model import CausalLM, ModelConfig

SHAPES = {
    "qwen3-0.6b": {"architectures": ["Qwen3ForCausalLM"], "model_type": "qwen3", "hidden_size": 1024,
                   "intermediate_size": 3072, "num_hidden_layers": 28, "num_attention_heads": 16,
                   "num_key_value_heads": 8, "head_dim": 128, "rms_norm_eps": 1e-6,
                   "rope_theta": 1000000.0, "vocab_size": 151936, "tie_word_embeddings": True,
                   "max_position_embeddings": 40960},
    "qwen2.5-1.5b": {"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "hidden_size": 1536,
                     "intermediate_size": 8960, "num_hidden_layers": 28, "num_attention_heads": 12,
                     "num_key_value_heads": 2, "head_dim": 128, "rms_norm_eps": 1e-6,
                     "rope_theta": 1000000.0, "vocab_size": 151936, "tie_word_embeddings": True,
                     "max_position_embeddings": 32768},
    # --smoke
    "tiny-qwen3": {"architectures": ["Qwen3ForCausalLM"], "model_type": "qwen3", "hidden_size": 64,
                   "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4,
                   "num_key_value_heads": 2, "head_dim": 16, "rms_norm_eps": 1e-6,
                   "rope_theta": 10000.0, "vocab_size": 512, "tie_word_embeddings": True,
                   "max_position_embeddings": 4096},
}
LR = 1e-4
# dense bf16 datasheet peaks (an H200 measured about 790 TFLOP/s on 8192^3 products)
PEAK_BF16_FLOPS = {"H200": 989e12, "H100": 989e12, "A100": 312e12}


def make_weights(cfg: dict, directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "config.json").write_text(json.dumps(cfg))
    torch.manual_seed(0)
    m = CausalLM(ModelConfig.parse(cfg))
    state = {}
    for n, p in m.named_parameters():
        state[n] = torch.ones(p.shape) if n.endswith("norm.weight") else torch.randn(p.shape) * 0.02
    del m
    # bf16 on disk halves the file; the trainer loads F32 master weights
    safetensors.save(directory / "model.safetensors", state, {"format": "pt"}, torch.bfloat16)
    return directory


def packed_rows(rows: int, seq: int, vocab: int, rnd: random.Random) -> dict:
    ids = torch.randint(1, vocab, (rows, seq))
    labels = torch.full((rows, seq), -100)
    pos = torch.zeros(rows, seq, dtype=torch.long)
    seg = torch.zeros(rows, seq, dtype=torch.int32)
    for r in range(rows):
        at, s = 0, 0
        while at < seq:
            n = min(seq - at, rnd.randint(seq // 16, seq // 2))
            s += 1
            prompt = n // 3
            labels[r, at + prompt: at + n] = ids[r, at + prompt: at + n]
            pos[r, at: at + n] = torch.arange(n)
            seg[r, at: at + n] = s
            at += n
    return {"input_ids": ids, "labels": labels, "position_ids": pos, "segment_ids": seg}


def prepare(job: Path, steps: int, rows: int, seq: int, vocab: int) -> list:
    rnd = random.Random(1)
    torch.manual_seed(1)
    micro = [[packed_rows(rows, seq, vocab, rnd)] for _ in range(steps)]
    hp = {"learning_rate": LR, "lr_scheduler_type": "constant", "warmup_ratio": 0.0,
          "weight_decay": 0.0, "max_grad_norm": 1.0, "eval_steps": 10**9, "logging_steps": 1,
          "save_strategy": "steps", "save_steps": 10**9, "save_total_limit": 1, "lora_rank": 8,
          "lora_alpha": 32, "lora_dropout": 0.0,
          "lora_target_modules": ["q_proj", "k_proj", "v_proj", "o_proj"],
          "gradient_checkpointing": False}
    plan = {"format": 1, "seq_len": seq, "rows": rows, "steps_per_epoch": steps, "total_steps": steps,
            "epochs": 1, "hyper_parameters": hp}
    batches.write(job / "prepared", plan, micro, [], [list(range(steps))])
    return [m[0] for m in micro]


def params_of(cfg: dict) -> int:
    c = ModelConfig.parse(cfg)
    h, i, L = c.hidden_size, c.intermediate_size, c.num_hidden_layers
    q, kv = c.num_attention_heads * c.head_dim, c.num_key_value_heads * c.head_dim
    per_layer = h * q * 2 + h * kv * 2 + 3 * h * i
    return L * per_layer + c.vocab_size * h * (1 if c.tie_word_embeddings else 2)


def flops_per_token(cfg: dict, seq: int, lora: bool) -> float:
    """Matrix FLOPs of a training step per token: 6N for full fine-tuning (forward 2N, backward
    4N), 4N for LoRA (no weight gradients of the frozen base), plus attention scores and values
    (causal: half of 4·s·d per layer forward, times 3 with backward)."""
    c = ModelConfig.parse(cfg)
    n = params_of(cfg)
    attention = 3 * 2 * c.num_hidden_layers * seq * c.num_attention_heads * c.head_dim
    return (4 if lora else 6) * n + attention


def run_tuneup(model_dir: Path, job: Path, lora: bool, device: str, steps: int, warmup: int) -> dict:
    spec = {"job_id": "bench", "training_type": "efficient_sft" if lora else "sft",
            "model": {"id": "bench", "path": str(model_dir), "adapter_path": None},
            "training_files": [], "validation_files": [], "hyper_parameters": {},
            "job_dir": str(job), "output_dir": str(job / "output"),
            "events_file": str(job / "events.jsonl"), "resume_from": None, "seed": 42,
            "threads": os.cpu_count()}
    (job / "spec.json").write_text(json.dumps(spec))
    out = subprocess.run([sys.executable, "-m", "tuneup_torch", "--spec", str(job / "spec.json"),
                          "--device", device], capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"tuneup_torch failed:\n{out.stderr[-4000:]}")
    events = [json.loads(l) for l in out.stdout.splitlines()]
    prog = [e for e in events if e["type"] == "progress"]
    t = {e["step"]: _seconds(e["time"]) for e in prog}
    tok = {e["step"]: e["tokens"] for e in prog}
    tps = (tok[steps] - tok[warmup]) / (t[steps] - t[warmup])
    peak = None
    for e in events:
        if e["type"] == "log" and e["message"].startswith("peak GPU memory"):
            peak = int(e["message"].split("(")[1].split()[0])
    runtime = next(e["message"] for e in events if e["type"] == "log" and "torch runtime" in e["message"])
    shutil.rmtree(job / "output", ignore_errors=True)
    return {"tokens_per_second": tps, "peak_bytes": peak, "runtime": runtime,
            "final_loss": prog[-1]["loss"]}


def _seconds(iso: str) -> float:
    import datetime as dt

    return dt.datetime.strptime(iso, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.timezone.utc).timestamp()


def run_reference(cfg: dict, micro: list, lora: bool, device: str, steps: int, warmup: int) -> dict:
    """transformers (eager model, SDPA attention) + peft, same batches, AdamW (fused on CUDA), bf16
    autocast with F32 master weights. transformers' SDPA path takes no packed-segment mask, so its
    rows attend causally across packed samples (same FLOPs, a looser mask)."""
    import transformers
    from transformers import AutoConfig, AutoModelForCausalLM

    conf = AutoConfig.for_model(cfg["model_type"], **{k: v for k, v in cfg.items()
                                                       if k not in ("architectures", "model_type")})
    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_config(conf, attn_implementation="sdpa").float()
    if lora:
        from peft import LoraConfig, get_peft_model

        model = get_peft_model(model, LoraConfig(r=8, lora_alpha=32, lora_dropout=0.0,
                                                 target_modules=["q_proj", "k_proj", "v_proj", "o_proj"]))
    model.to(device).train()
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=LR, weight_decay=0.0, **({"fused": True} if device == "cuda" else {}))
    cuda = device == "cuda"
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    tokens, t0 = 0, None
    for step in range(steps):
        if step == warmup:
            if cuda:
                torch.cuda.synchronize()
            t0, tokens = time.perf_counter(), 0
        m = micro[step]
        ids = m["input_ids"].to(device)
        with torch.autocast(device, dtype=torch.bfloat16, enabled=cuda):
            out = model(input_ids=ids, position_ids=m["position_ids"].to(device),
                        labels=m["labels"].to(device))
        out.loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        tokens += int((m["segment_ids"] > 0).sum())
    if cuda:
        torch.cuda.synchronize()
    tps = tokens / (time.perf_counter() - t0)
    peak = torch.cuda.max_memory_allocated() if cuda else None
    del model, opt
    if cuda:
        torch.cuda.empty_cache()
    return {"tokens_per_second": tps, "peak_bytes": peak, "transformers": transformers.__version__}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--smoke", action="store_true", help="tiny shapes on CPU, to check the script")
    ap.add_argument("--steps", type=int, default=int(os.environ.get("STEPS", "12")))
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--cases", default=None)
    ap.add_argument("--work", default=None)
    a = ap.parse_args()
    cuda = torch.cuda.is_available() and not a.smoke
    device = "cuda" if cuda else "cpu"
    if a.smoke:
        cases, rows, seq = ["tiny-qwen3:lora", "tiny-qwen3:full"], 2, 128
    else:
        if not cuda:
            print("no CUDA device: run with --smoke to check the script on CPU", file=sys.stderr)
            return 2
        cases = ["qwen3-0.6b:lora", "qwen3-0.6b:full", "qwen2.5-1.5b:lora", "qwen2.5-1.5b:full"]
        rows, seq = 4, 2048
    if a.cases:
        cases = a.cases.split(",")
    try:
        import transformers  # noqa: F401
        import peft  # noqa: F401
        reference = True
    except ImportError:
        reference = False
        print("transformers/peft not importable: the reference columns stay empty", file=sys.stderr)
    gpu = torch.cuda.get_device_name(0) if cuda else "cpu"
    peak = next((v for k, v in PEAK_BF16_FLOPS.items() if k in gpu), None)
    work = Path(a.work or tempfile.mkdtemp(prefix="tuneup-gpu-bench-"))
    results = []
    made = {}
    for case in cases:
        shape, mode = case.split(":")
        cfg = SHAPES[shape]
        if shape not in made:
            made[shape] = make_weights(cfg, work / shape / "model")
        job = work / shape / mode
        shutil.rmtree(job, ignore_errors=True)
        job.mkdir(parents=True)
        micro = prepare(job, a.steps, rows, seq, cfg["vocab_size"])
        lora = mode == "lora"
        ours = run_tuneup(made[shape], job, lora, device, a.steps, a.warmup)
        ref = run_reference(cfg, micro, lora, device, a.steps, a.warmup) if reference else None
        fpt = flops_per_token(cfg, seq, lora)
        r = {"case": case, "device": gpu, "tokens_per_batch": rows * seq,
             "params": params_of(cfg), "tuneup_tokens_per_second": round(ours["tokens_per_second"], 1),
             "tuneup_mfu": round(ours["tokens_per_second"] * fpt / peak, 4) if peak else None,
             "tuneup_peak_gib": round(ours["peak_bytes"] / 2**30, 2) if ours["peak_bytes"] else None,
             "tuneup_runtime": ours["runtime"]}
        if ref:
            r.update({"hf_tokens_per_second": round(ref["tokens_per_second"], 1),
                      "hf_mfu": round(ref["tokens_per_second"] * fpt / peak, 4) if peak else None,
                      "hf_peak_gib": round(ref["peak_bytes"] / 2**30, 2) if ref["peak_bytes"] else None,
                      "speedup": round(ours["tokens_per_second"] / ref["tokens_per_second"], 3),
                      "transformers": ref["transformers"]})
        print(json.dumps(r), flush=True)
        results.append(r)
    print(f"\n| case | tuneup tok/s | MFU | peak GiB | HF tok/s | HF MFU | HF peak GiB | speed-up |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in results:
        print(f"| {r['case']} | {r['tuneup_tokens_per_second']} | {r['tuneup_mfu']} | {r['tuneup_peak_gib']} | "
              f"{r.get('hf_tokens_per_second')} | {r.get('hf_mfu')} | {r.get('hf_peak_gib')} | {r.get('speedup')} |")
    if not a.work:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
