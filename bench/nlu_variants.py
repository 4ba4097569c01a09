"""Measure NLU design choices on the held-out sets (``make nlu-variants``; results in docs/nlu.md).

Variants, each trained NLU-only from the same data and scored on ``tests/nlu_holdout``:

* ``ours``: config.yml (per-language tokenisation with lookup lemmas, word + char n-grams,
  logistic regression), one model for all languages;
* ``no-lemmas``: the same without lemmas;
* ``diet``: the same features with Rasa's DIETClassifier instead of logistic regression;
* ``per-language``: one model per language (ours), each scored on its own language only, i.e.
  with a perfect router in front (an upper bound for that design).

Writes ``bench/results/nlu-variants-<timestamp>.json`` and prints a table.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.nlu.evaluate import evaluate  # noqa: E402


def base_config() -> Dict[str, Any]:
    return yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))


def variant_configs() -> Dict[str, Dict[str, Any]]:
    ours = base_config()
    no_lemmas = copy.deepcopy(ours)
    for component in no_lemmas["pipeline"]:
        if component["name"].endswith("MultilingualTokenizer"):
            component["use_lemmas"] = False
    diet = copy.deepcopy(ours)
    diet["pipeline"] = [
        {"name": "DIETClassifier", "epochs": 60, "entity_recognition": False, "constrain_similarities": True}
        if component["name"] == "LogisticRegressionClassifier" else component
        for component in diet["pipeline"]
    ]
    return {"ours": ours, "no-lemmas": no_lemmas, "diet": diet}


def train(config: Dict[str, Any], data: List[Path], out: Path, name: str) -> tuple[Path, float]:
    config_path = out / f"{name}.yml"
    config_path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    args = [sys.executable, "-m", "rasa", "train", "nlu", "--config", str(config_path), "--out", str(out),
            "--fixed-model-name", name]
    for path in data:
        args += ["--nlu", str(path)]
    env = dict(os.environ, RASA_TELEMETRY_ENABLED="false", TF_CPP_MIN_LOG_LEVEL="2", TQDM_DISABLE="1")
    started = time.perf_counter()
    subprocess.run(args, cwd=ROOT, env=env, check=True, capture_output=True)
    return out / f"{name}.tar.gz", time.perf_counter() - started


def main() -> int:
    holdout = ROOT / "tests" / "nlu_holdout"
    results: Dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        for name, config in variant_configs().items():
            model, seconds = train(config, [ROOT / "data" / "nlu"], out, name)
            scores = evaluate(model, holdout)
            results[name] = {"train_seconds": round(seconds, 1),
                             **{lang: {"accuracy": s.accuracy, "macro_f1": s.macro_f1, "lid": s.lid_accuracy}
                                for lang, s in scores.items()}}
            print(name, json.dumps(results[name]), flush=True)
        per_language: Dict[str, Any] = {}
        total_seconds = 0.0
        pairs = 0
        correct = 0
        for language_dir in sorted((ROOT / "data" / "nlu").iterdir()):
            language = language_dir.name
            single = out / f"holdout-{language}"
            single.mkdir()
            if not (holdout / f"{language}.yml").exists():
                continue
            shutil.copy(holdout / f"{language}.yml", single / f"{language}.yml")
            model, seconds = train(base_config(), [language_dir], out, f"per-{language}")
            total_seconds += seconds
            score = evaluate(model, single)[language]
            per_language[language] = {"accuracy": score.accuracy, "macro_f1": score.macro_f1}
            pairs += score.examples
            correct += round(score.accuracy * score.examples)
        per_language["overall"] = {"accuracy": correct / max(1, pairs)}
        results["per-language"] = {"train_seconds": round(total_seconds, 1), **per_language}
        print("per-language", json.dumps(results["per-language"]), flush=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    target = ROOT / "bench" / "results" / f"nlu-variants-{stamp}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(results, indent=1, ensure_ascii=False), encoding="utf-8")
    print(f"written {target.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
