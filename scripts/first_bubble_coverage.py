"""How often an answer's first bubble already holds the facts a question asks for (issue #13).

For each factual question of ``tests/e2e/questions_<lang>.yml``, the entry whose summary and
details hold all its expected facts is the one answered; the script counts the questions whose
facts are all in the summary, and those whose facts are all in the first bubble that
``bot.answer_parts.split_entry`` picks for the question. Offline: no servers, no model.

Usage: ``.venv/bin/python scripts/first_bubble_coverage.py [--misses N]``
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import List, Tuple

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.answer_parts import split_entry  # noqa: E402
from bot.content import get_knowledge_base  # noqa: E402
from bot.content.schema import expand_placeholders  # noqa: E402
from bot.settings import get_settings  # noqa: E402


def main() -> None:
    """Print the counts (and the first N questions whose first bubble misses a fact)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--misses", type=int, default=0, help="print this many missed questions")
    args = parser.parse_args()
    kb = get_knowledge_base()
    total = in_summary = in_first = 0
    misses: List[Tuple[str, str, str, List[str]]] = []
    for language in get_settings().languages:
        path = ROOT / "tests" / "e2e" / f"questions_{language}.yml"
        for item in yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]:
            facts = item["expect"]
            entry = next((entry for entry in kb if all(fact in expand_placeholders(
                f"{entry.summary.get(language, '')} {entry.details.get(language, '')}", kb.entries) for fact in facts)),
                None)
            if entry is None:  # a contact card, opening hours or a list: not a topic's sentences
                continue
            total += 1
            summary = expand_placeholders(entry.summary.get(language, ""), kb.entries)
            first = expand_placeholders(" ".join(split_entry(entry, language, item["q"]).first), kb.entries)
            in_summary += all(fact in summary for fact in facts)
            if all(fact in first for fact in facts):
                in_first += 1
            else:
                misses.append((language, entry.id, item["q"], facts))
    print(f"questions answered from an entry's sentences: {total}")
    print(f"all expected facts in the summary: {in_summary}")
    print(f"all expected facts in the first bubble: {in_first}")
    for miss in misses[: args.misses]:
        print(*miss, sep=" | ")


if __name__ == "__main__":
    main()
