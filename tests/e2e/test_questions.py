"""70 distinct English questions across the three areas, asked through the running assistant.

Each reply must contain the exact facts listed in tests/e2e/questions_en.yml (phone numbers,
addresses, hours, e-mails, URLs, figures), as they stand in the content files.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.e2e.conftest import as_json, ask_and_expand, reply_text

pytestmark = pytest.mark.e2e

QUESTIONS = yaml.safe_load((Path(__file__).parent / "questions_en.yml").read_text(encoding="utf-8"))["questions"]


def test_there_are_at_least_60_distinct_questions():
    assert len({item["q"].lower() for item in QUESTIONS}) >= 60


@pytest.mark.parametrize("item", QUESTIONS, ids=[item["q"][:60] for item in QUESTIONS])
def test_question_gets_the_exact_facts(stack, item):
    messages = ask_and_expand(stack, item["q"])
    text = reply_text(messages)
    missing = [fact for fact in item["expect"] if fact not in text]
    assert not missing, f"missing {missing} in the reply to {item['q']!r}:\n{as_json(messages)}"
