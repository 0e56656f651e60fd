"""Qwen2, Qwen3 and LLaMA decoders in plain PyTorch, mirroring dev.tuneup.model.nn.Transformer
tensor for tensor. Modules are nested as transformers nests them, so ``named_parameters()``
yields the Hugging Face tensor names (``model.layers.0.self_attn.q_proj.weight``)."""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Optional

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.checkpoint import checkpoint

ARCHITECTURES = {"Qwen2ForCausalLM": "qwen2", "Qwen3ForCausalLM": "qwen3", "LlamaForCausalLM": "llama"}
HAS_SDPA = hasattr(F, "scaled_dot_product_attention")


class UnsupportedModel(ValueError):
    """A config.json this runtime cannot train; the message says what is supported."""


@dataclass(frozen=True)
class ModelConfig:
    architecture: str  # qwen2, qwen3 or llama
    hidden_size: int
    intermediate_size: int
    num_hidden_layers: int
    num_attention_heads: int
    num_key_value_heads: int
    head_dim: int
    rms_norm_eps: float
    rope_theta: float
    vocab_size: int
    tie_word_embeddings: bool
    max_position_embeddings: int
    attention_bias: bool

    @property
    def qkv_bias(self) -> bool:
        return self.architecture == "qwen2" or self.attention_bias

    @property
    def output_bias(self) -> bool:
        return self.architecture != "qwen2" and self.attention_bias

    @property
    def query_key_norm(self) -> bool:
        return self.architecture == "qwen3"

    @staticmethod
    def parse(j: dict) -> "ModelConfig":
        archs = j.get("architectures") or []
        name = archs[0] if archs else None
        arch = ARCHITECTURES.get(name) if name else None
        if arch is None and name is None and j.get("model_type") in ARCHITECTURES.values():
            arch = j["model_type"]
        if arch is None:
            raise UnsupportedModel(
                f"architecture {name or '(none given)'} is not supported; supported are "
                + ", ".join(sorted(ARCHITECTURES)))
        scaling = j.get("rope_scaling")
        if scaling:
            kind = scaling.get("rope_type", scaling.get("type", "default"))
            if kind != "default":
                raise UnsupportedModel(f"rope_scaling type '{kind}' is not supported; only plain RoPE is")
        heads = int(j["num_attention_heads"])
        hidden = int(j["hidden_size"])
        return ModelConfig(
            architecture=arch,
            hidden_size=hidden,
            intermediate_size=int(j["intermediate_size"]),
            num_hidden_layers=int(j["num_hidden_layers"]),
            num_attention_heads=heads,
            num_key_value_heads=int(j.get("num_key_value_heads") or heads),
            head_dim=int(j.get("head_dim") or hidden // heads),
            rms_norm_eps=float(j.get("rms_norm_eps", 1e-6)),
            rope_theta=float(j.get("rope_theta", 10000.0)),
            vocab_size=int(j["vocab_size"]),
            tie_word_embeddings=bool(j.get("tie_word_embeddings", False)),
            max_position_embeddings=int(j.get("max_position_embeddings", 32768)),
            attention_bias=bool(j.get("attention_bias", False)),
        )

    @staticmethod
    def load(model_dir: Path) -> "ModelConfig":
        return ModelConfig.parse(json.loads((Path(model_dir) / "config.json").read_text()))

    def to_json(self) -> dict:
        """config.json as the Java trainer writes it."""
        cls = {v: k for k, v in ARCHITECTURES.items()}[self.architecture]
        return {
            "architectures": [cls], "model_type": self.architecture,
            "hidden_size": self.hidden_size, "intermediate_size": self.intermediate_size,
            "num_hidden_layers": self.num_hidden_layers,
            "num_attention_heads": self.num_attention_heads,
            "num_key_value_heads": self.num_key_value_heads, "head_dim": self.head_dim,
            "rms_norm_eps": self.rms_norm_eps, "rope_theta": self.rope_theta,
            "vocab_size": self.vocab_size, "tie_word_embeddings": self.tie_word_embeddings,
            "max_position_embeddings": self.max_position_embeddings,
            "attention_bias": self.attention_bias, "hidden_act": "silu", "torch_dtype": "float32",
        }


class RMSNorm(nn.Module):
    def __init__(self, n: int, eps: float):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(n))
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # as the Java model: x / sqrt(mean(x^2) + eps) * w, in float32 even under autocast
        dtype = x.dtype
        x = x.float()
        y = x / torch.sqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)
        return (y * self.weight.float()).to(dtype)


