import math

import torch

from tuneup_torch.optim import AdamW, lr_at


def _params(seed):
    g = torch.Generator().manual_seed(seed)
    return {"a": torch.nn.Parameter(torch.randn(4, 3, generator=g)),
            "b": torch.nn.Parameter(torch.randn(5, generator=g))}


def test_multi_tensor_update_equals_the_per_tensor_update():
    p1, p2 = _params(0), _params(0)
    o1, o2 = AdamW(p1, 0.1), AdamW(p2, 0.1, fused=True)
    assert o2.fused
    for step in range(3):
        for ps in (p1, p2):
            g = torch.Generator().manual_seed(10 + step)
            for p in ps.values():
                p.grad = torch.randn(p.shape, generator=g)
        o1.step(1e-2)
        o2.step(1e-2)
    for k in p1:
        assert torch.allclose(p1[k], p2[k], atol=1e-7)


def test_first_step_follows_the_java_trainers_update():
    p = {"w": torch.nn.Parameter(torch.tensor([1.0]))}
    p["w"].grad = torch.tensor([0.5])
    AdamW(p, 0.1).step(1e-2)
    corrected = 1e-2 * math.sqrt(1 - 0.999) / (1 - 0.9)
    w = 1.0 - 1.0 * corrected * 0.1
    m, v = 0.1 * 0.5, 0.001 * 0.25
    w -= m * 1e-2 / (math.sqrt(v) + 1e-8)
    assert abs(float(p["w"]) - w) < 1e-7


def test_schedules_warm_up_then_decay_as_the_java_trainer():
    # warmup starts at 0, as transformers' schedules do
    assert lr_at(0, 20, 1.0, "cosine", 0.05) == 0.0
    assert lr_at(1, 20, 1.0, "cosine", 0.05) == 1.0
    assert lr_at(1, 20, 1.0, "linear", 0.1) == 0.5
    assert abs(lr_at(11, 20, 1.0, "cosine", 0.1) - 0.5) < 1e-12
    assert abs(lr_at(11, 20, 1.0, "linear", 0.1) - 0.5) < 1e-12
    assert lr_at(19, 20, 2.0, "constant", 0.0) == 2.0
    assert lr_at(0, 20, 2.0, "Constant_with_warmup", 0.1) == 0.0
    assert abs(lr_at(4, 20, 1.0, "inverse_sqrt", 0.1) - 1 / math.sqrt(4 / 2)) < 1e-12


def test_every_scheduler_follows_the_fixture_the_java_trainer_is_tested_on():
    import json
    from pathlib import Path

    from tuneup_torch.optim import Plateau

    fixture = (Path(__file__).resolve().parents[2] / "tuneup-trainer/src/test/resources/dev/tuneup"
               / "trainer/lr-schedules.json")
    cases = json.loads(fixture.read_text())["cases"]
    assert len(cases) >= 30
    for c in cases:
        lr0, total = c["learning_rate"], c["total_steps"]
        if c["scheduler"] == "reduce_lr_on_plateau":
            plateau, losses, every = Plateau(lr0), iter(c["eval_losses"]), c["eval_steps"]
            for step, want in enumerate(c["lr"]):
                assert abs(plateau.lr - want) <= 1e-12 * max(1.0, abs(want)), (c["scheduler"], step)
                done = step + 1
                if done % every == 0 or done == total:
                    plateau.on_eval(next(losses))
            continue
        for step, want in enumerate(c["lr"]):
            got = lr_at(step, total, lr0, c["scheduler"], c["warmup_ratio"])
            assert abs(got - want) <= 1e-12 * max(1.0, abs(want)), (c["scheduler"], step, got, want)
