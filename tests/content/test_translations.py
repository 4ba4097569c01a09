"""The same facts in every language: a translation may reword, never change a fact."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, List, Set

import pytest

from bot.content.loader import load_knowledge_base
from bot.content.schema import PLACEHOLDER_RE, Entry
from bot.settings import read_languages

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = read_languages(ROOT)
KB = load_knowledge_base(ROOT / "data" / "content", LANGUAGES)

PHONE = re.compile(r"\+\d{2}(?: \d{1,4}){2,6}")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
URL = re.compile(r"https?://[^\s)<>\"']+[^\s)<>\"'.,;:]")
# Numbers of 1,000 or more (years, amounts, counts), whatever the language's digit grouping:
# "4,500" (en), "4.500" (da, de), "4 500" (pl), "4500" (es) are all 4500.
BIG_NUMBER = re.compile(r"(?<![\d.,])\d{1,3}(?:[.,\u00a0\u202f ]\d{3})+(?![\d])|(?<![\d.,])\d{4,}(?![\d])")
PERCENT = re.compile(r"(\d+)\s?%")


def texts(entry: Entry, language: str) -> List[str]:
    out = [entry.summary.get(language, ""), entry.details.get(language, ""), entry.uncertain.get(language, "")]
    out += [group.get(language, "") for group in entry.steps.values()]
    return out


def facts(entry: Entry, language: str) -> Dict[str, Set[str]]:
    joined = "\n".join(texts(entry, language))
    return {
        "phones": set(PHONE.findall(joined)),
        "e-mails": set(EMAIL.findall(joined)),
        "urls": {url.rstrip("/") for url in URL.findall(joined)},
        "numbers": {n for n in (re.sub(r"\D", "", m) for m in BIG_NUMBER.findall(joined)) if int(n) >= 1000},
        "percentages": set(PERCENT.findall(joined)),
        "placeholders": set(PLACEHOLDER_RE.findall(joined)),
    }


@pytest.mark.parametrize("entry_id", sorted(KB.entries))
def test_every_language_states_the_same_facts(entry_id):
    entry = KB.entries[entry_id]
    english = facts(entry, "en")
    for language in LANGUAGES[1:]:
        assert facts(entry, language) == english, f"{entry_id}: facts in {language} differ from English"


@pytest.mark.parametrize("entry_id", sorted(KB.entries))
def test_every_language_has_its_own_text(entry_id):
    entry = KB.entries[entry_id]
    for language in LANGUAGES[1:]:
        assert entry.summary[language] != entry.summary["en"], f"{entry_id}: summary in {language} is not translated"
        assert entry.names[language].strip()
