"""LoRA in PEFT's layout: for each wrapped projection W, A [r, in] and B [out, r], so that the
projection becomes W x + (alpha / r) B A dropout(x). Tensors are saved under PEFT names
(``base_model.model.model.layers.N.self_attn.q_proj.lora_A.weight``)."""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List

import torch
import torch.nn.functional as F
from torch import nn

from . import safetensors
from .model import CausalLM

PREFIX = "base_model.model."
DEFAULT_TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj"]
KNOWN = {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"}
ATTENTION = {"q_proj", "k_proj", "v_proj", "o_proj"}


@dataclass(frozen=True)
class LoraConfig:
    r: int
    alpha: float
    dropout: float
    target_modules: List[str]
    base_model: str

    @property
    def scale(self) -> float:
        return self.alpha / self.r

    def to_json(self) -> dict:
        return {
            "peft_type": "LORA", "task_type": "CAUSAL_LM", "r": self.r,
            "lora_alpha": self.alpha, "lora_dropout": self.dropout,
            "target_modules": list(self.target_modules),
            "base_model_name_or_path": self.base_model, "bias": "none",
            "fan_in_fan_out": False, "inference_mode": True,
        }

    @staticmethod
    def parse(j: dict) -> "LoraConfig":
        if str(j.get("peft_type", "LORA")).upper() != "LORA":
            raise ValueError(f"adapter peft_type {j.get('peft_type')} is not supported, only LORA")
        t = j.get("target_modules") or []
        if isinstance(t, str):
            t = [x.strip() for x in t.split(",") if x.strip()]
        return LoraConfig(int(j.get("r", 8)), float(j.get("lora_alpha", 8)),
                          float(j.get("lora_dropout", 0)), list(t) or DEFAULT_TARGETS,
                          str(j.get("base_model_name_or_path", "")))


class JavaRandom:
    """java.util.Random, so a fresh adapter starts from the same A as the Java trainer's."""

    def __init__(self, seed: int):
        self.seed = (seed ^ 0x5DEECE66D) & ((1 << 48) - 1)

    def next_float(self) -> float:
        self.seed = (self.seed * 0x5DEECE66D + 0xB) & ((1 << 48) - 1)
        return (self.seed >> (48 - 24)) / float(1 << 24)


class LoraLinear(nn.Module):
    """A frozen linear layer plus a trainable low-rank delta; the base keeps its tensor names."""

    def __init__(self, base: nn.Linear, r: int, scale: float, dropout: float):
        super().__init__()
        self.weight = base.weight
        self.bias = base.bias
        self.lora_A = nn.Linear(base.in_features, r, bias=False)
        self.lora_B = nn.Linear(r, base.out_features, bias=False)
        self.scale = scale
        self.dropout = dropout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.linear(x, self.weight, self.bias)
        inp = F.dropout(x, self.dropout, True) if self.training and self.dropout > 0 else x
        return y + self.lora_B(self.lora_A(inp)) * self.scale


def modules(cfg: LoraConfig, model: CausalLM) -> List[str]:
    out = []
    for layer in range(model.config.num_hidden_layers):
        for t in cfg.target_modules:
            if t not in KNOWN:
                raise ValueError(f"LoRA target module {t} is not supported; use some of {sorted(KNOWN)}")
            group = "self_attn." if t in ATTENTION else "mlp."
            out.append(f"model.layers.{layer}.{group}{t}")
    return out


def attach(model: CausalLM, cfg: LoraConfig, seed: int) -> Dict[str, nn.Parameter]:
    """Wraps the target projections; A drawn as the Java trainer draws it (Kaiming-uniform bound
    1/sqrt(in) from java.util.Random(seed)), B zeros. Returns the trainable tensors by PEFT name."""
    rnd = JavaRandom(seed)
    for name in modules(cfg, model):
        parent_name, leaf = name.rsplit(".", 1)
        parent = model.get_submodule(parent_name)
        base = getattr(parent, leaf)
        wrapped = LoraLinear(base, cfg.r, cfg.scale, cfg.dropout)
        bound = 1.0 / math.sqrt(base.in_features)
        n = cfg.r * base.in_features
        a = torch.tensor([(rnd.next_float() * 2 - 1) * bound for _ in range(n)], dtype=torch.float32)
        with torch.no_grad():
            wrapped.lora_A.weight.copy_(a.view(cfg.r, base.in_features))
            wrapped.lora_B.weight.zero_()
        setattr(parent, leaf, wrapped.to(base.weight.device))
    return trainable(model)


def trainable(model: CausalLM) -> Dict[str, nn.Parameter]:
    return {PREFIX + n: p for n, p in model.named_parameters() if ".lora_" in n}


def load_into(model: CausalLM, adapter_dir: Path, params: Dict[str, nn.Parameter]) -> None:
    t = safetensors.load(Path(adapter_dir) / "adapter_model.safetensors")
    with torch.no_grad():
        for name, p in params.items():
            if name not in t:
                raise ValueError(f"adapter in {adapter_dir} lacks {name}")
            p.copy_(t[name].float())


def read_config(adapter_dir: Path) -> LoraConfig:
    return LoraConfig.parse(json.loads((Path(adapter_dir) / "adapter_config.json").read_text()))


def merge(model: CausalLM, adapter_dir: Path) -> None:
    """Adds scale * B A of a saved adapter into the base weights (a base that is a LoRA result)."""
    cfg = read_config(adapter_dir)
    t = safetensors.load(Path(adapter_dir) / "adapter_model.safetensors")
    with torch.no_grad():
        for name in modules(cfg, model):
            a = t[PREFIX + name + ".lora_A.weight"].float()
            b = t[PREFIX + name + ".lora_B.weight"].float()
            model.get_submodule(name).weight.add_((b @ a) * cfg.scale)


def save(dir_: Path, cfg: LoraConfig, params: Dict[str, nn.Parameter]) -> None:
    (Path(dir_) / "adapter_config.json").write_text(json.dumps(cfg.to_json(), indent=2))
    safetensors.save(Path(dir_) / "adapter_model.safetensors", params, {"format": "pt"}, torch.float32)
