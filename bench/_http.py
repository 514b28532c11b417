"""A real HTTP server for benchmarks: gunicorn serving a WSGI app factory from bench/,
driven by wrk. Rates measured this way include sockets, HTTP parsing and the server's
worker model, as production would."""

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"


def available() -> bool:
    return GUNICORN.exists() and shutil.which("wrk") is not None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class Server:
    url: str
    pid: int  # gunicorn's master: its children are the workers


@contextlib.contextmanager
def gunicorn(app: str, *, ready: str, workers: int = 2, threads: int = 1, env=None):
    """Serve ``app`` (``module:factory()`` in bench/) and yield the :class:`Server`
    once ``ready`` (a path) answers. More than one thread selects gunicorn's gthread
    worker."""
    port = free_port()
    command = [str(GUNICORN), "--chdir", str(ROOT / "bench"), "--workers", str(workers)]
    if threads > 1:
        command += ["--worker-class", "gthread", "--threads", str(threads)]
    command += ["--bind", f"127.0.0.1:{port}", "--log-level", "warning", app]
    environment = {**os.environ, "DJANGO_DEBUG": "0", "PYTHONPATH": str(ROOT), **(env or {})}
    server = subprocess.Popen(command, env=environment)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(base + ready, timeout=2).read()
                break
            except OSError:
                if server.poll() is not None:
                    raise RuntimeError("gunicorn exited during start-up") from None
                time.sleep(0.2)
        else:
            raise RuntimeError(f"{base}{ready} never answered")
        yield Server(base, server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)


def parse_ms(text: str) -> float:
    for unit, factor in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * factor
    return float(text)


def wrk(
    url: str, *, seconds: int, connections: int, script: str | None = None, threads: int = 1
) -> dict:
    """Requests per second, p50 and p99 in ms, the requests done, and any error lines
    wrk printed."""
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    path = None
    if script:
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
            f.write(script)
        path = f.name
        command += ["-s", path]
    try:
        out = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
    finally:
        if path:
            os.unlink(path)
    lines = out.splitlines()

    def pick(prefix: str) -> str:
        return next(line for line in lines if line.strip().startswith(prefix)).split()[1]

    return {
        "requests": int(next(line for line in lines if "requests in" in line).split()[0]),
        "rps": float(pick("Requests/sec")),
        "p50": parse_ms(pick("50%")),
        "p99": parse_ms(pick("99%")),
        "errors": [line.strip() for line in lines if "Non-2xx" in line or "Socket errors" in line],
    }
