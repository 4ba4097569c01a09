"""The widget's own labels (LABELS in widget.js) exist, non-empty, in every supported language."""

from __future__ import annotations

import re
from pathlib import Path

from bot.settings import read_languages

ROOT = Path(__file__).resolve().parent.parent
WIDGET = ROOT / "bot" / "web" / "static" / "widget" / "widget.js"


def labels() -> dict:
    source = WIDGET.read_text(encoding="utf-8")
    block = source[source.index("var LABELS = {"): source.index("\n  };", source.index("var LABELS = {"))]
    table: dict = {}
    language = None
    for line in block.splitlines():
        start = re.match(r"^    ([a-z]{2}): \{", line)
        if start:
            language = start.group(1)
            table[language] = {}
            continue
        entry = re.match(r"^      (\w+): (['\"])(.*)\2,?$", line)
        if entry and language:
            table[language][entry.group(1)] = entry.group(3)
    return table


def test_every_language_has_every_label():
    table = labels()
    english = table["en"]
    assert len(english) > 20
    for language in read_languages(ROOT):
        assert language in table, f"widget.js has no labels for {language}"
        missing = [key for key in english if not table[language].get(key, "").strip()]
        assert not missing, f"widget labels missing in {language}: {missing}"
