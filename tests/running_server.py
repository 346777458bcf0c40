"""Start ``provgraph serve`` as a user does — the console script, a real port on 127.0.0.1 — and stop it."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

SCRIPT = shutil.which("provgraph", path=str(Path(sys.executable).parent)) or "provgraph"
START_TIMEOUT = 30


@dataclass
class RunningServer:
    base: str
    process: subprocess.Popen
    banner: list[str]

    @property
    def port(self) -> int:
        return urlsplit(self.base).port

    def request(self, method: str, path: str, body: bytes | str | None = None, headers: dict | None = None,
                timeout: float = 60) -> tuple[int, dict, bytes]:
        """One raw HTTP request; returns (status, headers with lower-case names, body)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request(method, path, body=body.encode() if isinstance(body, str) else body, headers=headers or {})
            response = connection.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            connection.close()

    def json(self, method: str, path: str, body=None, headers=None, timeout: float = 60) -> tuple[int, dict]:
        status, _, data = self.request(method, path, body, headers, timeout)
        return status, json.loads(data)


@contextlib.contextmanager
def running_server(store: Path, *args: str, env: dict[str, str] | None = None):
    """``provgraph serve --store STORE --port 0 ARGS…`` with only ``env`` as PROVGRAPH_ variables."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PROVGRAPH_")}
    process = subprocess.Popen([SCRIPT, "serve", "--store", str(store), "--host", "127.0.0.1", "--port", "0", *args],
                               env={**clean, **(env or {})}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    banner: list[str] = []
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                raise RuntimeError("provgraph serve exited:\n" + "".join(banner))
            banner.append(line.rstrip("\n"))
            if line.startswith("  canned queries"):
                break
        base = banner[0].split(" at ")[1].split(" ")[0]
        banner.append(process.stdout.readline().rstrip("\n"))  # the line on ingest tokens follows
        threading.Thread(target=lambda: [banner.append(line.rstrip("\n")) for line in process.stdout], daemon=True).start()
        yield RunningServer(base, process, banner)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
