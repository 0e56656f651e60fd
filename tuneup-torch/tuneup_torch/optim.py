"""The optimizer and learning-rate schedules of the Java trainer, step for step."""
from __future__ import annotations

import math
from typing import Dict

import torch

BETA1, BETA2, EPSILON = 0.9, 0.999, 1e-8


SCHEDULERS = ("linear", "polynomial", "cosine", "cosine_with_restarts", "constant",
              "constant_with_warmup", "inverse_sqrt", "reduce_lr_on_plateau")
POLYNOMIAL_LR_END = 1e-7
INVERSE_SQRT_TIMESCALE = 10_000
PLATEAU_FACTOR, PLATEAU_PATIENCE, PLATEAU_THRESHOLD, PLATEAU_EPS = 0.1, 10, 1e-4, 1e-8


def lr_at(step: int, total: int, lr: float, scheduler: str, warmup_ratio: float) -> float:
    """The Java trainer's LrSchedule.lrAt for a 0-based step: the curves of the transformers
    schedulers of the same names (reduce_lr_on_plateau: see Schedule)."""
    name = scheduler.lower()
    if name not in SCHEDULERS:
        raise ValueError(f"lr_scheduler_type must be one of {', '.join(SCHEDULERS)}, got {scheduler}")
    if name == "reduce_lr_on_plateau":
        return lr
    warmup = math.ceil(total * warmup_ratio)
    if name != "constant" and step < warmup:
        return lr * step / max(1, warmup)
    progress = (step - warmup) / max(1, total - warmup)
    if name in ("constant", "constant_with_warmup"):
        f = 1.0
    elif name == "linear":
        f = max(0.0, (total - step) / max(1, total - warmup))
    elif name == "cosine":
        f = max(0.0, 0.5 * (1 + math.cos(math.pi * progress)))
    elif name == "cosine_with_restarts":
        f = 0.0 if progress >= 1 else max(0.0, 0.5 * (1 + math.cos(math.pi * (progress % 1.0))))
    elif name == "polynomial":
        if step > total:
            f = POLYNOMIAL_LR_END / lr
        else:
            remaining = 1 - (step - warmup) / (total - warmup)
            f = ((lr - POLYNOMIAL_LR_END) * remaining + POLYNOMIAL_LR_END) / lr
    else:  # inverse_sqrt
        timescale = INVERSE_SQRT_TIMESCALE if warmup == 0 else warmup
        f = 1 / math.sqrt((step + timescale - warmup) / timescale)
    return lr * f


class Plateau:
    """reduce_lr_on_plateau as the Java trainer runs it: torch's ReduceLROnPlateau defaults,
    stepped on every evaluation's loss."""

    def __init__(self, lr: float):
        self.lr, self.best, self.bad = lr, math.inf, 0

    def on_eval(self, loss: float) -> bool:
        if loss < self.best * (1 - PLATEAU_THRESHOLD):
            self.best, self.bad = loss, 0
        else:
            self.bad += 1
        if self.bad > PLATEAU_PATIENCE:
            self.bad = 0
            lowered = self.lr * PLATEAU_FACTOR
            if self.lr - lowered > PLATEAU_EPS:
                self.lr = lowered
                return True
        return False


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
