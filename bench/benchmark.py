"""``make bench``: our assistant against Rasa's default configuration, measured in one run.

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

    python bench/benchmark.py [--seconds 30] [--reuse-models] [--only ours|baseline]

``--reuse-models`` skips training when a model for the current inputs exists and reports the
training time recorded when it was trained (marked as reused).
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
RASA_INIT_CONFIG = "rasa/cli/initial_project/config.yml"

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


def rasa_init_config() -> Path:
    import rasa

    return Path(rasa.__file__).resolve().parent / "cli" / "initial_project" / "config.yml"


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


def base_env() -> Dict[str, str]:
    env = dict(os.environ)
    env.update({"RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2", "TQDM_DISABLE": "1",
                "SQLALCHEMY_SILENCE_UBER_WARNING": "1"})
    return env


def model_for(project: Path) -> Path:
    from bot.run import model_path
    from bot.settings import Settings

    return model_path(Settings.from_env({"PROJECT_DIR": str(project)}))


def ensure_model(name: str, project: Path, reuse: bool, env: Dict[str, str]) -> Dict[str, Any]:
    """Train (timed) unless reusing; the model ends where ``bot.run serve`` looks for it."""
    target = model_for(project)
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
        target = model_for(project)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(trained), target)
    times[target.name] = round(took, 1)
    TIMES_FILE.write_text(json.dumps(times, indent=1))
    print(f"[{name}] trained in {took:.0f} s", flush=True)
    return {"training_s": round(took, 1), "training_reused": False}


def long_conversation_ratio(samples: load.Samples, edge: int = 20) -> Dict[str, float]:
    first = statistics.median(samples.latencies[:edge]) if len(samples.latencies) >= 2 * edge else float("nan")
    last = statistics.median(samples.latencies[-edge:]) if len(samples.latencies) >= 2 * edge else float("nan")
    return {"first_20_median_ms": round(first * 1000, 2), "last_20_median_ms": round(last * 1000, 2),
            "last_over_first": round(last / first, 3) if first else float("nan"),
            "failures": len(samples.failures)}


def measure(name: str, project: Path, env: Dict[str, str], seconds: float, examples: List[load.Example]) -> Dict:
    """Start one assistant and run every measurement against it."""
    var_dir = WORK / f"var-{name}"
    if var_dir.exists():
        shutil.rmtree(var_dir)
    print(f"[{name}] starting ...", flush=True)
    stack = procs.start(name, project, var_dir, env)
    result: Dict[str, Any] = {"ready_s": round(stack.ready_seconds, 1)}
    try:
        url = stack.webhook
        warm = asyncio.run(load.run_sequential(url, load.one_user_messages(examples, 4, seed=99)))
        result["warmup_failures"] = warm.failures[:5]
        result["memory_after_warmup"] = stack.memory()
        print(f"[{name}] ready in {result['ready_s']} s; memory {result['memory_after_warmup']}", flush=True)
        one = asyncio.run(load.run_sequential(url, load.one_user_messages(examples, 25, seed=1)))
        result["one_user"] = one.summary()
        print(f"[{name}] one user: {result['one_user']}", flush=True)
        for users in (10, 50):
            samples = asyncio.run(load.run_users(url, examples, users, seconds, seed=users))
            result[f"users_{users}"] = samples.summary()
            result[f"users_{users}_failure_examples"] = samples.failures[:5]
            print(f"[{name}] {users} users: {result[f'users_{users}']}", flush=True)
        longest = asyncio.run(load.run_sequential(url, load.long_conversation(examples, 200, seed=7)))
        result["long_conversation"] = long_conversation_ratio(longest)
        print(f"[{name}] 200 turns: {result['long_conversation']}", flush=True)
        result["accuracy"] = asyncio.run(load.parse_accuracy(stack.rasa_url, stack.token, examples))
        print(f"[{name}] accuracy: {result['accuracy']['accuracy']}", flush=True)
        result["memory_at_end"] = stack.memory()
    finally:
        stack.stop()
    return result


def flatten(result: Dict[str, Any]) -> Dict[str, float]:
    return {
        "training_s": result["training_s"],
        "ready_s": result["ready_s"],
        "rasa_memory_mb": result["memory_after_warmup"]["rasa"]["pss_mb"],
        "actions_memory_mb": result["memory_after_warmup"]["actions"]["pss_mb"],
        "latency_1_user_p50_ms": result["one_user"]["p50_ms"],
        "latency_1_user_p95_ms": result["one_user"]["p95_ms"],
        "latency_1_user_p99_ms": result["one_user"]["p99_ms"],
        "throughput_10_users_per_s": result["users_10"]["throughput_per_s"],
        "p95_10_users_ms": result["users_10"]["p95_ms"],
        "throughput_50_users_per_s": result["users_50"]["throughput_per_s"],
        "p95_50_users_ms": result["users_50"]["p95_ms"],
        "long_conversation_last_over_first": result["long_conversation"]["last_over_first"],
        "accuracy": result["accuracy"]["accuracy"],
    }


def table(ours: Dict[str, float], baseline: Dict[str, float]) -> str:
    targets = {metric: (direction, ratio) for metric, direction, ratio in TARGETS}
    lines = [f"{'metric':<36}{'ours':>12}{'baseline':>12}{'ours/base':>11}  target", "-" * 86]
    for metric in ours:
        mine, theirs = ours[metric], baseline.get(metric, float("nan"))
        ratio = mine / theirs if theirs else float("nan")
        goal = ""
        if metric in targets:
            direction, wanted = targets[metric]
            ok = ratio <= wanted if direction == "<=" else ratio >= wanted
            goal = f"{direction} {wanted}  {'ok' if ok else 'MISSED'}"
        if metric == "long_conversation_last_over_first":
            goal = f"ours <= 1.5  {'ok' if mine <= 1.5 else 'MISSED'}"
        if metric == "accuracy":
            goal += f"; ours >= 0.95 {'ok' if mine >= 0.95 else 'MISSED'}"
        lines.append(f"{metric:<36}{mine:>12.4g}{theirs:>12.4g}{ratio:>11.3f}  {goal}")
    return "\n".join(lines)


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="duration of each multi-user run")
    parser.add_argument("--reuse-models", action="store_true", help="reuse trained models and their recorded time")
    parser.add_argument("--only", choices=("ours", "baseline"), help="measure one side only")
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
    if args.only != "ours":
        prepare_baseline(baseline_project)
    env = base_env()
    # Rasa as shipped for the baseline: its own server code (STOCK_RASA), one Sanic worker,
    # in-memory lock store.
    baseline_env = {k: v for k, v in env.items() if k not in ("SANIC_WORKERS", "RASA_WORKERS", "REDIS_URL")}
    baseline_env["STOCK_RASA"] = "1"
    sides = {"ours": (ROOT, env), "baseline": (baseline_project, baseline_env)}
    if args.only:
        sides = {args.only: sides[args.only]}
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
    if "ours" in record and "baseline" in record:
        record["table"] = {"ours": flatten(record["ours"]), "baseline": flatten(record["baseline"])}
        print(table(record["table"]["ours"], record["table"]["baseline"]))
    out.write_text(json.dumps(record, indent=1, ensure_ascii=False))
    print(f"wrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
