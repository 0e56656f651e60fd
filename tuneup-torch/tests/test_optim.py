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
    assert lr_at(0, 20, 1.0, "cosine", 0.05) == 1.0
    assert lr_at(1, 20, 1.0, "cosine", 0.1) == 1.0
    assert lr_at(0, 20, 1.0, "linear", 0.1) == 0.5
    assert abs(lr_at(11, 20, 1.0, "cosine", 0.1) - 0.5) < 1e-12
    assert abs(lr_at(11, 20, 1.0, "linear", 0.1) - 0.5) < 1e-12
    assert lr_at(19, 20, 2.0, "constant", 0.0) == 2.0
