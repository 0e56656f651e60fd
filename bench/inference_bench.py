#!/usr/bin/python3
"""The decode loop of dev.tuneup.inference.engine.InferenceBench in plain PyTorch, for a ratio.

usage: inference_bench.py <model dir> <shape name> [prompt] [new] [runs] [threads]
       inference_bench.py <model dir> --serve <threads>   (what InferenceBench runs)
Reads the Hugging Face directory InferenceBench wrote (config.json, model.safetensors in F32),
runs the same Qwen3 computation (q/k norm, RoPE, GQA, SwiGLU, tied output) with a KV cache, greedy,
end tokens ignored, and prints one JSON line: median time to first token, median decode tokens/s
and the tokens of the last run. With --serve it runs one generation per request line instead.
"""
import json, struct, sys, time
import torch
import torch.nn.functional as F


def load_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    base = 8 + n
    out = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        assert meta["dtype"] == "F32", meta["dtype"]
        a, b = meta["data_offsets"]
        t = torch.frombuffer(bytearray(raw[base + a:base + b]), dtype=torch.float32)
        out[name] = t.reshape(meta["shape"])
    return out


def rms(x, w, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def rope(x, cos, sin):
    x1, x2 = x.chunk(2, dim=-1)
    return x * cos + torch.cat((-x2, x1), dim=-1) * sin


class Model:
    def __init__(self, d):
        c = json.load(open(f"{d}/config.json"))
        self.w = load_safetensors(f"{d}/model.safetensors")
        self.l = c["num_hidden_layers"]
        self.nh, self.nkv = c["num_attention_heads"], c["num_key_value_heads"]
        self.d = c.get("head_dim", c["hidden_size"] // self.nh)
        self.eps = c["rms_norm_eps"]
        self.inv_freq = 1.0 / (c.get("rope_theta", 10000.0) ** (torch.arange(0, self.d, 2).float() / self.d))
        self.out = self.w["model.embed_tokens.weight"] if c.get("tie_word_embeddings") else self.w["lm_head.weight"]

    def forward(self, ids, cache):
        """Logits of the last position; cache: list of (k, v) per layer, extended in place."""
        s = ids.shape[1]
        past = 0 if cache[0] is None else cache[0][0].shape[2]
        pos = torch.arange(past, past + s).float()
        freqs = pos[:, None] * self.inv_freq[None]
        emb = torch.cat((freqs, freqs), -1)[None, None]
        cos, sin = emb.cos(), emb.sin()
        mask = None
        if s > 1:
            mask = torch.full((s, past + s), float("-inf")).triu(past + 1)
        nh, nkv, d, w = self.nh, self.nkv, self.d, self.w
        x = F.embedding(ids, w["model.embed_tokens.weight"])
        for k in range(self.l):
            p = f"model.layers.{k}."
            h = rms(x, w[p + "input_layernorm.weight"], self.eps)
            q = F.linear(h, w[p + "self_attn.q_proj.weight"]).view(1, s, nh, d)
            kk = F.linear(h, w[p + "self_attn.k_proj.weight"]).view(1, s, nkv, d)
            v = F.linear(h, w[p + "self_attn.v_proj.weight"]).view(1, s, nkv, d)
            q = rope(rms(q, w[p + "self_attn.q_norm.weight"], self.eps).transpose(1, 2), cos, sin)
            kk = rope(rms(kk, w[p + "self_attn.k_norm.weight"], self.eps).transpose(1, 2), cos, sin)
            v = v.transpose(1, 2)
            if cache[k] is not None:
                kk = torch.cat((cache[k][0], kk), 2)
                v = torch.cat((cache[k][1], v), 2)
            cache[k] = (kk, v)
            t = kk.shape[2]
            kr = kk[:, :, None].expand(1, nkv, nh // nkv, t, d).reshape(1, nh, t, d)
            vr = v[:, :, None].expand(1, nkv, nh // nkv, t, d).reshape(1, nh, t, d)
            a = q @ kr.transpose(2, 3) / d ** 0.5
            if mask is not None:
                a = a + mask
            a = (a.softmax(-1) @ vr).transpose(1, 2).reshape(1, s, nh * d)
            x = x + F.linear(a, w[p + "self_attn.o_proj.weight"])
            h = rms(x, w[p + "post_attention_layernorm.weight"], self.eps)
            x = x + F.linear(F.silu(F.linear(h, w[p + "mlp.gate_proj.weight"])) * F.linear(h, w[p + "mlp.up_proj.weight"]),
                             w[p + "mlp.down_proj.weight"])
        x = rms(x[:, -1:], w["model.norm.weight"], self.eps)
        return F.linear(x, self.out)[0, -1]


def generate(m, prompt, n):
    """One greedy generation: (time to first token in ms, decode tokens/s, tokens)."""
    with torch.inference_mode():
        cache = [None] * m.l
        t0 = time.perf_counter()
        tokens = [int(m.forward(prompt, cache).argmax())]
        t1 = time.perf_counter()
        for _ in range(n - 1):
            tokens.append(int(m.forward(torch.tensor([[tokens[-1]]]), cache).argmax()))
        t2 = time.perf_counter()
    return (t1 - t0) * 1e3, (n - 1) / (t2 - t1), tokens


def prompt_ids(plen):
    return torch.tensor([[100 + (i * 7919) % 1500 for i in range(plen)]])


def serve(m):
    """Runs one generation per stdin line "<prompt> <new>", one JSON line each, so that the Java
    side can interleave its runs with these under the same load."""
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        plen, n = map(int, line.split())
        ttft, tps, tokens = generate(m, prompt_ids(plen), n)
        print(json.dumps({"ttft_ms": ttft, "decode_tok_s": tps, "tokens": tokens}), flush=True)


def main():
    d, shape = sys.argv[1], sys.argv[2]
    if shape == "--serve":
        torch.set_num_threads(int(sys.argv[3]))
        serve(Model(d))
        return
    plen = int(sys.argv[3]) if len(sys.argv) > 3 else 64
    n = int(sys.argv[4]) if len(sys.argv) > 4 else 128
    runs = int(sys.argv[5]) if len(sys.argv) > 5 else 5
    threads = int(sys.argv[6]) if len(sys.argv) > 6 else 2
    torch.set_num_threads(threads)
    m = Model(d)
    ttft, tps = [], []
    for r in range(-2, runs):
        a, b, tokens = generate(m, prompt_ids(plen), n)
        if r >= 0:
            ttft.append(a)
            tps.append(b)
    med = lambda v: sorted(v)[len(v) // 2] if len(v) % 2 else sum(sorted(v)[len(v) // 2 - 1:len(v) // 2 + 1]) / 2
    print(json.dumps({"side": "pytorch", "kind": "single", "shape": shape, "prompt": plen, "new": n,
                      "ttft_ms": round(med(ttft), 2), "decode_tok_s": round(med(tps), 1), "tokens": tokens}))


main()
