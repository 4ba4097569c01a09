"""Evaluate NLU on the held-out sets: ``python -m bot.nlu.evaluate [--model PATH] [--json FILE]``.

Reads ``tests/nlu_holdout/<lang>.yml`` (never used for training), parses every example with the
trained model, and prints intent accuracy and macro-F1 per language and overall, plus the
language-identification accuracy of the LanguageDetector on examples of three words or more.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from bot.yaml_files import read_yaml

_WORD_RE = re.compile(r"[^\W\d_]+", re.UNICODE)


@dataclass
class LanguageScore:
    """Scores of one language (or ``overall``)."""

    examples: int = 0
    accuracy: float = 0.0
    macro_f1: float = 0.0
    lid_examples: int = 0
    lid_accuracy: float = 0.0
    errors: List[Tuple[str, str, str]] = field(default_factory=list)


def read_holdout(folder: Path) -> Dict[str, List[Tuple[str, str]]]:
    """Read ``<lang>.yml`` held-out files: language -> [(text, intent)]."""
    sets: Dict[str, List[Tuple[str, str]]] = {}
    for path in sorted(folder.glob("*.yml")):
        data = read_yaml(path) or {}
        examples = []
        for block in data.get("nlu", []):
            for line in str(block.get("examples", "")).splitlines():
                text = line.strip()
                if text.startswith("- "):
                    examples.append((text[2:].strip(), str(block["intent"])))
        sets[path.stem] = examples
    return sets


def macro_f1(pairs: Sequence[Tuple[str, str]]) -> float:
    """Macro-averaged F1 over the gold intents of ``(gold, predicted)`` pairs."""
    labels = sorted({gold for gold, _ in pairs})
    scores = []
    for label in labels:
        tp = sum(1 for gold, pred in pairs if gold == label and pred == label)
        fp = sum(1 for gold, pred in pairs if gold != label and pred == label)
        fn = sum(1 for gold, pred in pairs if gold == label and pred != label)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        scores.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return sum(scores) / len(scores) if scores else 0.0


async def _parse_all(model: Path, texts: Sequence[str]) -> List[dict]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    return [await agent.parse_message(text) for text in texts]


def evaluate(model: Path, holdout: Path) -> Dict[str, LanguageScore]:
    """Score the model on every held-out language; returns per-language and ``overall`` scores."""
    sets = read_holdout(holdout)
    flat = [(language, text, intent) for language, examples in sets.items() for text, intent in examples]
    parsed = asyncio.run(_parse_all(model, [text for _, text, _ in flat]))
    pairs: Dict[str, List[Tuple[str, str]]] = defaultdict(list)
    lid: Dict[str, List[bool]] = defaultdict(list)
    scores: Dict[str, LanguageScore] = {}
    for (language, text, gold), result in zip(flat, parsed, strict=True):
        predicted = (result.get("intent") or {}).get("name") or ""
        pairs[language].append((gold, predicted))
        if gold != predicted:
            scores.setdefault(language, LanguageScore()).errors.append((text, gold, predicted))
        if len(_WORD_RE.findall(text)) >= 3:
            detected = next(
                (e["value"] for e in result.get("entities", []) if e.get("entity") == "detected_language"), None
            )
            lid[language].append(detected == language)
    all_pairs = [pair for language_pairs in pairs.values() for pair in language_pairs]
    all_lid = [hit for hits in lid.values() for hit in hits]
    for language, language_pairs in [*pairs.items(), ("overall", all_pairs)]:
        score = scores.setdefault(language, LanguageScore())
        hits = all_lid if language == "overall" else lid[language]
        score.examples = len(language_pairs)
        score.accuracy = sum(1 for gold, pred in language_pairs if gold == pred) / max(1, len(language_pairs))
        score.macro_f1 = macro_f1(language_pairs)
        score.lid_examples = len(hits)
        score.lid_accuracy = sum(hits) / max(1, len(hits))
    return scores


def format_table(scores: Dict[str, LanguageScore]) -> str:
    """A plain-text table of the scores."""
    lines = [f"{'language':<9} {'examples':>8} {'accuracy':>9} {'macro-F1':>9} {'LID n':>6} {'LID acc':>8}"]
    for language, score in scores.items():
        lines.append(
            f"{language:<9} {score.examples:>8} {score.accuracy:>9.3f} {score.macro_f1:>9.3f} "
            f"{score.lid_examples:>6} {score.lid_accuracy:>8.3f}"
        )
    return "\n".join(lines)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Print the held-out scores of a model (the current one by default)."""
    from bot.run import model_path
    from bot.settings import get_settings

    parser = argparse.ArgumentParser(prog="python -m bot.nlu.evaluate", description=__doc__)
    parser.add_argument("--model", type=Path, help="model archive (default: the one for the current data)")
    parser.add_argument("--holdout", type=Path, default=Path("tests/nlu_holdout"))
    parser.add_argument("--json", type=Path, help="also write the scores (and errors) as JSON")
    parser.add_argument("--errors", action="store_true", help="print every misclassified example")
    args = parser.parse_args(argv)
    model = args.model or model_path(get_settings())
    if not model.exists():
        print(f"error: no model at {model}; run 'make train'", file=sys.stderr)
        return 1
    scores = evaluate(model, args.holdout)
    print(format_table(scores))
    if args.errors:
        for language, score in scores.items():
            for text, gold, predicted in score.errors:
                print(f"{language}: {text!r}: expected {gold}, got {predicted}")
    if args.json:
        args.json.write_text(json.dumps({k: asdict(v) for k, v in scores.items()}, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
