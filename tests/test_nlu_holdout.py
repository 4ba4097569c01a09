"""The held-out NLU sets: never in the training data, and the model meets its targets on them.

Targets (issue #4): intent accuracy and macro-F1 at least 0.95 overall and 0.92 in every
language; language identification at least 0.97 on messages of three words or more. The same
numbers are printed by ``python -m bot.nlu.evaluate`` (docs/nlu.md).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.nlu.evaluate import evaluate, read_holdout
from bot.run import model_path
from bot.settings import Settings, read_languages

ROOT = Path(__file__).resolve().parent.parent
HOLDOUT = ROOT / "tests" / "nlu_holdout"


def normal(text: str) -> str:
    return re.sub(r"[^\w\s]", "", text.lower()).strip()


def training_examples() -> set:
    examples = set()
    for path in (ROOT / "data" / "nlu").glob("*/*.yml"):
        for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
            for line in str(block.get("examples", "")).splitlines():
                if line.strip().startswith("- "):
                    examples.add(normal(line.strip()[2:]))
    return examples


def test_every_language_has_a_holdout_set():
    sets = read_holdout(HOLDOUT)
    for language in read_languages(ROOT):
        assert len(sets.get(language, [])) >= 8 * 13, f"tests/nlu_holdout/{language}.yml is missing or small"


def test_no_holdout_example_is_in_the_training_data():
    training = training_examples()
    leaks = [(language, text) for language, examples in read_holdout(HOLDOUT).items()
             for text, _ in examples if normal(text) in training]
    assert leaks == []


@pytest.mark.slow
def test_the_model_meets_the_targets():
    model = model_path(Settings.from_env({"PROJECT_DIR": str(ROOT)}))
    if not model.exists():
        pytest.fail(f"no trained model at {model}; run 'make train' first (make test does)")
    scores = evaluate(model, HOLDOUT)
    overall = scores.pop("overall")
    assert overall.accuracy >= 0.95 and overall.macro_f1 >= 0.95, overall
    assert overall.lid_accuracy >= 0.97, overall
    for language, score in scores.items():
        assert score.accuracy >= 0.92 and score.macro_f1 >= 0.92, (language, score.accuracy, score.macro_f1)
