"""``make bench-cluster``: throughput of ``make cluster`` with one and with two replicas, and no loss.

For each replica count, the real cluster (``python -m bot.cluster --no-train``) is started on
free ports with a fresh PostgreSQL database and this machine's Redis; simulated users
(``bench/load.py``, held-out sentences) talk to nginx's REST endpoint for a fixed time. Reported
per run: messages answered, errors, user messages stored in the database, lost messages
(answered but not stored), throughput and latency percentiles. Results go to
``bench/results/cluster-<date>.json``; docs/deploy.md quotes one run.

    python bench/cluster.py [--users 20] [--seconds 60] [--replicas 1 2]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Dict, List

import sqlalchemy as sa
from sqlalchemy.engine.url import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import load_examples, run_users

ROOT = Path(__file__).resolve().parents[1]
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/2")


def free_block(size: int) -> int:
    """A port ``p`` such that ``p`` .. ``p + size - 1`` are free."""
    for _ in range(200):
        base = random.randint(20000, 40000)
        sockets: List[socket.socket] = []
        try:
            for port in range(base, base + size):
                sock = socket.socket()
                sockets.append(sock)
                sock.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
    raise RuntimeError("no block of free ports")


def run_once(replicas: int, users: int, seconds: float, var_dir: Path) -> Dict[str, object]:
    """Start the cluster with ``replicas``, load it, stop it; return the measurements."""
    admin = sa.create_engine(make_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    database = f"bench_cluster_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{database}"'))
    database_url = str(make_url(POSTGRES_URL).set(database=database).render_as_string(hide_password=False))
    ports = {"RASA_PORT": free_block(replicas + 1), "ACTION_PORT": free_block(replicas + 1),
             "WEB_PORT": free_block(1), "CLUSTER_PORT": free_block(1)}
    env = {k: v for k, v in os.environ.items() if k not in ("RASA_API_TOKEN", "ACTION_ENDPOINT_URL")}
    env.update({name: str(port) for name, port in ports.items()})
    env.update({"VAR_DIR": str(var_dir), "TRACKER_DB_URL": database_url, "REDIS_URL": REDIS_URL,
                "CLUSTER_REPLICAS": str(replicas), "PYTHONUNBUFFERED": "1"})
    process = subprocess.Popen([sys.executable, "-m", "bot.cluster", "--no-train"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
    ready = threading.Event()
    lines: List[str] = []

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line.rstrip())
            if "| READY" in line:
                ready.set()

    threading.Thread(target=pump, daemon=True).start()
    try:
        deadline = time.monotonic() + 420
        while not ready.wait(0.5):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("cluster did not start:\n" + "\n".join(lines[-30:]))
        url = f"http://127.0.0.1:{ports['CLUSTER_PORT']}/webhooks/rest/webhook"
        samples = asyncio.run(run_users(url, load_examples(), users, seconds))
        engine = sa.create_engine(database_url)
        with engine.connect() as connection:
            stored = connection.execute(sa.text("SELECT count(*) FROM events WHERE type_name = 'user'")).scalar()
        engine.dispose()
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{database}"'))
        admin.dispose()
    summary = samples.summary()
    answered = int(summary["messages"])
    return {
        "replicas": replicas, "users": users, "seconds": seconds, **summary,
        "stored_user_messages": int(stored or 0), "lost": max(0, answered - int(stored or 0)),
        "failure_examples": samples.failures[:5],
    }


def main() -> int:
    """Run the cluster benchmark and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--replicas", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    results = []
    for replicas in args.replicas:
        var_dir = ROOT / "var" / f"bench-cluster-{replicas}"
        var_dir.mkdir(parents=True, exist_ok=True)
        print(f"cluster with {replicas} replica(s): {args.users} users for {args.seconds:.0f} s ...", flush=True)
        results.append(run_once(replicas, args.users, args.seconds, var_dir))
    out = ROOT / "bench" / "results" / f"cluster-{dt.date.today().isoformat()}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    machine = {"cpus": os.cpu_count(), "python": sys.version.split()[0]}
    out.write_text(json.dumps({"machine": machine, "runs": results}, indent=2) + "\n", encoding="utf-8")
    print("| replicas | messages | errors | stored | lost | msg/s | p50 ms | p95 ms |")
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['replicas']} | {r['messages']} | {r['failures']} | {r['stored_user_messages']} | {r['lost']} | "
              f"{r['throughput_per_s']} | {r['p50_ms']} | {r['p95_ms']} |")
    print(f"written to {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
