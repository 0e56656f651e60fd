"""The training loop of the torch runtime: load spec -> load prepared batches -> build model ->
for each step: forward, loss, backward, all-reduce, clip, step, event -> checkpoint -> done.

Data parallel: ranks read RANK / WORLD_SIZE / LOCAL_RANK (as torchrun sets them); each rank
takes every WORLD_SIZE-th micro-batch of a step, gradients and loss sums are all-reduced (summed)
and normalised by the step's global target count, so N processes follow the 1-process curve.
Rank 0 alone writes events, checkpoints and outputs; a SIGTERM on any rank stops every rank at
the same step (the flag is all-reduced before each step).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Dict, Optional

import torch

from . import lora as lora_mod
from . import safetensors
from .batches import Prepared
from .events import Events
from .model import HAS_SDPA, CausalLM, load_model
from .optim import AdamW, Plateau, lr_at

EXIT_STOPPED = 143
EXIT_FAILED = 1
EPOCH_CHECKPOINT_MIN_INTERVAL_S = 30.0
OUTPUT_FILES = ("tokenizer.json", "tokenizer_config.json", "generation_config.json", "vocab.json",
                "merges.txt", "special_tokens_map.json", "chat_template.jinja")

_stop = False  # the one piece of global state: set by SIGTERM, read between steps


def _on_sigterm(signum, frame):  # noqa: ARG001
    global _stop
    _stop = True


class TrainingError(RuntimeError):
    """A failure with a message fit for the error event."""


class Dist:
    def __init__(self):
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        self.local_rank = int(os.environ.get("LOCAL_RANK", "0"))
        self.on = self.world > 1

    def init(self, device: torch.device) -> None:
        if self.on:
            import torch.distributed as dist

            dist.init_process_group("nccl" if device.type == "cuda" else "gloo")

    def sum_(self, t: torch.Tensor) -> torch.Tensor:
        if self.on:
            import torch.distributed as dist

            dist.all_reduce(t, op=dist.ReduceOp.SUM)
        return t

    def barrier(self) -> None:
        if self.on:
            import torch.distributed as dist

            dist.barrier()

    def close(self) -> None:
        if self.on:
            import torch.distributed as dist

            if dist.is_initialized():
                dist.destroy_process_group()


def pick_device(choice: str, d: Dist) -> torch.device:
    if choice == "cuda" or (choice == "auto" and torch.cuda.is_available()):
        if not torch.cuda.is_available():
            raise TrainingError("trainer.torch.devices is cuda but no CUDA device is visible")
        torch.cuda.set_device(d.local_rank)
        return torch.device("cuda", d.local_rank)
    return torch.device("cpu")


class Run:
    def __init__(self, spec: dict, prepared: Prepared, events: Events, d: Dist, device: torch.device):
        self.spec = spec
        self.p = prepared
        self.hp = prepared.plan["hyper_parameters"]
        self.events = events
        self.d = d
        self.device = device
        self.lora = spec["training_type"] == "efficient_sft"
        self.job_dir = Path(spec["job_dir"])
        self.output_dir = Path(spec["output_dir"])
        self.model_path = Path(spec["model"]["path"])
        self.seed = int(spec.get("seed", 42))
        self.bf16 = device.type == "cuda" and torch.cuda.is_bf16_supported()
        self.lora_cfg: Optional[lora_mod.LoraConfig] = None

    # ---- model ----

    def build(self) -> Dict[str, torch.nn.Parameter]:
        model = load_model(self.model_path)
        adapter = self.spec["model"].get("adapter_path")
        if adapter and not self.lora:
            lora_mod.merge(model, Path(adapter))
        for p in model.parameters():
            p.requires_grad_(False)
        if self.lora:
            if adapter:
                self.lora_cfg = lora_mod.read_config(Path(adapter))
                params = lora_mod.attach(model, self.lora_cfg, self.seed)
                lora_mod.load_into(model, Path(adapter), params)
                self.events.log("info", f"continuing the adapter in {adapter} (rank {self.lora_cfg.r}, "
                                        f"alpha {self.lora_cfg.alpha}, {self.lora_cfg.target_modules}); "
                                        "the job's lora_* settings do not apply")
            else:
                self.lora_cfg = lora_mod.LoraConfig(
                    int(self.hp["lora_rank"]), float(self.hp["lora_alpha"]),
                    float(self.hp["lora_dropout"]),
                    list(self.hp.get("lora_target_modules") or lora_mod.DEFAULT_TARGETS),
                    self.spec["model"].get("id") or str(self.model_path))
                params = lora_mod.attach(model, self.lora_cfg, self.seed)
        else:
            params = dict(model.named_parameters())
        for p in params.values():
            p.requires_grad_(True)
        model.gradient_checkpointing = bool(self.hp.get("gradient_checkpointing", False))
        self.model: CausalLM = model.to(self.device)
        # .to() may replace parameters on another device: name them again
        if self.lora:
            return lora_mod.trainable(self.model)
        return dict(self.model.named_parameters())

    # ---- loop ----

    def run(self) -> int:
        if self.d.rank == 0:
            self.remove_leftovers()
        params = self.build()
        opt = AdamW(params, float(self.hp["weight_decay"]), fused=self.device.type == "cuda")
        self.params, self.opt = params, opt
        step, tokens = 0, 0
        resume = self.spec.get("resume_from")
        if resume:
            state = self.restore(Path(resume))
            step, tokens = int(state["step"]), int(state.get("tokens", 0))
            self.events.log("info", f"resumed from {resume} at step {step}")
        total = self.p.total_steps
        per_epoch = self.p.steps_per_epoch
        self.events.log("info", self.describe())
        evals = self.p.eval_batches()
        started = time.monotonic()
        tokens_run, steps_run, loss_since, steps_since = 0, 0, 0.0, 0
        last_cp: Optional[Path] = None
        last_cp_step = -1
        last_cp_at = started
        plateau = None
        if str(self.hp["lr_scheduler_type"]).lower() == "reduce_lr_on_plateau":
            plateau = Plateau(float(self.hp["learning_rate"]))
        while step < total:
            if self.stop_requested():
                break
            torch.manual_seed(self.seed * 1_000_003 + step)
            lr = plateau.lr if plateau else lr_at(
                step, total, float(self.hp["learning_rate"]), self.hp["lr_scheduler_type"],
                float(self.hp["warmup_ratio"]))
            loss = self.train_step(self.p.step(step), lr)
            step_tokens = self.p.step_tokens(step)
            step += 1
            steps_run += 1
            tokens += step_tokens
            tokens_run += step_tokens
            loss_since += loss
            steps_since += 1
            if step % max(1, int(self.hp["logging_steps"])) == 0 or step == total:
                elapsed = time.monotonic() - started
                self.events.emit("progress", step=step, total_steps=total, epoch=step / per_epoch,
                                 loss=loss_since / steps_since, lr=lr, tokens=tokens,
                                 tokens_per_second=round(tokens_run / max(elapsed, 1e-9), 1),
                                 eta_seconds=round(elapsed / steps_run * (total - step), 1))
                loss_since, steps_since = 0.0, 0
            if evals and (step % max(1, int(self.hp["eval_steps"])) == 0 or step == total):
                eval_loss = self.evaluate(evals)
                self.events.emit("eval", step=step, eval_loss=eval_loss)
                if plateau and plateau.on_eval(eval_loss):
                    self.events.log("info", f"reduce_lr_on_plateau: learning rate lowered to {plateau.lr:.2e}")
            epoch_end = step % per_epoch == 0
            if self.hp["save_strategy"] == "epoch":
                save = epoch_end and step < total and \
                    time.monotonic() - last_cp_at >= EPOCH_CHECKPOINT_MIN_INTERVAL_S
            else:
                save = step % max(1, int(self.hp["save_steps"])) == 0 and step < total
            if save:
                last_cp = self.checkpoint(step, tokens)
                last_cp_step = step
                last_cp_at = time.monotonic()
        if step < total:
            if last_cp_step != step:
                last_cp = self.checkpoint(step, tokens)
            self.events.emit("stopped", step=step, checkpoint=str(last_cp))
            return EXIT_STOPPED
        if self.device.type == "cuda":
            peak = torch.cuda.max_memory_allocated(self.device)
            self.events.log("info", f"peak GPU memory {peak / 2**30:.2f} GiB ({peak} bytes)")
        self.write_output()
        self.events.emit("done", output_dir=str(self.output_dir), tokens=tokens)
        return 0

    def stop_requested(self) -> bool:
        # on the run's device: NCCL reduces only CUDA tensors
        flag = torch.tensor([1.0 if _stop else 0.0], device=self.device)
        return bool(self.d.sum_(flag).item() > 0)

    def autocast(self):
        if self.bf16:
            return torch.autocast("cuda", dtype=torch.bfloat16)
        return _Null()

    def train_step(self, micro, lr: float) -> float:
        targets = sum(m.targets() for m in micro)
        if targets == 0:
            raise TrainingError("a batch has no assistant tokens to learn from")
        self.model.train()
        mine = micro[self.d.rank::self.d.world]
        loss_sum = torch.zeros((), dtype=torch.float64, device=self.device)
        for m in mine:
            m = m.to(self.device)
            with self.autocast():
                s = self.model.loss_sum(m.input_ids, m.position_ids, m.segment_ids, m.labels)
            (s / targets).backward()
            loss_sum += s.detach().double()
        self.model.eval()
        grads = []
        for p in self.params.values():
            if p.grad is None:
                p.grad = torch.zeros_like(p)
            grads.append(p.grad)
        if self.d.on:
            flat = torch.cat([g.reshape(-1) for g in grads] + [loss_sum.float().reshape(1)])
            self.d.sum_(flat)
            at = 0
            for g in grads:
                n = g.numel()
                g.copy_(flat[at:at + n].view_as(g))
                at += n
            loss_sum = flat[at].double()
        loss = float(loss_sum) / targets
        if not math.isfinite(loss):
            raise TrainingError(f"loss is {loss} (diverged); lower learning_rate or check the data")
        self.clip()
        self.opt.step(lr)
        return loss

    def clip(self) -> None:
        limit = float(self.hp["max_grad_norm"])
        if limit <= 0:
            return
        # per-tensor sums in float32, their total in float64 (as the Java trainer), one sync
        sq = torch.stack([p.grad.float().pow(2).sum() for p in self.params.values()])
        norm = math.sqrt(float(sq.double().sum()))
        if norm > limit:
            factor = limit / (norm + 1e-6)
            for p in self.params.values():
                p.grad.mul_(factor)

    @torch.no_grad()
    def evaluate(self, evals) -> float:
        total, count = 0.0, 0
        for i, m in enumerate(evals):
            count += m.targets()
            if i % self.d.world != self.d.rank:
                continue
            m = m.to(self.device)
            with self.autocast():
                total += float(self.model.loss_sum(m.input_ids, m.position_ids, m.segment_ids, m.labels))
        total = float(self.d.sum_(torch.tensor([total], dtype=torch.float64, device=self.device)).item())
        return total / count if count else float("nan")

    def describe(self) -> str:
        dtype = "bf16 autocast with F32 master weights" if self.bf16 else "F32"
        attention = "scaled_dot_product_attention" if HAS_SDPA else "plain attention (no SDPA in this torch)"
        ckpt = ", gradient checkpointing" if self.model.gradient_checkpointing else ""
        return (f"torch runtime: torch {torch.__version__}, device {self.device}, dtype {dtype}, "
                f"{self.d.world} process{'es' if self.d.world > 1 else ''}, {attention}{ckpt}")

    # ---- checkpoints and output ----

    def write_weights(self, directory: Path) -> None:
        if self.lora:
            lora_mod.save(directory, self.lora_cfg, self.params)
        else:
            (directory / "config.json").write_text(json.dumps(self.model.config.to_json(), indent=2))
            state = {n: p for n, p in self.model.named_parameters()}
            safetensors.save(directory / "model.safetensors", state, {"format": "pt"}, torch.float32)

    def checkpoint(self, step: int, tokens: int) -> Path:
        target = self.job_dir / f"checkpoint-{step}"
        if self.d.rank == 0:
            tmp = Path(tempfile.mkdtemp(prefix=f".checkpoint-{step}-", dir=self.job_dir))
            self.write_weights(tmp)
            safetensors.save(tmp / "optimizer.safetensors", self.opt.state(), None, torch.float32)
            state = {"step": step, "epoch": step // self.p.steps_per_epoch,
                     "optimizer_steps": self.opt.steps, "tokens": tokens, "seed": self.seed,
                     "training_type": "efficient_sft" if self.lora else "sft"}
            (tmp / "trainer_state.json").write_text(json.dumps(state, indent=2))
            _replace(tmp, target)
            self.events.emit("checkpoint", step=step, path=str(target))
            self.prune()
        self.d.barrier()
        return target

    def prune(self) -> None:
        limit = int(self.hp["save_total_limit"])
        if limit <= 0:
            return
        cps = sorted((p for p in self.job_dir.iterdir()
                      if p.name.startswith("checkpoint-") and p.name[11:].isdigit()),
                     key=lambda p: int(p.name[11:]))
        for p in cps[:max(0, len(cps) - limit)]:
            _remove(p)

    def remove_leftovers(self) -> None:
        """Hidden directories a killed run left behind: unfinished writes and renamed-aside ones."""
        parents = {self.job_dir.absolute(), self.output_dir.absolute().parent}
        for parent in parents:
            if not parent.is_dir():
                continue
            for p in parent.iterdir():
                n = p.name
                if p.is_dir() and (n.startswith(".checkpoint-") or n.startswith(".output-")
                                   or (n.startswith(".") and "-deleted-" in n)):
                    shutil.rmtree(p, ignore_errors=True)

    def restore(self, directory: Path) -> dict:
        state = json.loads((directory / "trainer_state.json").read_text())
        weights = directory / ("adapter_model.safetensors" if self.lora else "model.safetensors")
        t = safetensors.load(weights)
        with torch.no_grad():
            for name, p in self.params.items():
                if name not in t:
                    raise TrainingError(f"checkpoint {directory} lacks {name}")
                p.copy_(t[name].to(p.dtype))
        moments = {k: v.to(self.device) for k, v in safetensors.load(directory / "optimizer.safetensors").items()}
        self.opt.restore(moments, int(state.get("optimizer_steps", 0)))
        return state

    def write_output(self) -> None:
        if self.d.rank == 0:
            out = self.output_dir.absolute()
            out.parent.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=".output-", dir=out.parent))
            self.write_weights(tmp)
            if not self.lora:
                for f in OUTPUT_FILES:
                    if (self.model_path / f).is_file():
                        shutil.copy(self.model_path / f, tmp / f)
            _replace(tmp, out)
        self.d.barrier()


class _Null:
    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False


def _aside(target: Path) -> Path:
    """Renames a listed directory to a hidden name, so a kill never leaves it half-deleted."""
    aside = target.parent / f".{target.name}-deleted-{time.monotonic_ns()}"
    os.rename(target, aside)
    return aside


def _remove(target: Path) -> None:
    shutil.rmtree(_aside(target), ignore_errors=True)


def _replace(tmp: Path, target: Path) -> None:
    aside = _aside(target) if target.exists() else None
    os.rename(tmp, target)
    if aside is not None:
        shutil.rmtree(aside, ignore_errors=True)


def _without_nproc(args):
    out, skip = [], False
    for x in args:
        if skip:
            skip = False
        elif x == "--nproc-per-node":
            skip = True
        elif not x.startswith("--nproc-per-node="):
            out.append(x)
    return out


def _die_with_parent() -> None:
    """Ends this process when the one that started it dies, even by SIGKILL: `tuneup train` (or
    the rank launcher) killed alone must not leave a trainer writing checkpoints behind it."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() == 1:  # the parent died before the line above
        os._exit(137)


