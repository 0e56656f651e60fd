import json
import sys
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tuneup_torch import batches, safetensors  # noqa: E402

TINY = {"architectures": ["Qwen3ForCausalLM"], "hidden_size": 32, "intermediate_size": 64,
        "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 8,
        "rms_norm_eps": 1e-6, "rope_theta": 10000.0, "vocab_size": 50, "tie_word_embeddings": True,
        "max_position_embeddings": 256}


def make_model(root: Path, cfg: dict = None, seed: int = 0) -> Path:
    from tuneup_torch.model import CausalLM, ModelConfig

    cfg = dict(cfg or TINY)
    d = root / "model"
    d.mkdir(parents=True, exist_ok=True)
    (d / "config.json").write_text(json.dumps(cfg))
    torch.manual_seed(seed)
    m = CausalLM(ModelConfig.parse(cfg))
    state = {}
    for n, p in m.named_parameters():
        state[n] = torch.randn(p.shape) * 0.1 if "norm" not in n else 1 + 0.1 * torch.randn(p.shape)
    safetensors.save(d / "model.safetensors", state, {"format": "pt"})
    return d


def make_prepared(job: Path, steps: int = 6, micro_per_step: int = 2, rows: int = 2, seq: int = 16,
                  hp: dict = None, seed: int = 1, with_eval: bool = True, fixed: bool = False) -> Path:
    g = torch.Generator().manual_seed(seed)

    def micro():
        ids = torch.randint(1, 50, (rows, seq), generator=g)
        labels = ids.clone()
        labels[:, : seq // 2] = -100
        pos = torch.arange(seq).repeat(rows, 1)
        segs = torch.ones(rows, seq, dtype=torch.int32)
        # two packed samples in the first row
        pos[0, seq // 2:] = torch.arange(seq - seq // 2)
        segs[0, seq // 2:] = 2
        return {"input_ids": ids, "labels": labels, "position_ids": pos, "segment_ids": segs}

    plan_hp = {"learning_rate": 1e-2, "lr_scheduler_type": "cosine", "warmup_ratio": 0.05,
               "weight_decay": 0.1, "max_grad_norm": 1.0, "eval_steps": 3, "logging_steps": 1,
               "save_strategy": "steps", "save_steps": 100, "save_total_limit": 1,
               "lora_rank": 4, "lora_alpha": 8, "lora_dropout": 0.0,
               "lora_target_modules": ["q_proj", "k_proj", "v_proj", "o_proj"]}
    plan_hp.update(hp or {})
    plan = {"format": 1, "seq_len": seq, "rows": rows, "steps_per_epoch": steps, "total_steps": steps,
            "epochs": 1, "hyper_parameters": plan_hp}
    d = job / "prepared"
    same = [micro() for _ in range(micro_per_step)]
    steps_ = [same if fixed else [micro() for _ in range(micro_per_step)] for _ in range(steps)]
    batches.write(d, plan, steps_,
                  [micro()] if with_eval else [], [list(range(steps))])
    return d


def make_spec(root: Path, model: Path, lora: bool = False, resume: str = None) -> Path:
    job = root / "job"
    job.mkdir(parents=True, exist_ok=True)
    spec = {"job_id": "ft-test", "training_type": "efficient_sft" if lora else "sft",
            "model": {"id": "tiny", "path": str(model), "adapter_path": None},
            "training_files": [], "validation_files": [], "hyper_parameters": {},
            "job_dir": str(job), "output_dir": str(job / "output"),
            "events_file": str(job / "events.jsonl"), "resume_from": resume, "seed": 42,
            "threads": 1}
    f = job / "spec.json"
    f.write_text(json.dumps(spec))
    return f


def read_events(spec: Path):
    return [json.loads(l) for l in (spec.parent / "events.jsonl").read_text().splitlines()]


@pytest.fixture
def tiny(tmp_path):
    return make_model(tmp_path)
