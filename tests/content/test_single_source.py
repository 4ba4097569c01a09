"""Every phone number and e-mail exists once in the content; change it there and every answer follows."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections import Counter
from pathlib import Path

from bot.answers import contact_answer, more_answer, topic_answer
from bot.content.loader import load_knowledge_base
from bot.hours_answer import hours_answer
from bot.settings import read_languages

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = read_languages(ROOT)
PHONE = re.compile(r"\+\d{2}(?: \d{2,4}){2,5}")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def test_each_phone_number_and_email_is_written_once():
    text = "\n".join(path.read_text(encoding="utf-8") for path in sorted((ROOT / "data" / "content").glob("*.yml")))
    counts = Counter(PHONE.findall(text) + EMAIL.findall(text))
    assert {value: n for value, n in counts.items() if n > 1} == {}


def all_answers(kb) -> str:
    moment = dt.datetime(2026, 12, 1, 10, 0)
    parts = []
    for entry in kb:
        for language in LANGUAGES:
            parts.append(topic_answer(kb, entry, language).text)
            parts.append(more_answer(kb, entry, language).text)
            parts.append(contact_answer(entry, language, kb).text)
            parts.append(hours_answer(entry, language, moment, kb=kb).text)
    return "\n".join(parts)


def test_changing_a_number_in_one_file_changes_every_answer(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(ROOT / "data" / "content", content)
    before = all_answers(load_knowledge_base(content, LANGUAGES))
    old, new = "+45 99 31 15 70", "+45 11 11 11 11"  # BusinessAalborg's switchboard
    assert before.count(old) > 8  # its own card and the cooperation contact's text, in every language
    path = content / "organisations.yml"
    assert path.read_text(encoding="utf-8").count(old) == 1
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    after = all_answers(load_knowledge_base(content, LANGUAGES))
    assert old not in after
    assert after.count(new) == before.count(old)
    assert "{phone:" not in after and "{email:" not in after
