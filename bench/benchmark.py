"""``make bench``: our assistant against two stock Rasa baselines, measured in one run.

The demo baseline (issue #16) is the ``rasa init`` demo assistant as it comes: its own
``config.yml`` (Rasa's defaults), domain, data and ``endpoints.yml``, trained with the same
command and served by stock ``rasa run`` (in-memory tracker store, no action server). It gets
the same 6-turn conversations of held-out messages as the others, so all three do the same
work per turn; it understands none of them, so its answers are not checked and accuracy is not
measured for it.

The baseline is the same domain, training data, actions, channels and tracker store, trained
with the ``config.yml`` that ``rasa init`` writes (Rasa's default pipeline and policies: DIET,
TED, UnexpecTED) and served the way Rasa serves by default (one Sanic worker). Both are started
by the same runner (``python -m bot.run serve --no-train``) and measured one after the other:

* training time (the same ``rasa train`` command ``bot.run`` uses);
* time from start to READY (every server answers its health check);
* memory of the Rasa server and of the action server after warm-up (PSS, see ``procs.py``);
* latency p50/p95/p99 for one user (6-turn conversations, one message after the other);
* throughput and p95 with 10 and with 50 simultaneous users;
* one 200-turn conversation: median latency of its last 20 turns over its first 20;
* intent accuracy on the held-out set (``tests/nlu_holdout``) through ``/model/parse``;
* the per-message cost of reading days in questions (``date_parser_cost.py``), and its share of
  our one-user median turn.

Writes ``bench/results/<timestamp>.json`` and prints the table with ratios ours/baseline and the
targets of issue #8. Usage::

    python bench/benchmark.py [--seconds 30] [--reuse-models] [--only ours|baseline|demo]

``--reuse-models`` skips training when a model for the current inputs exists and reports the
training time recorded when it was trained (marked as reused).

``--before DIR`` measures another checkout of this project as the side ``before``, with the same
environment as ours, in the same run, and adds the ratios ours/before: whether a change slowed
the assistant down, on one machine, without comparing runs. Make the checkout with
``git worktree add ../before <commit>`` and link the virtual environment into it
(``ln -s $PWD/.venv ../before/.venv``); it trains its own model.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import hashlib
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import date_parser_cost  # noqa: E402
import load  # noqa: E402
import procs  # noqa: E402

WORK = ROOT / "var" / "bench"
RESULTS = ROOT / "bench" / "results"
TIMES_FILE = WORK / "training-times.json"

#: (metric, direction, target ratio ours/baseline) from issue #8.
TARGETS = [
    ("latency_1_user_p50_ms", "<=", 0.25),
    ("throughput_10_users_per_s", ">=", 4.0),
    ("p95_50_users_ms", "<=", 0.3),
    ("rasa_memory_mb", "<=", 0.6),
    ("training_s", "<=", 0.5),
    ("ready_s", "<=", 0.5),
    ("accuracy", ">=", 1.0),
]

#: (metric, direction, target ratio ours/demo) from issue #16, against the ``rasa init`` demo.
DEMO_TARGETS = [
    ("latency_1_user_p50_ms", "<=", 0.35),
    ("throughput_10_users_per_s", ">=", 3.5),
    ("p95_50_users_ms", "<=", 0.3),
    ("rasa_memory_mb", "<=", 0.7),
]

#: Issue #16: a 200-turn conversation's last 20 turns cost at most this much more than its first.
LONG_CONVERSATION_LIMIT = 1.2


def rasa_init_project() -> Path:
    """Rasa's template that ``rasa init`` copies (the demo; its ``config.yml`` is the baseline's)."""
    import rasa

    return Path(rasa.__file__).resolve().parent / "cli" / "initial_project"


def rasa_init_config() -> Path:
    return rasa_init_project() / "config.yml"


def baseline_project_dir() -> Path:
    """The baseline's project folder, named by a digest of its inputs.

    A new folder for new inputs, never a folder emptied and refilled: a benchmark running in
    another terminal may be training in the old one.
    """
    digest = hashlib.sha256(rasa_init_config().read_bytes())
    for name in ("domain.yml", "credentials.yml"):
        digest.update((ROOT / name).read_bytes())
    for path in sorted((ROOT / "data").rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(ROOT)).encode() + path.read_bytes())
    return WORK / f"baseline-{digest.hexdigest()[:12]}"


def prepare_baseline(project: Path) -> None:
    """The baseline project: our domain, data and actions, with rasa init's config.yml."""
    if (project / "config.yml").exists():
        return
    project.mkdir(parents=True, exist_ok=True)
    shutil.copy(rasa_init_config(), project / "config.yml")
    for name in ("domain.yml", "credentials.yml"):
        shutil.copy(ROOT / name, project / name)
    # Rasa's own SQL tracker store (SQLite), as shipped: no masking, no shortened trackers.
    (project / "endpoints.yml").write_text(
        "action_endpoint:\n  url: ${ACTION_ENDPOINT_URL}\n"
        f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {WORK / 'var-baseline' / 'tracker.db'}\n"
    )
    shutil.copytree(ROOT / "data", project / "data")


