"""A follow-up's word for another entry that the topic's own text speaks of (bot/topic_words.py)."""

from __future__ import annotations

import pytest

from bot.content import get_knowledge_base
from bot.topic_words import entry_words, follow_up_speaks_of_topic, speaks_of


def named(text: str, surface: str, value: str, extractor: str = "ContentEntityExtractor") -> dict:
    start = text.lower().index(surface.lower())
    return {"entity": "topic", "value": value, "start": start, "end": start + len(surface), "extractor": extractor}


@pytest.mark.parametrize(("language", "text", "surface"), [
    ("en", "is there a deposit to pay?", "deposit"),
    ("da", "skal man betale depositum?", "depositum"),
    ("pl", "a ile wynosi kaucja?", "kaucja"),
    ("es", "hay que pagar un depósito?", "depósito"),
])
def test_a_deposit_after_danish_lessons_is_the_lessons_deposit(language: str, text: str, surface: str) -> None:
    kb = get_knowledge_base()
    entities = [named(text, surface, "housing")]
    assert follow_up_speaks_of_topic(kb.get("danish_lessons"), kb.entries, text, entities, language)
    # The same word after an entry that never speaks of a deposit: the housing entry's question.
    assert not follow_up_speaks_of_topic(kb.get("public_transport"), kb.entries, text, entities, language)


def test_another_entrys_name_always_switches() -> None:
    kb = get_knowledge_base()
    text = "and the tax card?"
    entities = [named(text, "tax card", "tax_card")]
    # The first-steps answer speaks of the tax card, but "tax card" is the tax-card entry's name.
    assert {"tax", "card"} <= entry_words(kb.get("getting_started"), "en")
    assert not follow_up_speaks_of_topic(kb.get("getting_started"), kb.entries, text, entities, "en")


def test_only_names_found_in_the_message_count() -> None:
    kb = get_knowledge_base()
    text = "is there a deposit to pay?"
    inferred = [named(text, "deposit", "housing", extractor="TopicClassifier")]
    assert not speaks_of(kb.get("danish_lessons"), kb.get("housing"), text, inferred, "en")
    two = [named(text, "deposit", "housing"), {"entity": "topic", "value": "school", "start": 0, "end": 2}]
    assert not follow_up_speaks_of_topic(kb.get("danish_lessons"), kb.entries, text, two, "en")
    assert not follow_up_speaks_of_topic(None, kb.entries, text, [named(text, "deposit", "housing")], "en")


def test_a_word_of_the_entrys_name_switches_also_inside_a_longer_word() -> None:
    kb = get_knowledge_base()
    text = "شكراً. سؤال تاني: بدي استعير كتب من المكتبة"
    entities = [named(text, "المكتبة", "leisure")]
    # Borgerservice's text speaks of the library, but "المكتبة" is in the leisure entry's name
    # ("الأندية والجمعيات والمكتبات"), so this is a question about the libraries.
    assert not follow_up_speaks_of_topic(kb.get("borgerservice"), kb.entries, text, entities, "ar")


def test_an_entrys_words_follow_its_current_wording() -> None:
    """The words are cached by the text, so a reloaded entry with new wording is read afresh."""
    import dataclasses

    entry = get_knowledge_base().get("danish_lessons")
    assert "depositum" in entry_words(entry, "da")
    reworded = dataclasses.replace(entry, summary={**entry.summary, "da": "Gratis undervisning."},
                                   details={**entry.details, "da": ""}, uncertain={}, steps={})
    assert entry_words(reworded, "da") == {"gratis", "undervisning"}
    assert "depositum" in entry_words(entry, "da")
