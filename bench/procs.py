"""Processes for the benchmark: training, starting a stack, waiting for ready, measuring memory.

Memory is read from ``/proc`` (Linux): the proportional set size (PSS, ``smaps_rollup``) summed
over a server's processes, so several forked workers are not counted twice for the pages they
share; for a single process PSS is within a few MB of its resident set size (RSS, also recorded).
"""

from __future__ import annotations

import os
import platform
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List

import requests


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def machine() -> Dict[str, object]:
    """A description of the machine the benchmark ran on."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_kb = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    import rasa

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "rasa": rasa.__version__,
        "load_average_at_start": os.getloadavg(),
    }


def children_of(pid: int) -> List[int]:
    """Every descendant process id of ``pid``."""
    result: List[int] = []
    todo = [pid]
    while todo:
        current = todo.pop()
        try:
            kids = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        for kid in kids:
            result.append(int(kid))
            todo.append(int(kid))
    return result


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _kb(path: str, key: str) -> int:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def memory_mb(pids: List[int]) -> Dict[str, float]:
    """PSS and RSS summed over ``pids``, in MB."""
    pss = sum(_kb(f"/proc/{pid}/smaps_rollup", "Pss") for pid in pids)
    rss = sum(_kb(f"/proc/{pid}/status", "VmRSS") for pid in pids)
    return {"pss_mb": round(pss / 1024, 1), "rss_mb": round(rss / 1024, 1), "processes": len(pids)}


def train(project_dir: Path, out_dir: Path, name: str, env: Dict[str, str], log_path: Path) -> float:
    """Train with the command ``bot.run`` uses, from scratch; return the wall time in seconds.

    ``--force`` and an empty cache folder: Rasa 3 otherwise restores unchanged components from its
    training cache (``.rasa/cache``), and a "training" of the baseline then takes seconds.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    # bot.run's command: Rasa's, through bot/rasa_train.py where the checkout has it (older ones do not).
    runner = ["-m", "bot.rasa_train"] if (project_dir / "bot" / "rasa_train.py").is_file() else ["-m", "rasa"]
    command = [
        sys.executable, *runner, "train", "--config", "config.yml", "--domain", "domain.yml", "--data", "data",
        "--out", str(out_dir), "--fixed-model-name", name, "--force",
    ]
    env = {**env, "RASA_CACHE_DIRECTORY": str(out_dir / "cache")}
    started = time.perf_counter()
    with log_path.open("w") as log:
        code = subprocess.call(command, cwd=project_dir, env=env, stdout=log, stderr=subprocess.STDOUT)
    took = time.perf_counter() - started
    if code != 0:
        raise RuntimeError(f"training in {project_dir} failed (code {code}); see {log_path}")
    return took


@dataclass
class Stack:
    """A running assistant started by ``python -m bot.run serve --no-train``."""

    name: str
    process: subprocess.Popen
    env: Dict[str, str]
    var_dir: Path
    lines: List[str] = field(default_factory=list)
    ready_seconds: float = 0.0

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.env['RASA_PORT']}"

    @property
    def webhook(self) -> str:
        return f"{self.rasa_url}/webhooks/rest/webhook"

    @property
    def token(self) -> str:
        return (self.var_dir / "rasa-api-token").read_text().strip()

    def server_pids(self, marker: str) -> List[int]:
        """The processes (with their forked workers) whose command line contains ``marker``."""
        candidates = [self.process.pid, *children_of(self.process.pid)]
        tops = [pid for pid in candidates if marker in cmdline(pid)]
        return sorted({*tops, *(kid for pid in tops for kid in children_of(pid))})

    def memory(self) -> Dict[str, Dict[str, float]]:
        return {
            "rasa": memory_mb(self.server_pids("run --model")),
            "actions": memory_mb(self.server_pids("bot.action_server") or self.server_pids("rasa_sdk")),
        }

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start(name: str, project_dir: Path, var_dir: Path, env: Dict[str, str], timeout: float = 600) -> Stack:
    """Start the runner and wait for its READY line; record the seconds it took."""
    var_dir.mkdir(parents=True, exist_ok=True)
    env = dict(env)
    env.update(
        {
            "RASA_PORT": str(free_port()), "ACTION_PORT": str(free_port()), "WEB_PORT": str(free_port()),
            "VAR_DIR": str(var_dir), "PROJECT_DIR": str(project_dir), "PYTHONUNBUFFERED": "1",
        }
    )
    for key in ("RASA_API_TOKEN", "TRACKER_DB_URL", "ACTION_ENDPOINT_URL"):
        env.pop(key, None)
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.run", "serve", "--no-train"], cwd=project_dir, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1,
    )
    stack = Stack(name, process, env, var_dir)
    ready = threading.Event()

    def pump() -> None:
        assert process.stdout is not None
        with (var_dir / "stack.log").open("w") as log:
            for line in process.stdout:
                stack.lines.append(line.rstrip())
                log.write(line)
                if "| READY" in line:
                    ready.set()

    threading.Thread(target=pump, daemon=True).start()
    while not ready.wait(0.2):
        if process.poll() is not None or time.perf_counter() - started > timeout:
            process.kill()
            raise RuntimeError(f"{name} did not start:\n" + "\n".join(stack.lines[-25:]))
    stack.ready_seconds = time.perf_counter() - started
    # READY means every server answered its health check; make sure the REST channel answers too.
    requests.get(f"{stack.rasa_url}/", timeout=10)
    return stack


def start_stock_rasa(name: str, project_dir: Path, model: Path, var_dir: Path, env: Dict[str, str],
                     timeout: float = 600) -> Stack:
    """``rasa run`` as it comes, in a project made by ``rasa init`` (the demo baseline).

    Only the Rasa server: the demo's stories use responses only, its ``endpoints.yml`` names no
    action server and no tracker store (so Rasa keeps conversations in memory). Ready when
    ``/status`` answers 200, i.e. the model is loaded.
    """
    var_dir.mkdir(parents=True, exist_ok=True)
    env = {**env, "RASA_PORT": str(free_port()), "PYTHONUNBUFFERED": "1"}
    token = "bench-" + os.urandom(8).hex()
    (var_dir / "rasa-api-token").write_text(token)
    started = time.perf_counter()
    with (var_dir / "stack.log").open("w") as log:  # the child keeps its own copy of the file
        process = subprocess.Popen(
            [sys.executable, "-m", "rasa", "run", "--model", str(model), "--enable-api", f"--auth-token={token}",
             "--interface", "127.0.0.1", "--port", env["RASA_PORT"]],
            cwd=project_dir, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    stack = Stack(name, process, env, var_dir)
    while True:
        if process.poll() is not None or time.perf_counter() - started > timeout:
            process.kill()
            raise RuntimeError(f"{name} did not start; see {var_dir / 'stack.log'}")
        try:
            if requests.get(f"{stack.rasa_url}/status?token={token}", timeout=2).status_code == 200:
                break
        except requests.RequestException:
            pass
        time.sleep(0.2)
    stack.ready_seconds = time.perf_counter() - started
    return stack