def demo_project_dir() -> Path:
    """The ``rasa init`` demo's folder, named by a digest of Rasa's template."""
    digest = hashlib.sha256()
    template = rasa_init_project()
    for path in sorted(template.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(template)).encode() + path.read_bytes())
    return WORK / f"demo-{digest.hexdigest()[:12]}"


def prepare_demo(project: Path) -> None:
    """What ``rasa init --no-prompt`` writes (a copy of Rasa's template), without its training."""
    if not (project / "config.yml").exists():
        shutil.copytree(rasa_init_project(), project, ignore=shutil.ignore_patterns("__pycache__"),
                        dirs_exist_ok=True)


def base_env() -> Dict[str, str]:
    env = dict(os.environ)
    env.update({"RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2", "TQDM_DISABLE": "1",
                "SQLALCHEMY_SILENCE_UBER_WARNING": "1"})
    return env


def model_for(project: Path) -> Path:
    """Where the project's own ``bot.run`` looks for its model (another checkout may hash other files)."""
    if project.resolve() == ROOT:
        from bot.run import model_path
        from bot.settings import Settings

        return model_path(Settings.from_env({"PROJECT_DIR": str(project)}))
    import subprocess

    code = ("from bot.run import model_path; from bot.settings import Settings; "
            "print(model_path(Settings.from_env({'PROJECT_DIR': '.'})).resolve())")
    output = subprocess.run([sys.executable, "-c", code], cwd=project, capture_output=True, text=True, check=True,
                            env={**base_env(), "PROJECT_DIR": str(project)})
    return Path(output.stdout.strip().splitlines()[-1])


def ensure_model(name: str, project: Path, reuse: bool, env: Dict[str, str]) -> Dict[str, Any]:
    """Train (timed) unless reusing; the model ends where ``bot.run serve`` looks for it."""
    target = trained_model_path(name, project)
    times = json.loads(TIMES_FILE.read_text()) if TIMES_FILE.exists() else {}
    if reuse and target.exists() and target.name in times:
        return {"training_s": times[target.name], "training_reused": True}
    with tempfile.TemporaryDirectory(dir=WORK) as out:
        stem = target.name[: -len(".tar.gz")]
        print(f"[{name}] training ...", flush=True)
        took = procs.train(project, Path(out), stem, env, WORK / f"train-{name}.log")
        trained = Path(out) / target.name
        # The fingerprint includes bot/nlu's source; if it changed during a long training, the
        # runner looks for the new name (the baseline does not use bot/nlu at all).
        target = trained_model_path(name, project)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(trained), target)
    times[target.name] = round(took, 1)
    TIMES_FILE.write_text(json.dumps(times, indent=1))
    print(f"[{name}] trained in {took:.0f} s", flush=True)
    return {"training_s": round(took, 1), "training_reused": False}


def demo_model(project: Path) -> Path:
    return project / "models" / f"{project.name}.tar.gz"


def trained_model_path(name: str, project: Path) -> Path:
    """Where a side's model is trained to: the demo's own folder, else where ``bot.run`` looks."""
    return demo_model(project) if name == "demo" else model_for(project)