class Attention(nn.Module):
    def __init__(self, c: ModelConfig):
        super().__init__()
        q, kv = c.num_attention_heads * c.head_dim, c.num_key_value_heads * c.head_dim
        self.q_proj = nn.Linear(c.hidden_size, q, bias=c.qkv_bias)
        self.k_proj = nn.Linear(c.hidden_size, kv, bias=c.qkv_bias)
        self.v_proj = nn.Linear(c.hidden_size, kv, bias=c.qkv_bias)
        self.o_proj = nn.Linear(q, c.hidden_size, bias=c.output_bias)
        if c.query_key_norm:
            self.q_norm = RMSNorm(c.head_dim, c.rms_norm_eps)
            self.k_norm = RMSNorm(c.head_dim, c.rms_norm_eps)
        self.c = c

    def forward(self, x, cos, sin, mask: torch.Tensor, use_sdpa: bool) -> torch.Tensor:
        c = self.c
        b, s, _ = x.shape
        nh, nkv, d = c.num_attention_heads, c.num_key_value_heads, c.head_dim
        q = self.q_proj(x).view(b, s, nh, d)
        k = self.k_proj(x).view(b, s, nkv, d)
        v = self.v_proj(x).view(b, s, nkv, d)
        if c.query_key_norm:
            q = self.q_norm(q)
            k = self.k_norm(k)
        q = rope(q.transpose(1, 2), cos, sin)
        k = rope(k.transpose(1, 2), cos, sin)
        v = v.transpose(1, 2)
        if nkv != nh:
            k = k[:, :, None].expand(b, nkv, nh // nkv, s, d).reshape(b, nh, s, d)
            v = v[:, :, None].expand(b, nkv, nh // nkv, s, d).reshape(b, nh, s, d)
        if use_sdpa:
            att = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        else:
            # the Java model's computation: scores * 1/sqrt(d) + (allowed - 1) * 1e9, softmax
            additive = (mask.to(q.dtype) - 1.0) * 1e9
            scores = torch.matmul(q, k.transpose(2, 3)) * (1.0 / math.sqrt(d)) + additive
            att = torch.matmul(torch.softmax(scores, dim=-1), v)
        return self.o_proj(att.transpose(1, 2).reshape(b, s, nh * d))


def rope(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    x1, x2 = x.chunk(2, dim=-1)
    return x * cos + torch.cat((-x2, x1), dim=-1) * sin


class Mlp(nn.Module):
    def __init__(self, c: ModelConfig):
        super().__init__()
        self.gate_proj = nn.Linear(c.hidden_size, c.intermediate_size, bias=False)
        self.up_proj = nn.Linear(c.hidden_size, c.intermediate_size, bias=False)
        self.down_proj = nn.Linear(c.intermediate_size, c.hidden_size, bias=False)

    def forward(self, x):
        g = self.gate_proj(x)
        return self.down_proj(g * torch.sigmoid(g) * self.up_proj(x))


class Layer(nn.Module):
    def __init__(self, c: ModelConfig):
        super().__init__()
        self.input_layernorm = RMSNorm(c.hidden_size, c.rms_norm_eps)
        self.self_attn = Attention(c)
        self.post_attention_layernorm = RMSNorm(c.hidden_size, c.rms_norm_eps)
        self.mlp = Mlp(c)

    def forward(self, x, cos, sin, mask, use_sdpa: bool):
        x = x + self.self_attn(self.input_layernorm(x), cos, sin, mask, use_sdpa)
        return x + self.mlp(self.post_attention_layernorm(x))


class Decoder(nn.Module):
    def __init__(self, c: ModelConfig):
        super().__init__()
        self.embed_tokens = nn.Embedding(c.vocab_size, c.hidden_size)
        self.layers = nn.ModuleList(Layer(c) for _ in range(c.num_hidden_layers))
        self.norm = RMSNorm(c.hidden_size, c.rms_norm_eps)


class CausalLM(nn.Module):
    """The model; ``loss_sum`` is the training objective of the Java trainer."""

    def __init__(self, c: ModelConfig):
        super().__init__()
        self.config = c
        self.model = Decoder(c)
        if not c.tie_word_embeddings:
            self.lm_head = nn.Linear(c.hidden_size, c.vocab_size, bias=False)
        half = c.head_dim // 2
        inv = [1.0 / (c.rope_theta ** ((2.0 * i) / c.head_dim)) for i in range(half)]
        self.register_buffer("inv_freq", torch.tensor(inv, dtype=torch.float32), persistent=False)
        self.gradient_checkpointing = False
        self.use_sdpa = HAS_SDPA

    def output_weight(self) -> torch.Tensor:
        return self.model.embed_tokens.weight if self.config.tie_word_embeddings else self.lm_head.weight

    def hidden(self, ids: torch.Tensor, pos: torch.Tensor, seg: torch.Tensor) -> torch.Tensor:
        s = ids.shape[1]
        causal = torch.tril(torch.ones(s, s, dtype=torch.bool, device=ids.device))
        mask = ((seg[:, :, None] == seg[:, None, :]) & causal)[:, None]
        freqs = pos.float()[:, :, None] * self.inv_freq[None, None]
        emb = torch.cat((freqs, freqs), -1)[:, None]
        cos, sin = emb.cos(), emb.sin()
        x = self.model.embed_tokens(ids.long())
        for layer in self.model.layers:
            if self.gradient_checkpointing and self.training and torch.is_grad_enabled():
                x = checkpoint(layer, x, cos, sin, mask, self.use_sdpa, use_reentrant=False)
            else:
                x = layer(x, cos, sin, mask, self.use_sdpa)
        return self.model.norm(x)

    def forward(self, ids, pos, seg) -> torch.Tensor:
        return F.linear(self.hidden(ids, pos, seg), self.output_weight())

    def loss_sum(self, ids, pos, seg, labels) -> torch.Tensor:
        """Sum of the negative log-likelihood of every labelled next token (label at t+1 is
        predicted at t, -100 ignored); the output layer runs only on labelled positions."""
        h = self.hidden(ids, pos, seg)
        targets = labels[:, 1:].long()
        keep = targets >= 0
        picked = h[:, :-1][keep]
        if picked.shape[0] == 0:
            return h.sum() * 0.0
        logits = F.linear(picked, self.output_weight()).float()
        return F.cross_entropy(logits, targets[keep], reduction="sum")


def load_model(model_dir: Path, weights: Optional[Dict[str, torch.Tensor]] = None) -> CausalLM:
    """Builds the model of a Hugging Face directory and loads its weights by tensor name (F32)."""
    c = ModelConfig.load(model_dir)
    if weights is None:
        from . import safetensors

        weights = safetensors.load_model_dir(Path(model_dir))
    m = build_empty(c)
    state = {}
    for name, p in m.named_parameters():
        t = weights.get(name)
        if t is None:
            raise ValueError(f"missing weight {name} in {model_dir} (config says {c.architecture})")
        if tuple(t.shape) != tuple(p.shape):
            raise ValueError(f"weight {name} has shape {list(t.shape)}, expected {list(p.shape)}")
        state[name] = t.float()
    m.load_state_dict(state, strict=False)
    return m


def build_empty(c: ModelConfig) -> CausalLM:
    """A model with default-initialised weights (they are overwritten when loaded)."""
    return CausalLM(c)
