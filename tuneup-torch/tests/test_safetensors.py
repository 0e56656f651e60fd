import struct

import torch

from tuneup_torch import safetensors


def test_round_trip_keeps_names_shapes_dtypes_and_values(tmp_path):
    t = {"b": torch.arange(6, dtype=torch.int32).view(2, 3), "a": torch.randn(3, 4),
         "h": torch.randn(5).to(torch.bfloat16)}
    f = tmp_path / "x.safetensors"
    safetensors.save(f, t, {"format": "pt"})
    back = safetensors.load(f)
    assert set(back) == {"a", "b", "h"}
    for k in t:
        assert back[k].dtype == t[k].dtype and torch.equal(back[k], t[k])
    header, _ = safetensors.read_header(f)
    assert header["__metadata__"] == {"format": "pt"}


def test_header_is_little_endian_length_then_json(tmp_path):
    f = tmp_path / "x.safetensors"
    safetensors.save(f, {"w": torch.ones(2)})
    raw = f.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    assert raw[8:8 + n].decode().startswith("{")
    assert len(raw) == 8 + n + 8


def test_conversion_to_f32_on_write(tmp_path):
    f = tmp_path / "x.safetensors"
    safetensors.save(f, {"w": torch.ones(2, dtype=torch.bfloat16)}, dtype=torch.float32)
    assert safetensors.load(f)["w"].dtype == torch.float32