def long_conversation_ratio(samples: load.Samples, edge: int = 20) -> Dict[str, float]:
    first = statistics.median(samples.latencies[:edge]) if len(samples.latencies) >= 2 * edge else float("nan")
    last = statistics.median(samples.latencies[-edge:]) if len(samples.latencies) >= 2 * edge else float("nan")
    return {"first_20_median_ms": round(first * 1000, 2), "last_20_median_ms": round(last * 1000, 2),
            "last_over_first": round(last / first, 3) if first else float("nan"),
            "failures": len(samples.failures)}


def measure(name: str, project: Path, env: Dict[str, str], seconds: float, examples: List[load.Example]) -> Dict:
    """Start one assistant and run every measurement against it.

    The demo is started by stock ``rasa run`` alone and gets the same messages as the others (the
    same workload); it has no answer to many of them (counted as ``empty_answers``, timed like
    any other turn) and no accuracy on our held-out set, whose intents it does not know.
    """
    var_dir = WORK / f"var-{name}"
    if var_dir.exists():
        shutil.rmtree(var_dir)
    print(f"[{name}] starting ...", flush=True)
    demo = name == "demo"
    if demo:
        stack = procs.start_stock_rasa(name, project, demo_model(project), var_dir, env)
    else:
        stack = procs.start(name, project, var_dir, env)
    result: Dict[str, Any] = {"ready_s": round(stack.ready_seconds, 1)}
    try:
        url = stack.webhook
        # A connection per message, so that every worker of a multi-worker server is warmed up.
        warm = asyncio.run(load.run_sequential(url, load.one_user_messages(examples, 4, seed=99), demo,
                                               keepalive=False))
        result["warmup_failures"] = warm.failures[:5]
        result["memory_after_warmup"] = stack.memory()
        print(f"[{name}] ready in {result['ready_s']} s; memory {result['memory_after_warmup']}", flush=True)
        one = asyncio.run(load.run_sequential(url, load.one_user_messages(examples, 25, seed=1), demo))
        result["one_user"] = one.summary()
        print(f"[{name}] one user: {result['one_user']}", flush=True)
        for users in (10, 50):
            # One connection per message, as independent users' browsers and channels open theirs:
            # kept-alive connections all go to the worker that accepted first (docs/decisions.md).
            samples = asyncio.run(load.run_users(url, examples, users, seconds, seed=users, keepalive=False,
                                                 allow_empty=demo))
            result[f"users_{users}"] = samples.summary()
            result[f"users_{users}_failure_examples"] = samples.failures[:5]
            print(f"[{name}] {users} users: {result[f'users_{users}']}", flush=True)
        longest = asyncio.run(load.run_sequential(url, load.long_conversation(examples, 200, seed=7), demo))
        result["long_conversation"] = long_conversation_ratio(longest)
        print(f"[{name}] 200 turns: {result['long_conversation']}", flush=True)
        if not demo:
            result["accuracy"] = asyncio.run(load.parse_accuracy(stack.rasa_url, stack.token, examples))
            print(f"[{name}] accuracy: {result['accuracy']['accuracy']}", flush=True)
        result["memory_at_end"] = stack.memory()
    finally:
        stack.stop()
    return result


def flatten(result: Dict[str, Any]) -> Dict[str, float]:
    flat = {
        "training_s": result["training_s"],
        "ready_s": result["ready_s"],
        # After every load run (all workers have served all languages): more than after warm-up.
        "rasa_memory_mb": result["memory_at_end"]["rasa"]["pss_mb"],
        "actions_memory_mb": result["memory_at_end"]["actions"]["pss_mb"],
        "latency_1_user_p50_ms": result["one_user"]["p50_ms"],
        "latency_1_user_p95_ms": result["one_user"]["p95_ms"],
        "latency_1_user_p99_ms": result["one_user"]["p99_ms"],
        "throughput_10_users_per_s": result["users_10"]["throughput_per_s"],
        "p95_10_users_ms": result["users_10"]["p95_ms"],
        "throughput_50_users_per_s": result["users_50"]["throughput_per_s"],
        "p95_50_users_ms": result["users_50"]["p95_ms"],
        "long_conversation_last_over_first": result["long_conversation"]["last_over_first"],
    }
    if "accuracy" in result:
        flat["accuracy"] = result["accuracy"]["accuracy"]
    return flat


def _goal(targets: List[tuple], metric: str, ratio: float) -> str:
    for name, direction, wanted in targets:
        if name == metric:
            ok = ratio <= wanted if direction == "<=" else ratio >= wanted
            return f"{direction} {wanted} {'ok' if ok else 'MISSED'}"
    return ""


