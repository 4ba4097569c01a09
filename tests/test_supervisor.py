"""The runner's supervision (``bot.run.Supervisor``) with small real processes.

The children here are Python's own ``http.server`` (it answers the health URL like our servers
do), killed for real with SIGKILL; the full servers are killed in tests/e2e/test_supervision.py.
"""

from __future__ import annotations

import os
import signal
import socket
import sys
import threading
import time
from typing import Iterator, List

import pytest

from bot.run import CRASH_LIMIT, Child, Supervisor, restart_delay
from bot.settings import Settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def http_child(name: str) -> Child:
    port = free_port()
    return Child(
        name, [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"], f"http://127.0.0.1:{port}/"
    )


@pytest.fixture
def restore_signals() -> Iterator[None]:
    saved = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    yield
    signal.signal(signal.SIGINT, saved[0])
    signal.signal(signal.SIGTERM, saved[1])


def kill_when_ready(child: Child, times: int, killed: List[int]) -> None:
    """Kill the child's current process each time it has come up, ``times`` times."""
    deadline = time.monotonic() + 60
    while len(killed) < times and time.monotonic() < deadline:
        process = child.process
        if child.ready and process is not None and process.pid not in killed and process.poll() is None:
            killed.append(process.pid)
            os.kill(process.pid, signal.SIGKILL)
        time.sleep(0.05)


def test_restart_delay_doubles_up_to_a_limit():
    assert [restart_delay(n) for n in range(1, 7)] == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]
    # RESTART_BACKOFF_SECONDS sets the first delay; the limit stays 8 s unless the first is longer.
    assert [restart_delay(n, 3.0) for n in range(1, 4)] == [3.0, 6.0, 8.0]
    assert [restart_delay(n, 10.0) for n in range(1, 3)] == [10.0, 10.0]


def test_a_crashing_child_is_restarted_then_the_run_stops_with_one_line(capsys, restore_signals):
    steady, crashing = http_child("steady"), http_child("crashy")
    supervisor = Supervisor(Settings(), [steady, crashing])
    killed: List[int] = []
    threading.Thread(target=kill_when_ready, args=(crashing, CRASH_LIMIT, killed), daemon=True).start()
    assert supervisor.run(dict(os.environ)) == 1
    out = capsys.readouterr().out
    assert len(killed) == CRASH_LIMIT
    for delay in ("0.5s", "1.0s", "2.0s", "4.0s"):
        assert f"crashy exited unexpectedly (code -9); restarting it in {delay}; the others keep serving" in out
    assert out.count("crashy is up again") == CRASH_LIMIT - 1
    errors = [line for line in out.splitlines() if "error:" in line]
    assert errors == [
        f"run     | error: crashy exited {CRASH_LIMIT} times within 60s; not restarting it again; "
        "stopping all servers (last: code -9: " + crashing.last_line() + ")"
    ]
    # The steady child was never restarted, and everything is stopped at the end.
    assert "steady exited" not in out and not steady.alive() and not crashing.alive()
    assert out.rstrip().endswith("all servers stopped")


def test_a_child_that_dies_before_serving_stops_the_run(capsys, restore_signals):
    broken = Child("broken", [sys.executable, "-c", "print('cannot bind'); raise SystemExit(3)"], "http://127.0.0.1:9/")
    assert Supervisor(Settings(), [http_child("ok"), broken]).run(dict(os.environ)) == 1
    out = capsys.readouterr().out
    assert "run     | error: broken exited (code 3): cannot bind" in out
    assert "restarting" not in out


def test_sigint_stops_every_child_cleanly(capsys, restore_signals):
    children = [http_child("one"), http_child("two")]

    def interrupt() -> None:
        deadline = time.monotonic() + 30
        while not all(child.ready for child in children) and time.monotonic() < deadline:
            time.sleep(0.05)
        os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=interrupt, daemon=True).start()
    assert Supervisor(Settings(), children).run(dict(os.environ)) == 0
    out = capsys.readouterr().out
    assert "received SIGINT; stopping all servers" in out
    assert not any(child.alive() for child in children)
    assert "error:" not in out
