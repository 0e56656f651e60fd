import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tuneup_torch import safetensors

from conftest import make_model, make_prepared, make_spec, read_events

ROOT = Path(__file__).resolve().parents[1]


def run(spec: Path, *extra, env=None, wait=True):
    e = dict(os.environ, PYTHONPATH=str(ROOT))
    e.update(env or {})
    p = subprocess.Popen([sys.executable, "-m", "tuneup_torch", "--spec", str(spec), "--device", "cpu",
                          *extra], env=e, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if not wait:
        return p
    out, err = p.communicate(timeout=300)
    return p.returncode, out.decode(), err.decode()


def losses(events):
    return [e["loss"] for e in events if e["type"] == "progress"]


def test_full_run_writes_events_and_output_in_the_java_layout(tmp_path):
    model = make_model(tmp_path)
    spec = make_spec(tmp_path, model)
    make_prepared(spec.parent, fixed=True)
    code, out, err = run(spec)
    assert code == 0, err
    ev = read_events(spec)
    assert out.splitlines() == [json.dumps(e, separators=(",", ":")) for e in ev]
    types = [e["type"] for e in ev]
    assert types[0] == "log" and types[-1] == "done"
    assert "torch runtime" in ev[0]["message"] and "device cpu" in ev[0]["message"]
    progress = [e for e in ev if e["type"] == "progress"]
    assert [p["step"] for p in progress] == [1, 2, 3, 4, 5, 6]
    assert set(progress[0]) >= {"total_steps", "epoch", "loss", "lr", "tokens", "tokens_per_second",
                                "eta_seconds", "time"}
    assert progress[-1]["loss"] < progress[0]["loss"]
    assert [e["step"] for e in ev if e["type"] == "eval"] == [3, 6]
    out_dir = spec.parent / "output"
    assert (out_dir / "config.json").is_file()
    w = safetensors.load(out_dir / "model.safetensors")
    assert w["model.norm.weight"].dtype.is_floating_point and "lm_head.weight" not in w


def test_lora_run_writes_a_peft_adapter(tmp_path):
    model = make_model(tmp_path)
    spec = make_spec(tmp_path, model, lora=True)
    make_prepared(spec.parent)
    code, _, err = run(spec)
    assert code == 0, err
    out_dir = spec.parent / "output"
    cfg = json.loads((out_dir / "adapter_config.json").read_text())
    assert cfg["peft_type"] == "LORA" and cfg["r"] == 4
    t = safetensors.load(out_dir / "adapter_model.safetensors")
    b = t["base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight"]
    assert b.abs().sum() > 0
    assert not (out_dir / "model.safetensors").exists()


def test_sigterm_stops_with_a_checkpoint_that_resumes_on_the_same_curve(tmp_path):
    model = make_model(tmp_path)
    steps = 60
    whole = make_spec(tmp_path / "a", model)
    make_prepared(whole.parent, steps=steps)
    assert run(whole)[0] == 0
    expected = losses(read_events(whole))

    spec = make_spec(tmp_path / "b", model)
    make_prepared(spec.parent, steps=steps)
    p = run(spec, wait=False)
    deadline = time.time() + 120
    while time.time() < deadline:
        if any(e["type"] == "progress" and e["step"] >= 3 for e in _events_or_empty(spec)):
            break
        time.sleep(0.01)
    # Freeze the trainer while the signal is queued, so a quick machine cannot run past the last
    # step between seeing step 3 and the signal's delivery; it handles SIGTERM once it resumes.
    p.send_signal(signal.SIGSTOP)
    p.send_signal(signal.SIGTERM)
    p.send_signal(signal.SIGCONT)
    p.communicate(timeout=120)
    assert p.returncode == 143
    ev = read_events(spec)
    stopped = ev[-1]
    assert stopped["type"] == "stopped"
    cp = Path(stopped["checkpoint"])
    assert cp.name == f"checkpoint-{stopped['step']}"
    assert {f.name for f in cp.iterdir()} == {"config.json", "model.safetensors",
                                             "optimizer.safetensors", "trainer_state.json"}
    state = json.loads((cp / "trainer_state.json").read_text())
    assert state["step"] == stopped["step"] and state["optimizer_steps"] == stopped["step"]

    first = losses(ev)
    spec2 = make_spec(tmp_path / "b", model, resume=str(cp))
    code, _, err = run(spec2)
    assert code == 0, err
    resumed = losses(read_events(spec2))[len(first):]
    got = first + resumed
    assert len(got) == steps
    assert max(abs(a - b) for a, b in zip(got, expected)) < 1e-6


def _events_or_empty(spec):
    try:
        return read_events(spec)
    except (OSError, ValueError):
        return []


def test_two_processes_follow_the_one_process_curve(tmp_path):
    model = make_model(tmp_path)
    one = make_spec(tmp_path / "one", model)
    make_prepared(one.parent, steps=5, micro_per_step=4, rows=1)
    two = make_spec(tmp_path / "two", model)
    make_prepared(two.parent, steps=5, micro_per_step=4, rows=1)
    assert run(one)[0] == 0
    code, out, err = run(two, "--nproc-per-node", "2")
    assert code == 0, err
    a, b = losses(read_events(one)), losses(read_events(two))
    assert len(a) == len(b) == 5
    assert max(abs(x - y) for x, y in zip(a, b)) < 1e-5
    ev = read_events(two)
    assert "2 processes" in ev[0]["message"]
    # rank 0 alone writes: one done event, one line per event
    assert [e["type"] for e in ev].count("done") == 1
    wa = safetensors.load(one.parent / "output" / "model.safetensors")
    wb = safetensors.load(two.parent / "output" / "model.safetensors")
    assert max(float((wa[k] - wb[k]).abs().max()) for k in wa) < 1e-5


def test_missing_prepared_batches_is_an_error_event(tmp_path):
    model = make_model(tmp_path)
    spec = make_spec(tmp_path, model)
    code, _, _ = run(spec)
    assert code == 1
    ev = read_events(spec)
    assert ev[-1]["type"] == "error" and "plan.json" in ev[-1]["message"]


def test_sigterm_during_two_processes_leaves_one_checkpoint_that_resumes(tmp_path):
    model = make_model(tmp_path)
    spec = make_spec(tmp_path, model)
    make_prepared(spec.parent, steps=30, micro_per_step=2, rows=1)
    p = run(spec, "--nproc-per-node", "2", wait=False)
    deadline = time.time() + 120
    while time.time() < deadline:
        if any(e["type"] == "progress" and e["step"] >= 2 for e in _events_or_empty(spec)):
            break
        time.sleep(0.05)
    p.send_signal(signal.SIGTERM)
    p.communicate(timeout=120)
    assert p.returncode == 143
    ev = read_events(spec)
    assert [e["type"] for e in ev].count("stopped") == 1
    cps = [d for d in spec.parent.iterdir() if d.name.startswith("checkpoint-")]
    assert len(cps) == 1 and str(cps[0]) == ev[-1]["checkpoint"]
    spec2 = make_spec(tmp_path, model, resume=str(cps[0]))
    code, _, err = run(spec2, "--nproc-per-node", "2")
    assert code == 0, err
    assert read_events(spec2)[-1]["type"] == "done"


def test_a_two_process_run_that_fails_exits_1_with_one_error_event(tmp_path):
    model = make_model(tmp_path)
    spec = make_spec(tmp_path, model)
    make_prepared(spec.parent, steps=3, micro_per_step=2, rows=1)
    # a plan without steps_per_epoch: the ranks fail on load and the launcher must not hang
    (spec.parent / "prepared" / "plan.json").write_text('{"total_steps": 3}')
    started = time.time()
    code, _, _ = run(spec, "--nproc-per-node", "2")
    assert code == 1
    assert time.time() - started < 60
    ev = read_events(spec)
    assert [e["type"] for e in ev] == ["error"]