def table(sides: Dict[str, Dict[str, float]]) -> str:
    """Each metric for every side measured, with the ratios ours/before, ours/baseline and ours/demo."""
    ours = sides["ours"]
    before = sides.get("before")
    lines = [f"{'metric':<34}" + "".join(f"{name:>11}" for name in sides) + (f"{'/before':>10}" if before else "")
             + f"{'/baseline':>11}  {'target #8':<16}{'/demo':>8}  target #16", "-" * 120]
    for metric, mine in ours.items():
        row = f"{metric:<34}" + "".join(f"{side.get(metric, float('nan')):>11.4g}" for side in sides.values())
        if before:
            row += f"{mine / before[metric] if before.get(metric) else float('nan'):>10.3f}"
        for other, targets, width in (("baseline", TARGETS, 16), ("demo", DEMO_TARGETS, 0)):
            theirs = sides.get(other, {}).get(metric)
            ratio = mine / theirs if theirs else float("nan")
            goal = _goal(targets, metric, ratio) if theirs else ""
            row += f"{ratio:>{11 if other == 'baseline' else 8}.3f}  {goal:<{width}}"
        if metric == "long_conversation_last_over_first":
            row += f"ours <= {LONG_CONVERSATION_LIMIT} {'ok' if mine <= LONG_CONVERSATION_LIMIT else 'MISSED'}"
        if metric == "accuracy":
            row += f"ours >= 0.95 {'ok' if mine >= 0.95 else 'MISSED'}"
        lines.append(row.rstrip())
    return "\n".join(lines)


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="duration of each multi-user run")
    parser.add_argument("--reuse-models", action="store_true", help="reuse trained models and their recorded time")
    parser.add_argument("--only", choices=("ours", "baseline", "demo"), action="append",
                        help="measure only this side (repeatable)")
    parser.add_argument("--before", type=Path, help="another checkout of this project, measured as 'before'")
    args = parser.parse_args(argv)

    WORK.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    examples = load.load_examples()
    record: Dict[str, Any] = {
        "started": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": procs.machine(), "seconds_per_multi_user_run": args.seconds,
        "held_out_examples": len(examples), "turns_per_conversation": load.TURNS,
    }
    baseline_project = baseline_project_dir()
    demo_project = demo_project_dir()
    if not args.only or "baseline" in args.only:
        prepare_baseline(baseline_project)
    if not args.only or "demo" in args.only:
        prepare_demo(demo_project)
    env = base_env()
    # Rasa as shipped for the baseline: its own server code (STOCK_RASA), one Sanic worker,
    # in-memory lock store.
    baseline_env = {k: v for k, v in env.items() if k not in ("SANIC_WORKERS", "RASA_WORKERS", "REDIS_URL")}
    baseline_env.update({"STOCK_RASA": "1", "RASA_WORKERS": "1"})
    sides = {"ours": (ROOT, env), "baseline": (baseline_project, baseline_env), "demo": (demo_project, baseline_env)}
    if args.only:
        sides = {name: side for name, side in sides.items() if name in args.only}
    if args.before:
        sides["before"] = (args.before.resolve(), env)
    for name, (project, side_env) in sides.items():
        trained = ensure_model(name, project, args.reuse_models, side_env)
        record[name] = {**trained}
    for name, (project, side_env) in sides.items():
        record[name].update(measure(name, project, side_env, args.seconds, examples))
    record["date_parser"] = date_parser_cost.measure(examples)
    if "ours" in record:
        dated_mean = record["date_parser"]["date_questions"]["mean_ms"]
        record["date_parser"]["date_question_mean_over_ours_p50"] = round(
            dated_mean / record["ours"]["one_user"]["p50_ms"], 4)
    print(f"date parser: {record['date_parser']}", flush=True)
    record["finished"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    stamp = time.strftime("%Y%m%d-%H%M%S")
    out = RESULTS / f"bench-{stamp}.json"
    if "ours" in record:
        record["table"] = {name: flatten(record[name]) for name in sides}
        print(table(record["table"]))
    out.write_text(json.dumps(record, indent=1, ensure_ascii=False))
    print(f"wrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
