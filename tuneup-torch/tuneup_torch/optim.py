"""The optimizer and learning-rate schedules of the Java trainer, step for step."""
from __future__ import annotations

import math
from typing import Dict

import torch

BETA1, BETA2, EPSILON = 0.9, 0.999, 1e-8


def lr_at(step: int, total: int, lr: float, scheduler: str, warmup_ratio: float) -> float:
    """HyperParameters.lrAt: linear warmup over ceil(total * warmup_ratio) steps, then linear,
    cosine or constant."""
    warmup = math.ceil(total * warmup_ratio)
    if step < warmup:
        return lr * (step + 1) / warmup
    progress = 1.0 if total <= warmup else (step - warmup) / (total - warmup)
    if scheduler == "linear":
        return lr * max(0.0, 1 - progress)
    if scheduler == "cosine":
        return lr * 0.5 * (1 + math.cos(math.pi * progress))
    return lr


class AdamW:
    """AdamW as the Java trainer applies it through DJL's native kernel.

    The Java trainer passes DJL's kernel the bias-corrected rate where the kernel takes the plain
    one and the other way round, so its update is: decoupled decay ``w -= w * wd * lr_c`` with
    ``lr_c = lr * sqrt(1 - b2^t) / (1 - b1^t)``, then ``w -= lr * m / (sqrt(v) + eps)`` with the
    raw moments. Both runtimes follow the same update so a job's loss curve does not depend on the
    runtime; moments are named ``<param>.exp_avg`` / ``<param>.exp_avg_sq`` in checkpoints.
    """

    def __init__(self, params: Dict[str, torch.nn.Parameter], weight_decay: float, fused: bool = False):
        self.params = params
        self.weight_decay = weight_decay
        self.steps = 0
        self.exp_avg = {k: torch.zeros_like(p, dtype=torch.float32) for k, p in params.items()}
        self.exp_avg_sq = {k: torch.zeros_like(p, dtype=torch.float32) for k, p in params.items()}
        self.fused = fused and hasattr(torch, "_foreach_mul_")

    @torch.no_grad()
    def step(self, lr: float) -> None:
        self.steps += 1
        c1 = 1 - BETA1 ** self.steps
        c2 = 1 - BETA2 ** self.steps
        corrected = lr * math.sqrt(c2) / c1
        names = [k for k, p in self.params.items() if p.grad is not None]
        ws = [self.params[k] for k in names]
        gs = [w.grad for w in ws]
        ms = [self.exp_avg[k] for k in names]
        vs = [self.exp_avg_sq[k] for k in names]
        if self.fused:
            # the same arithmetic over all tensors at once (multi-tensor kernels on CUDA)
            torch._foreach_mul_(ws, 1 - corrected * self.weight_decay)
            torch._foreach_mul_(ms, BETA1)
            torch._foreach_add_(ms, gs, alpha=1 - BETA1)
            torch._foreach_mul_(vs, BETA2)
            torch._foreach_addcmul_(vs, gs, gs, value=1 - BETA2)
            denom = torch._foreach_sqrt(vs)
            torch._foreach_add_(denom, EPSILON)
            torch._foreach_addcdiv_(ws, ms, denom, value=-lr)
        else:
            for w, g, m, v in zip(ws, gs, ms, vs):
                w.sub_(w * corrected * self.weight_decay)
                m.mul_(BETA1).add_(g, alpha=1 - BETA1)
                v.mul_(BETA2).addcmul_(g, g, value=1 - BETA2)
                w.sub_(m * lr / (v.sqrt() + EPSILON))
        for w in ws:
            w.grad = None

    def state(self) -> Dict[str, torch.Tensor]:
        out = {k + ".exp_avg": v for k, v in self.exp_avg.items()}
        out.update({k + ".exp_avg_sq": v for k, v in self.exp_avg_sq.items()})
        return out

    def restore(self, state: Dict[str, torch.Tensor], steps: int) -> None:
        for k in self.params:
            for suffix, into in ((".exp_avg", self.exp_avg), (".exp_avg_sq", self.exp_avg_sq)):
                if k + suffix in state:
                    into[k].copy_(state[k + suffix])
        self.steps = steps
