"""The NLU inbox's YAML export: Rasa's own reader accepts it and every text survives."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Sequence

import pytest
from rasa.shared.nlu.training_data.loading import load_data

from bot.console.inbox import annotate, export_yaml, inbox_counts
from bot.console.review_db import Correction, EntityAnnotation, parse_entities

MOMENT = dt.datetime(2026, 11, 27, 10, 0)


def correction(text: str, intent: str, entities: Sequence[EntityAnnotation] = (), language: str = "en",
               number: int = 1) -> Correction:
    return Correction(number, "s", number, text, language, "nlu_fallback", intent, tuple(entities), "rita", MOMENT,
                      None)


TRICKY = [
    'he said: "yes" # not a comment',
    "key: value | > & * ! % @ `tick`",
    "- starts with a dash",
    "{curly: 1} [square] 'single'",
    "<script>alert(1)</script>",
    "Hvor får jeg et CPR-nummer? æøå",
    "Де знаходиться International House?",
    "أين يقع البيت الدولي؟",
    "true",
    "null",
    "  spaces  around  ",
]


def test_export_is_read_by_rasa_with_every_text_intact(tmp_path: Path) -> None:
    items = [correction(text, "ask_topic", number=index) for index, text in enumerate(TRICKY)]
    text = "where is International House?"
    items.append(correction(text, "ask_address", parse_entities("topic: International House", text), number=99))
    body = export_yaml(items, "en", MOMENT)
    path = tmp_path / "corrections.yml"
    path.write_text(body, encoding="utf-8")
    data = load_data(str(path))
    examples = {(m.get("text"), m.get("intent")) for m in data.training_examples}
    expected = {(" ".join(t.split()), "ask_topic") for t in TRICKY} | {(text, "ask_address")}
    assert examples == expected
    annotated = next(m for m in data.training_examples if m.get("intent") == "ask_address")
    assert annotated.get("entities") == [{"start": 9, "end": 28, "value": "International House", "entity": "topic"}]
    assert body.startswith("# Corrected messages in language 'en', exported from the staff console on "
                           "2026-11-27T10:00:00Z.\n")
    assert '\nversion: "3.1"\n\nnlu:\n- intent: ask_address\n  examples: |\n' \
           "    - where is [International House](topic)?\n- intent: ask_topic\n" in body


def test_exact_file_format() -> None:
    items = [correction("where is it", "ask_address"), correction("where is it", "ask_address", number=2),
             correction("hi", "greet", number=3)]
    assert export_yaml(items, "en", MOMENT).splitlines()[2:] == [
        'version: "3.1"', "", "nlu:", "- intent: ask_address", "  examples: |", "    - where is it",
        "- intent: greet", "  examples: |", "    - hi",
    ]


def test_empty_export_is_valid(tmp_path: Path) -> None:
    path = tmp_path / "empty.yml"
    path.write_text(export_yaml([], "da", MOMENT), encoding="utf-8")
    assert load_data(str(path)).training_examples == []


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("see [a](b) now", "see [a] (b) now"),  # would otherwise become an entity
        ("one\ntwo\r\nthree\u2028four\tfive", "one two three four five"),
        ("bell\x07 and nul\x00", "bell and nul"),
    ],
)
def test_text_is_made_a_safe_single_line(text: str, line: str) -> None:
    assert annotate(text, []) == line


def test_unknown_annotation_syntax_is_broken_in_rasa_too(tmp_path: Path) -> None:
    path = tmp_path / "x.yml"
    path.write_text(export_yaml([correction("see [a](b) and [c]{\"entity\": \"d\"}", "greet")], "en", MOMENT),
                    encoding="utf-8")
    example = load_data(str(path)).training_examples[0]
    assert example.get("text") == 'see [a] (b) and [c] {"entity": "d"}'
    assert example.get("entities") in (None, [])


def test_inbox_counts() -> None:
    items = [correction("a", "greet", language="da"), correction("b", "greet", language="en"),
             correction("c", "greet", language="da")]
    assert inbox_counts(items) == {"da": 2, "en": 1}
