"""The safetensors format without the safetensors package: an 8-byte little-endian header length,
a JSON header ({name: {dtype, shape, data_offsets}}, optional __metadata__), then raw
little-endian tensor bytes."""
from __future__ import annotations

import json
import os
import struct
from pathlib import Path
from typing import Dict, Mapping, Optional

import torch

_DTYPES = {
    "F32": torch.float32,
    "F16": torch.float16,
    "BF16": torch.bfloat16,
    "I64": torch.int64,
    "I32": torch.int32,
    "I16": torch.int16,
    "I8": torch.int8,
    "U8": torch.uint8,
    "BOOL": torch.bool,
    "F64": torch.float64,
}
_NAMES = {v: k for k, v in _DTYPES.items()}


class SafetensorsError(ValueError):
    """A file that is not valid safetensors; the message names the file."""


def read_header(path: Path) -> tuple[dict, int]:
    with open(path, "rb") as f:
        raw = f.read(8)
        if len(raw) != 8:
            raise SafetensorsError(f"{path}: too short for a safetensors header")
        (n,) = struct.unpack("<Q", raw)
        if n > 100_000_000:
            raise SafetensorsError(f"{path}: header length {n} is implausible")
        return json.loads(f.read(n).decode("utf-8")), 8 + n


def load(path: Path, names: Optional[set] = None) -> Dict[str, torch.Tensor]:
    """Every tensor of a file (or those in ``names``) as CPU tensors in their stored dtype."""
    path = Path(path)
    header, base = read_header(path)
    out: Dict[str, torch.Tensor] = {}
    with open(path, "rb") as f:
        for name, info in header.items():
            if name == "__metadata__" or (names is not None and name not in names):
                continue
            dtype = _DTYPES.get(info["dtype"])
            if dtype is None:
                raise SafetensorsError(f"{path}: tensor {name} has unsupported dtype {info['dtype']}")
            start, end = info["data_offsets"]
            f.seek(base + start)
            buf = bytearray(f.read(end - start))
            if len(buf) != end - start:
                raise SafetensorsError(f"{path}: tensor {name} is truncated")
            t = torch.frombuffer(buf, dtype=dtype) if buf else torch.empty(0, dtype=dtype)
            out[name] = t.reshape(info["shape"])
    return out


def load_model_dir(model_dir: Path) -> Dict[str, torch.Tensor]:
    """The weights of a Hugging Face directory: model.safetensors or an index with shards."""
    model_dir = Path(model_dir)
    single = model_dir / "model.safetensors"
    if single.is_file():
        return load(single)
    index = model_dir / "model.safetensors.index.json"
    if not index.is_file():
        raise SafetensorsError(f"{model_dir}: no model.safetensors nor model.safetensors.index.json")
    shards = sorted(set(json.loads(index.read_text())["weight_map"].values()))
    out: Dict[str, torch.Tensor] = {}
    for shard in shards:
        out.update(load(model_dir / shard))
    return out


def save(
    path: Path,
    tensors: Mapping[str, torch.Tensor],
    metadata: Optional[Mapping[str, str]] = None,
    dtype: Optional[torch.dtype] = None,
) -> None:
    """Writes tensors (names sorted, as the Java writer does), converted to ``dtype`` if given,
    then fsyncs the file."""
    header: dict = {}
    if metadata:
        header["__metadata__"] = dict(sorted(metadata.items()))
    blobs = []
    offset = 0
    for name in sorted(tensors):
        t = tensors[name].detach().to("cpu")
        if dtype is not None:
            t = t.to(dtype)
        t = t.contiguous()
        data = _bytes(t)
        header[name] = {
            "dtype": _NAMES[t.dtype],
            "shape": list(t.shape),
            "data_offsets": [offset, offset + len(data)],
        }
        offset += len(data)
        blobs.append(data)
    raw = json.dumps(header, separators=(",", ":")).encode("utf-8")
    raw += b" " * (-len(raw) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for b in blobs:
            f.write(b)
        f.flush()
        os.fsync(f.fileno())


def _bytes(t: torch.Tensor) -> bytes:
    if t.numel() == 0:
        return b""
    # bfloat16 has no numpy dtype: view its bits as int16
    if t.dtype == torch.bfloat16:
        t = t.view(torch.int16)
    if t.dtype == torch.bool:
        t = t.to(torch.uint8)
    return t.numpy().tobytes()
