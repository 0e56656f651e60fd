#!/usr/bin/python3
"""The computation of dev.tuneup.trainer.TrainBench in plain PyTorch, for a side-by-side ratio.

usage: train_bench.py <tiny|big|q06> <full|lora> <fixed|mix-packed|mix-unpacked> [steps] [threads]
Same model (Qwen3 layout: q/k norm, RoPE, GQA, SwiGLU, tied output), same layout of data
(packed rows with segment masks), loss over labelled positions only, AdamW (weight decay 0.1),
manual attention as in the Java model. Prints one JSON line.
"""
import json, math, random, sys, time
import torch
import torch.nn.functional as F

SHAPES = {  # hidden, intermediate, layers, heads, kv heads, head dim, vocab
    "tiny": (192, 512, 3, 6, 2, 32, 2112),
    "big": (512, 1536, 8, 8, 2, 64, 2112),
    "q06": (1024, 3072, 28, 16, 8, 128, 151936),  # the Qwen3-0.6B architecture
}


def rms(x, w, eps=1e-6):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def rope(x, cos, sin):
    x1, x2 = x.chunk(2, dim=-1)
    return x * cos + torch.cat((-x2, x1), dim=-1) * sin


class Model:
    def __init__(self, shape, lora):
        h, i, l, nh, nkv, d, v = SHAPES[shape]
        self.h, self.l, self.nh, self.nkv, self.d = h, l, nh, nkv, d
        g = lambda *s: (torch.randn(*s) * 0.02)
        self.w = {"embed": g(v, h), "norm": torch.ones(h)}
        for k in range(l):
            p = f"{k}."
            self.w.update({p + "ln1": torch.ones(h), p + "ln2": torch.ones(h),
                           p + "q": g(nh * d, h), p + "k": g(nkv * d, h), p + "v": g(nkv * d, h),
                           p + "o": g(h, nh * d), p + "qn": torch.ones(d), p + "kn": torch.ones(d),
                           p + "gate": g(i, h), p + "up": g(i, h), p + "down": g(h, i)})
        self.lora = {}
        if lora:
            for k in range(l):
                for m in ("q", "k", "v", "o"):
                    out, inp = self.w[f"{k}.{m}"].shape
                    self.lora[f"{k}.{m}"] = (torch.empty(8, inp).uniform_(-1 / math.sqrt(inp), 1 / math.sqrt(inp)),
                                             torch.zeros(out, 8))
            self.params = [t for ab in self.lora.values() for t in ab]
        else:
            self.params = list(self.w.values())
        for p in self.params:
            p.requires_grad_(True)
        self.inv_freq = 1.0 / (10000.0 ** (torch.arange(0, d, 2).float() / d))

    def proj(self, x, name):
        y = F.linear(x, self.w[name])
        if name in self.lora:
            a, b = self.lora[name]
            y = y + F.linear(F.linear(x, a), b) * 2.0
        return y

    def loss_sum(self, ids, pos, seg, labels):
        b, s = ids.shape
        nh, nkv, d = self.nh, self.nkv, self.d
        allowed = (seg[:, :, None] == seg[:, None, :]) & torch.tril(torch.ones(s, s, dtype=torch.bool))
        mask = (allowed.float() - 1.0).mul(1e9)[:, None]
        freqs = pos.float()[:, :, None] * self.inv_freq[None, None]
        emb = torch.cat((freqs, freqs), -1)[:, None]
        cos, sin = emb.cos(), emb.sin()
        x = F.embedding(ids, self.w["embed"])
        for k in range(self.l):
            p = f"{k}."
            hdn = rms(x, self.w[p + "ln1"])
            q = self.proj(hdn, p + "q").view(b, s, nh, d)
            kk = self.proj(hdn, p + "k").view(b, s, nkv, d)
            v = self.proj(hdn, p + "v").view(b, s, nkv, d)
            q = rope(rms(q, self.w[p + "qn"]).transpose(1, 2), cos, sin)
            kk = rope(rms(kk, self.w[p + "kn"]).transpose(1, 2), cos, sin)
            v = v.transpose(1, 2)
            kk = kk[:, :, None].expand(b, nkv, nh // nkv, s, d).reshape(b, nh, s, d)
            v = v[:, :, None].expand(b, nkv, nh // nkv, s, d).reshape(b, nh, s, d)
            att = (q @ kk.transpose(2, 3) * (1 / math.sqrt(d)) + mask).softmax(-1) @ v
            x = x + self.proj(att.transpose(1, 2).reshape(b, s, nh * d), p + "o")
            hdn = rms(x, self.w[p + "ln2"])
            g = self.proj(hdn, p + "gate")
            x = x + self.proj(F.silu(g) * self.proj(hdn, p + "up"), p + "down")
        x = rms(x, self.w["norm"])
        tgt = labels[:, 1:]
        keep = tgt >= 0
        picked = x[:, :-1][keep]
        logp = F.linear(picked, self.w["embed"]).log_softmax(-1)
        return -logp.gather(1, tgt[keep][:, None]).sum()


def example(rnd, vocab, n, prompt):
    ids = [rnd.randrange(1, vocab) for _ in range(n)]
    return ids, [-100 if i < prompt else t for i, t in enumerate(ids)]


def layout(rows, seq, batch_rows):
    out = []
    for f in range(0, len(rows), batch_rows):
        chunk = rows[f:f + batch_rows]
        ids = torch.zeros(len(chunk), seq, dtype=torch.long)
        lab = torch.full((len(chunk), seq), -100, dtype=torch.long)
        pos = torch.zeros(len(chunk), seq, dtype=torch.long)
        seg = torch.zeros(len(chunk), seq, dtype=torch.long)
        tokens = 0
        for r, exs in enumerate(chunk):
            at = 0
            for sgm, (i, l) in enumerate(exs, 1):
                n = len(i)
                ids[r, at:at + n] = torch.tensor(i)
                lab[r, at:at + n] = torch.tensor(l)
                pos[r, at:at + n] = torch.arange(n)
                seg[r, at:at + n] = sgm
                at += n
            tokens += at
        out.append((ids, pos, seg, lab, tokens))
    return out


def batches(data, rnd, vocab):
    if data == "fixed":
        return layout([[example(rnd, vocab, 128, 64)] for _ in range(8)], 128, 8)
    exs, total = [], 0
    while total < 8192:
        n = max(16, min(512, round(math.exp(math.log(90) + 0.8 * rnd.gauss(0, 1)))))
        exs.append(example(rnd, vocab, n, n - n // 3))
        total += n
    if data == "mix-unpacked":
        return layout([[e] for e in exs], 512, 8)
    rows, free = [], []
    for e in exs:
        for r in range(len(rows)):
            if free[r] >= len(e[0]):
                rows[r].append(e); free[r] -= len(e[0]); break
        else:
            rows.append([e]); free.append(512 - len(e[0]))
    return layout(rows, 512, 8)


def main():
    shape, mode, data = sys.argv[1:4]
    steps = int(sys.argv[4]) if len(sys.argv) > 4 else 30
    torch.set_num_threads(int(sys.argv[5]) if len(sys.argv) > 5 else 2)
    torch.manual_seed(1)
    rnd = random.Random(1)
    model = Model(shape, mode == "lora")
    opt = torch.optim.AdamW(model.params, lr=1e-4, weight_decay=0.1)
    warmup = 5
    all_steps = [batches(data, rnd, SHAPES[shape][6]) for _ in range(warmup + steps)]
    tokens, t0 = 0, 0.0
    for i, micro in enumerate(all_steps):
        if i == warmup:
            t0 = time.perf_counter()
        targets = sum(int((lab[:, 1:] >= 0).sum()) for _, _, _, lab, _ in micro)
        for ids, pos, seg, lab, tk in micro:
            loss = model.loss_sum(ids, pos, seg, lab) / targets
            loss.backward()
            loss.item()
            if i >= warmup:
                tokens += tk
        opt.step()
        opt.zero_grad(set_to_none=True)
    s = time.perf_counter() - t0
    print(json.dumps({"impl": "torch", "shape": shape, "mode": mode, "data": data, "steps": steps,
                      "tokens_per_second": round(tokens / s, 1), "step_ms": round(s * 1000 / steps, 1)}))


if __name__ == "__main__":
    main()
