#!/usr/bin/env python3
"""PyTorch reference outputs for the Java transformer (TransformerReferenceTest).

Regenerate the fixtures (Debian: apt-get install python3-torch libopenblas0-openmp):

    /usr/bin/python3 tuneup-model/src/test/python/reference.py tuneup-model/src/test/resources/reference

For each of qwen2, qwen3 and llama it writes <name>/config.json, <name>/model.safetensors (F32,
weights from torch.manual_seed) and <name>.json with the inputs, the logits and the loss. The
forward is written from the Hugging Face modeling code's semantics (RMSNorm, rotate_half RoPE,
repeat_kv GQA, SwiGLU, Qwen2 q/k/v bias, Qwen3 q_norm/k_norm), independently of the Java code.
Packing: a token attends only to earlier tokens of its own segment; positions restart per segment.
"""
import json
import math
import os
import struct
import sys

import torch
import torch.nn.functional as F

CONFIGS = {
    "qwen2": dict(architectures=["Qwen2ForCausalLM"], model_type="qwen2", hidden_size=32,
                  intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
                  num_key_value_heads=2, rms_norm_eps=1e-6, rope_theta=10000.0, vocab_size=97,
                  tie_word_embeddings=True, max_position_embeddings=128),
    "qwen3": dict(architectures=["Qwen3ForCausalLM"], model_type="qwen3", hidden_size=32,
                  intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
                  num_key_value_heads=2, head_dim=16, rms_norm_eps=1e-6, rope_theta=1000000.0,
                  vocab_size=97, tie_word_embeddings=False, max_position_embeddings=128,
                  attention_bias=False),
    "llama": dict(architectures=["LlamaForCausalLM"], model_type="llama", hidden_size=32,
                  intermediate_size=48, num_hidden_layers=2, num_attention_heads=4,
                  num_key_value_heads=1, rms_norm_eps=1e-5, rope_theta=500000.0, vocab_size=97,
                  tie_word_embeddings=False, max_position_embeddings=128, attention_bias=False),
}


def make_weights(name, c, seed):
    g = torch.Generator().manual_seed(seed)
    h, inter = c["hidden_size"], c["intermediate_size"]
    nh, nkv = c["num_attention_heads"], c["num_key_value_heads"]
    d = c.get("head_dim", h // nh)

    def rnd(*shape, std=0.2):
        return torch.randn(*shape, generator=g) * std

    w = {"model.embed_tokens.weight": rnd(c["vocab_size"], h, std=1.0)}
    for l in range(c["num_hidden_layers"]):
        p = f"model.layers.{l}."
        w[p + "input_layernorm.weight"] = 1 + rnd(h, std=0.1)
        w[p + "self_attn.q_proj.weight"] = rnd(nh * d, h)
        w[p + "self_attn.k_proj.weight"] = rnd(nkv * d, h)
        w[p + "self_attn.v_proj.weight"] = rnd(nkv * d, h)
        w[p + "self_attn.o_proj.weight"] = rnd(h, nh * d)
        if name == "qwen2":
            w[p + "self_attn.q_proj.bias"] = rnd(nh * d, std=0.1)
            w[p + "self_attn.k_proj.bias"] = rnd(nkv * d, std=0.1)
            w[p + "self_attn.v_proj.bias"] = rnd(nkv * d, std=0.1)
        if name == "qwen3":
            w[p + "self_attn.q_norm.weight"] = 1 + rnd(d, std=0.1)
            w[p + "self_attn.k_norm.weight"] = 1 + rnd(d, std=0.1)
        w[p + "post_attention_layernorm.weight"] = 1 + rnd(h, std=0.1)
        w[p + "mlp.gate_proj.weight"] = rnd(inter, h)
        w[p + "mlp.up_proj.weight"] = rnd(inter, h)
        w[p + "mlp.down_proj.weight"] = rnd(h, inter)
    w["model.norm.weight"] = 1 + rnd(h, std=0.1)
    if not c["tie_word_embeddings"]:
        w["lm_head.weight"] = rnd(c["vocab_size"], h)
    return w


def write_safetensors(path, tensors):
    """The format by hand (Debian has no python3-safetensors): sorted keys, padded header."""
    header, offset, blobs = {"__metadata__": {"format": "pt"}}, 0, []
    for k in sorted(tensors):
        t = tensors[k].contiguous().float()
        b = t.numpy().astype("<f4").tobytes()
        header[k] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        offset += len(b)
        blobs.append(b)
    hb = json.dumps(header, separators=(",", ":")).encode()
    hb += b" " * ((8 - len(hb) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hb)))
        f.write(hb)
        for b in blobs:
            f.write(b)


def rms_norm(x, w, eps):
    var = x.pow(2).mean(-1, keepdim=True)
    return w * (x * torch.rsqrt(var + eps))


