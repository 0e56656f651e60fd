"""Starts N ranks on this node with the variables torchrun sets (MASTER_ADDR, MASTER_PORT,
WORLD_SIZE, RANK, LOCAL_RANK). Debian's torch 1.13 ships a torchrun that fails on Python 3.11;
where a working torchrun exists it can start ``python -m tuneup_torch`` instead, across nodes.
SIGTERM is forwarded to every rank; the exit code is rank 0's."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from typing import List


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launch(n: int, args: List[str]) -> int:
    port = str(_free_port())
    procs = []
    for rank in range(n):
        env = dict(os.environ, MASTER_ADDR="127.0.0.1", MASTER_PORT=port, WORLD_SIZE=str(n),
                   RANK=str(rank), LOCAL_RANK=str(rank), LOCAL_WORLD_SIZE=str(n))
        procs.append(subprocess.Popen([sys.executable, "-m", "tuneup_torch", *args], env=env))

    def forward(signum, frame):  # noqa: ARG001
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, forward)
    # a rank that fails leaves the others blocked in a collective: stop them too
    while any(p.poll() is None for p in procs):
        failed = [p for p in procs if p.returncode not in (None, 0, 143)]
        if failed:
            for p in procs:
                if p.poll() is None:
                    p.kill()
            break
        time.sleep(0.1)
    codes = [p.wait() for p in procs]
    return codes[0] if codes[0] != 0 or all(c == 0 for c in codes) else next(c for c in codes if c)
