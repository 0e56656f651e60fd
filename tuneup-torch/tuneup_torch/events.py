"""Contract events: one JSON object per line to stdout and appended to the events file, a whole
line per write, flushed."""
from __future__ import annotations

import datetime as _dt
import json
import os
import sys
from pathlib import Path
from typing import Optional


def now() -> str:
    t = _dt.datetime.now(_dt.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.%f") + "Z"


class Events:
    """Writes events; a muted instance (ranks other than 0) writes nothing."""

    def __init__(self, events_file: Optional[Path], muted: bool = False):
        self.muted = muted
        self.fd = None
        if events_file is not None and not muted:
            Path(events_file).parent.mkdir(parents=True, exist_ok=True)
            self.fd = os.open(events_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def emit(self, type_: str, **fields) -> None:
        if self.muted:
            return
        e = {"type": type_, "time": now()}
        e.update(fields)
        line = (json.dumps(e, separators=(",", ":")) + "\n").encode("utf-8")
        if self.fd is not None:
            os.write(self.fd, line)
        sys.stdout.buffer.write(line)
        sys.stdout.flush()

    def log(self, level: str, message: str) -> None:
        self.emit("log", level=level, message=message)

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