def rotate_half(x):
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def forward(name, c, w, ids, pos, seg):
    B, S = ids.shape
    h, nh, nkv = c["hidden_size"], c["num_attention_heads"], c["num_key_value_heads"]
    d = c.get("head_dim", h // nh)
    eps = c["rms_norm_eps"]
    inv_freq = 1.0 / (c["rope_theta"] ** (torch.arange(0, d, 2, dtype=torch.int64).float() / d))
    freqs = pos.float()[:, :, None] * inv_freq[None, None, :]
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos()[:, None], emb.sin()[:, None]
    causal = torch.tril(torch.ones(S, S, dtype=torch.bool))
    allowed = (seg[:, :, None] == seg[:, None, :]) & causal[None]
    mask = torch.zeros(B, 1, S, S).masked_fill(~allowed[:, None], float("-inf"))
    x = F.embedding(ids, w["model.embed_tokens.weight"])
    for l in range(c["num_hidden_layers"]):
        p = f"model.layers.{l}."
        r = rms_norm(x, w[p + "input_layernorm.weight"], eps)
        q = F.linear(r, w[p + "self_attn.q_proj.weight"], w.get(p + "self_attn.q_proj.bias")).view(B, S, nh, d)
        k = F.linear(r, w[p + "self_attn.k_proj.weight"], w.get(p + "self_attn.k_proj.bias")).view(B, S, nkv, d)
        v = F.linear(r, w[p + "self_attn.v_proj.weight"], w.get(p + "self_attn.v_proj.bias")).view(B, S, nkv, d)
        if name == "qwen3":
            q = rms_norm(q, w[p + "self_attn.q_norm.weight"], eps)
            k = rms_norm(k, w[p + "self_attn.k_norm.weight"], eps)
        q, k, v = q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = k.repeat_interleave(nh // nkv, dim=1)
        v = v.repeat_interleave(nh // nkv, dim=1)
        att = torch.softmax(q @ k.transpose(2, 3) / math.sqrt(d) + mask, dim=-1) @ v
        x = x + F.linear(att.transpose(1, 2).reshape(B, S, nh * d), w[p + "self_attn.o_proj.weight"])
        r = rms_norm(x, w[p + "post_attention_layernorm.weight"], eps)
        x = x + F.linear(F.silu(F.linear(r, w[p + "mlp.gate_proj.weight"])) * F.linear(r, w[p + "mlp.up_proj.weight"]),
                         w[p + "mlp.down_proj.weight"])
    x = rms_norm(x, w["model.norm.weight"], eps)
    head = w["model.embed_tokens.weight"] if c["tie_word_embeddings"] else w["lm_head.weight"]
    return F.linear(x, head)


def main(out):
    ids = torch.tensor([[5, 17, 42, 8, 3, 61, 9, 77, 12, 30],
                        [88, 2, 14, 59, 33, 71, 4, 0, 0, 0]])
    # row 0 packs two samples (5 + 5 tokens), row 1 one sample and 3 padding tokens (segment 0)
    seg = torch.tensor([[1, 1, 1, 1, 1, 2, 2, 2, 2, 2],
                        [1, 1, 1, 1, 1, 1, 1, 0, 0, 0]])
    pos = torch.tensor([[0, 1, 2, 3, 4, 0, 1, 2, 3, 4],
                        [0, 1, 2, 3, 4, 5, 6, 0, 1, 2]])
    labels = torch.tensor([[-100, -100, 42, 8, 3, -100, -100, -100, 12, 30],
                           [-100, -100, -100, 59, 33, 71, 4, -100, -100, -100]])
    for i, (name, c) in enumerate(sorted(CONFIGS.items())):
        d = os.path.join(out, name)
        os.makedirs(d, exist_ok=True)
        w = make_weights(name, c, 1000 + i)
        with open(os.path.join(d, "config.json"), "w") as f:
            json.dump(c, f, indent=2)
        write_safetensors(os.path.join(d, "model.safetensors"), w)
        with torch.no_grad():
            logits = forward(name, c, w, ids, pos, seg)
            loss = F.cross_entropy(logits[:, :-1].reshape(-1, c["vocab_size"]), labels[:, 1:].reshape(-1),
                                   ignore_index=-100)
        fixture = {
            "command": "/usr/bin/python3 tuneup-model/src/test/python/reference.py tuneup-model/src/test/resources/reference",
            "torch": torch.__version__,
            "input_ids": ids.tolist(), "position_ids": pos.tolist(), "segment_ids": seg.tolist(),
            "labels": labels.tolist(),
            "logits": [[[round(v, 7) for v in row] for row in b] for b in logits.tolist()],
            "loss": loss.item(),
        }
        with open(os.path.join(out, name + ".json"), "w") as f:
            json.dump(fixture, f)
        print(name, "loss", loss.item())


if __name__ == "__main__":
    main(sys.argv[1])