def main(argv=None) -> int:
    _die_with_parent()
    ap = argparse.ArgumentParser(prog="python -m tuneup_torch")
    ap.add_argument("--spec", required=True)
    ap.add_argument("--prepared", help="directory of plan.json + batches.safetensors "
                                       "(default: <job_dir>/prepared)")
    ap.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    ap.add_argument("--nproc-per-node", type=int, default=1,
                    help="ranks on this node; 0 = one per visible GPU, else 1")
    a = ap.parse_args(argv)
    if a.nproc_per_node == 0:
        gpus = torch.cuda.device_count() if a.device != "cpu" and torch.cuda.is_available() else 0
        a.nproc_per_node = max(1, gpus)
    if a.nproc_per_node > 1 and "WORLD_SIZE" not in os.environ:
        from .launch import launch

        args = [x for x in (sys.argv[1:] if argv is None else list(argv))]
        return launch(a.nproc_per_node, _without_nproc(args))
    signal.signal(signal.SIGTERM, _on_sigterm)
    d = Dist()
    try:
        spec = json.loads(Path(a.spec).read_text())
    except (OSError, ValueError) as e:
        Events(None).emit("error", message=f"cannot read spec {a.spec}: {e}")
        return EXIT_FAILED
    events = Events(Path(spec["events_file"]), muted=d.rank != 0)
    try:
        if spec.get("threads"):
            torch.set_num_threads(int(spec["threads"]))
        device = pick_device(a.device, d)
        d.init(device)
        prepared = Prepared(Path(a.prepared) if a.prepared else Path(spec["job_dir"]) / "prepared")
        return Run(spec, prepared, events, d, device).run()
    except Exception as e:  # noqa: BLE001 - every failure becomes the error event
        traceback.print_exc(file=sys.stderr)
        msg = str(e) if isinstance(e, (TrainingError, ValueError)) else f"{type(e).__name__}: {e}"
        if "out of memory" in msg.lower():
            msg = f"out of memory: {msg}; lower batch_size or max_length"
        events.emit("error", message=msg)
        return EXIT_FAILED
    finally:
        events.close()
        d.close()
