"""Batches prepared by ``tuneup train`` (Java): tokenised, masked, split and packed once, so both
runtimes train on identical tokens.

``<prepared>/batches.safetensors`` holds int32 tensors: ``train.input_ids``, ``train.labels``,
``train.position_ids``, ``train.segment_ids`` ([rows, seq_len], every step of every epoch in
order), ``train.micro_offsets`` (row offsets of the micro-batches), ``train.step_offsets``
(micro-batch offsets of the optimizer steps), ``train.step_tokens`` (tokens per step),
``train.epoch_order`` ([epochs, samples], the shuffled sample order of each epoch), and the same
four row tensors plus ``eval.micro_offsets`` for the validation split. ``<prepared>/plan.json``
holds the shape and every resolved hyper-parameter.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List

import torch

from . import safetensors


@dataclass
class MicroBatch:
    input_ids: torch.Tensor
    labels: torch.Tensor
    position_ids: torch.Tensor
    segment_ids: torch.Tensor

    def targets(self) -> int:
        return int((self.labels[:, 1:] >= 0).sum())

    def to(self, device) -> "MicroBatch":
        return MicroBatch(*(t.to(device, non_blocking=True) for t in
                            (self.input_ids, self.labels, self.position_ids, self.segment_ids)))


class Prepared:
    def __init__(self, directory: Path):
        directory = Path(directory)
        self.plan: dict = json.loads((directory / "plan.json").read_text())
        self.t: Dict[str, torch.Tensor] = safetensors.load(directory / "batches.safetensors")
        self.total_steps = int(self.plan["total_steps"])
        self.steps_per_epoch = int(self.plan["steps_per_epoch"])
        n = self.t["train.step_offsets"].shape[0] - 1
        if n != self.total_steps:
            raise ValueError(f"{directory}: batches hold {n} steps, plan.json says {self.total_steps}")

    def _micro(self, split: str, i: int) -> MicroBatch:
        off = self.t[f"{split}.micro_offsets"]
        a, b = int(off[i]), int(off[i + 1])
        return MicroBatch(*(self.t[f"{split}.{k}"][a:b] for k in
                            ("input_ids", "labels", "position_ids", "segment_ids")))

    def step(self, step: int) -> List[MicroBatch]:
        off = self.t["train.step_offsets"]
        return [self._micro("train", i) for i in range(int(off[step]), int(off[step + 1]))]

    def step_tokens(self, step: int) -> int:
        return int(self.t["train.step_tokens"][step])

    def eval_batches(self) -> List[MicroBatch]:
        if "eval.micro_offsets" not in self.t:
            return []
        return [self._micro("eval", i) for i in range(self.t["eval.micro_offsets"].shape[0] - 1)]


def write(directory: Path, plan: dict, steps: List[List[dict]], evals: List[dict],
          epoch_order: List[List[int]]) -> None:
    """Writes prepared batches (for tests and the benchmark; ``tuneup train`` writes the same
    layout from Java). A micro-batch is a dict of four [rows, seq_len] int tensors."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    out: Dict[str, torch.Tensor] = {}
    keys = ("input_ids", "labels", "position_ids", "segment_ids")

    def put(split: str, micros: List[dict]) -> None:
        offsets = [0]
        for m in micros:
            offsets.append(offsets[-1] + m["input_ids"].shape[0])
        for k in keys:
            out[f"{split}.{k}"] = torch.cat([m[k] for m in micros]).to(torch.int32)
        out[f"{split}.micro_offsets"] = torch.tensor(offsets, dtype=torch.int32)

    flat = [m for s in steps for m in s]
    put("train", flat)
    so = [0]
    for s in steps:
        so.append(so[-1] + len(s))
    out["train.step_offsets"] = torch.tensor(so, dtype=torch.int32)
    out["train.step_tokens"] = torch.tensor(
        [sum(int((m["segment_ids"] > 0).sum()) for m in s) for s in steps], dtype=torch.int32)
    out["train.epoch_order"] = torch.tensor(epoch_order or [[0]], dtype=torch.int32)
    if evals:
        put("eval", evals)
    safetensors.save(directory / "batches.safetensors", out, {"format": "tuneup-batches"})
    (directory / "plan.json").write_text(json.dumps(plan, indent=2))
