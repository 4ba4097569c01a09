"""Where a turn's time goes in the running Rasa server: py-spy on it while one user talks.

Starts the assistant as ``make run`` does but with one Rasa worker (so one process holds every
turn), sends held-out conversations one message after the other, records the worker with
py-spy (``--idle`` off: only the time the server's threads run Python or native code) and
prints, for the parts of a turn, the share of the request handler's samples and the
milliseconds per message they stand for. With ``--ab LABEL`` it instead measures what
``make bench`` measures for ours, shortly (one-user median, 10-user throughput, memory), to
compare two versions of the code one after the other on the same machine.

    make profile                         # the table below
    make profile PROFILE_ARGS="--ab before"

py-spy's sampling slows the server down a little, so the milliseconds are for comparing parts,
not for reporting latency: ``make bench`` does that.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Tuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import load, procs  # noqa: E402
from bench.benchmark import base_env  # noqa: E402

#: The parts of a turn, by the function whose samples are counted (first match in the stack).
PARTS: Tuple[Tuple[str, str], ...] = (
    ("handoff check (bot.handoff.relay.intercept)", "intercept"),
    ("loading the tracker", "fetch_tracker_and_update_session"),
    ("NLU (parse_message)", "_parse_message_with_graph"),
    ("policies (rule policy)", "_predict_next_with_tracker"),
    ("action calls (HTTP to the action server)", "counted_run"),
    ("saving the tracker", "save_tracker"),
)
HANDLER = "handle_message"


def shares(raw: Path) -> Tuple[int, Dict[str, int]]:
    """Samples under the request handler, and under each part, from py-spy's raw output."""
    total = 0
    counted: Dict[str, int] = collections.Counter()
    for line in raw.read_text().splitlines():
        stack, _, number = line.rpartition(" ")
        names = [frame.split(" (")[0] for frame in stack.split(";")]
        if HANDLER not in names and "intercept" not in names:
            continue
        samples = int(number)
        total += samples
        for label, function in PARTS:
            if function in names:
                counted[label] += samples
    return total, counted


def profile(conversations: int) -> int:
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    examples = load.load_examples()
    env = {**base_env(), "RASA_WORKERS": "1"}
    with tempfile.TemporaryDirectory() as tmp:
        stack = procs.start("ours", ROOT, Path(tmp) / "var", env)
        try:
            url = stack.webhook
            asyncio.run(load.run_sequential(url, load.one_user_messages(examples, 30, seed=99)))
            worker = stack.server_pids("run --model")[-1]
            raw = Path(tmp) / "profile.txt"
            recorder = subprocess.Popen([spy, "record", "-r", "250", "--format", "raw", "-o", str(raw),
                                         "--pid", str(worker)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(2)
            samples = asyncio.run(load.run_sequential(url, load.one_user_messages(examples, conversations, seed=1)))
            recorder.send_signal(signal.SIGINT)
            recorder.wait(timeout=60)
        finally:
            stack.stop()
        total, counted = shares(raw)
    messages = len(samples.latencies)
    per_message = total / 250 / messages * 1000
    print(f"{messages} messages; p50 {samples.percentile(50) * 1000:.2f} ms under the profiler; "
          f"{per_message:.2f} ms of handler samples per message")
    for label, _ in PARTS:
        share = counted[label] / total if total else 0.0
        print(f"  {label:<44} {share * 100:5.1f}%  {share * per_message:6.2f} ms")
    return 0


def ab(label: str, seconds: float) -> int:
    examples = load.load_examples()
    with tempfile.TemporaryDirectory() as tmp:
        stack = procs.start("ours", ROOT, Path(tmp) / "var", base_env())
        try:
            url = stack.webhook
            asyncio.run(load.run_sequential(url, load.one_user_messages(examples, 5, seed=99), keepalive=False))
            one = asyncio.run(load.run_sequential(url, load.one_user_messages(examples, 25, seed=1)))
            ten = asyncio.run(load.run_users(url, examples, 10, seconds, seed=10, keepalive=False))
            memory = stack.memory()["rasa"]
        finally:
            stack.stop()
    result = {"label": label, "one_user_p50_ms": one.summary()["p50_ms"],
              "throughput_10_users_per_s": ten.summary()["throughput_per_s"],
              "failures": len(one.failures) + len(ten.failures), "rasa_pss_mb": memory["pss_mb"]}
    print(json.dumps(result))
    return 1 if result["failures"] else 0


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=60, help="6-turn conversations while profiling")
    parser.add_argument("--ab", metavar="LABEL", help="measure latency, throughput and memory instead")
    parser.add_argument("--seconds", type=float, default=15.0, help="duration of the 10-user run (--ab)")
    args = parser.parse_args(argv)
    if args.ab:
        return ab(args.ab, args.seconds)
    return profile(args.conversations)


if __name__ == "__main__":
    sys.exit(main())
