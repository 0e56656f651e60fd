#!/usr/bin/env python3
"""Learning-rate curves of the Hugging Face transformers schedulers, step for step.

Regenerate the fixture (standard library only, from the repository root):

    python3 testdata/lr_schedules.py > tuneup-trainer/src/test/resources/dev/tuneup/trainer/lr-schedules.json

The lambdas transcribe transformers/optimization.py (get_scheduler with its defaults: cosine
num_cycles 0.5, cosine_with_restarts num_cycles 1, polynomial lr_end 1e-7 and power 1,
inverse_sqrt timescale = warmup steps or 10000); warmup steps are ceil(total * warmup_ratio) as
TrainingArguments.get_warmup_steps computes them. reduce_lr_on_plateau transcribes
torch.optim.lr_scheduler.ReduceLROnPlateau with its defaults (mode min, factor 0.1, patience 10,
threshold 1e-4 rel, cooldown 0, min_lr 0, eps 1e-8), stepped on each evaluation's eval_loss as
the transformers Trainer steps it, and ignores warmup as transformers does.
Entry "lr" lists the learning rate the optimizer step at index i (0-based) uses.
"""

import json
import math


def warm(step, warmup):
    return float(step) / float(max(1, warmup))


def constant(step, total, warmup):
    return 1.0


def constant_with_warmup(step, total, warmup):
    if step < warmup:
        return warm(step, warmup)
    return 1.0


def linear(step, total, warmup):
    if step < warmup:
        return warm(step, warmup)
    return max(0.0, float(total - step) / float(max(1, total - warmup)))


def cosine(step, total, warmup, num_cycles=0.5):
    if step < warmup:
        return warm(step, warmup)
    progress = float(step - warmup) / float(max(1, total - warmup))
    return max(0.0, 0.5 * (1.0 + math.cos(math.pi * float(num_cycles) * 2.0 * progress)))


def cosine_with_restarts(step, total, warmup, num_cycles=1):
    if step < warmup:
        return warm(step, warmup)
    progress = float(step - warmup) / float(max(1, total - warmup))
    if progress >= 1.0:
        return 0.0
    return max(0.0, 0.5 * (1.0 + math.cos(math.pi * ((float(num_cycles) * progress) % 1.0))))


def polynomial(step, total, warmup, lr_init, lr_end=1e-7, power=1.0):
    if step < warmup:
        return warm(step, warmup)
    if step > total:
        return lr_end / lr_init
    lr_range = lr_init - lr_end
    decay_steps = total - warmup
    pct_remaining = 1 - (step - warmup) / decay_steps
    decay = lr_range * pct_remaining**power + lr_end
    return decay / lr_init


def inverse_sqrt(step, total, warmup):
    timescale = warmup or 10_000
    if step < warmup:
        return warm(step, warmup)
    shift = timescale - warmup
    return 1.0 / math.sqrt((step + shift) / timescale)


LAMBDAS = {
    "linear": linear,
    "cosine": cosine,
    "cosine_with_restarts": cosine_with_restarts,
    "constant": constant,
    "constant_with_warmup": constant_with_warmup,
    "inverse_sqrt": inverse_sqrt,
}


class ReduceLROnPlateau:
    def __init__(self, lr, factor=0.1, patience=10, threshold=1e-4, cooldown=0, min_lr=0.0, eps=1e-8):
        self.lr = lr
        self.factor = factor
        self.patience = patience
        self.threshold = threshold
        self.cooldown = cooldown
        self.cooldown_counter = 0
        self.min_lr = min_lr
        self.eps = eps
        self.best = math.inf
        self.num_bad_epochs = 0

    def step(self, current):
        if current < self.best * (1.0 - self.threshold):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            new_lr = max(self.lr * self.factor, self.min_lr)
            if self.lr - new_lr > self.eps:
                self.lr = new_lr
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0


def eval_losses(count):
    """Falls, then flattens and rises: enough bad evaluations to cut the rate more than once."""
    out = []
    for i in range(count):
        if i < 8:
            out.append(2.0 - 0.2 * i)
        else:
            out.append(0.6 + 0.001 * ((i * 7) % 5))
    return out


def main():
    cases = []
    for total, ratio, lr in [(50, 0.05, 1e-3), (120, 0.1, 3e-4), (37, 0.0, 1e-5), (10, 0.5, 2e-5)]:
        warmup = math.ceil(total * ratio)
        for name, fn in LAMBDAS.items():
            cases.append(
                {
                    "scheduler": name,
                    "total_steps": total,
                    "warmup_ratio": ratio,
                    "learning_rate": lr,
                    "lr": [lr * fn(s, total, warmup) for s in range(total)],
                }
            )
        cases.append(
            {
                "scheduler": "polynomial",
                "total_steps": total,
                "warmup_ratio": ratio,
                "learning_rate": lr,
                "lr": [lr * polynomial(s, total, warmup, lr) for s in range(total)],
            }
        )
    for total, eval_steps, ratio, lr in [(300, 5, 0.05, 1e-3), (90, 3, 0.0, 2e-4)]:
        evals = eval_losses(total // eval_steps + 1)
        plateau = ReduceLROnPlateau(lr)
        rates = []
        losses = []
        for s in range(total):
            rates.append(plateau.lr)
            done = s + 1
            if done % eval_steps == 0 or done == total:
                loss = evals[len(losses)]
                losses.append(loss)
                plateau.step(loss)
        cases.append(
            {
                "scheduler": "reduce_lr_on_plateau",
                "total_steps": total,
                "warmup_ratio": ratio,
                "learning_rate": lr,
                "eval_steps": eval_steps,
                "eval_losses": losses,
                "lr": rates,
            }
        )
    print(json.dumps({"cases": cases}, indent=1))


if __name__ == "__main__":
    main()
