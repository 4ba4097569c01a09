"""Parts of a message that put a named topic aside (bot/nlu/set_aside.py), in every language."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional, Tuple

import pytest

from bot.nlu.set_aside import set_aside_spans, set_aside_words, without_spans
from bot.nlu.topic_classifier import TopicClassifier, message_language
from bot.settings import read_languages


def names_in(text: str, *names: str) -> List[Tuple[int, int]]:
    """The spans of the given names in the text (as the gazetteer would report them)."""
    spans = []
    for name in names:
        start = text.index(name)
        spans.append((start, start + len(name)))
    return spans


def set_aside(text: str, language: Optional[str], *names: str) -> List[str]:
    return [text[start:end] for start, end in set_aside_spans(text, language, names_in(text, *names))]


# (language, message, names the gazetteer finds, the part set aside)
SET_ASIDE = [
    ("en", "the driving licence I'll swap later, where can I look for jobs in English?",
     ("driving licence",), "the driving licence I'll swap later"),
    ("en", "Forget the tax card for now, how do I sign up for Danish lessons?",
     ("tax card", "Danish lessons"), "Forget the tax card for now"),
    ("en", "not MitID but the tax card: where do I apply?", ("MitID", "tax card"), "not MitID"),
    ("da", "det er ikke skattekortet jeg tænker på, hvordan får jeg NemKonto?",
     ("skattekortet", "NemKonto"), "det er ikke skattekortet jeg tænker på"),
    ("da", "kørekortet ordner jeg senere. hvor søger jeg job?", ("kørekortet",), "kørekortet ordner jeg senere"),
    ("de", "Nicht die Steuerkarte, sondern MitID: wie beantrage ich das?", ("Steuerkarte", "MitID"),
     "Nicht die Steuerkarte"),
    ("de", "Vergiss den Führerschein, wo lerne ich Dänisch?", ("Führerschein",), "Vergiss den Führerschein"),
    ("es", "no es sobre el colegio de mi hijo, ¿cuánto cuestan las clases de danés?",
     ("colegio", "clases de danés"), "no es sobre el colegio de mi hijo"),
    ("es", "el carnet de conducir lo veo luego; ¿dónde busco trabajo?", ("carnet de conducir",),
     "el carnet de conducir lo veo luego"),
    ("pl", "nie chodzi mi o NemKonto, gdzie dostanę numer CPR?", ("NemKonto", "CPR"), "nie chodzi mi o NemKonto"),
    ("pl", "prawo jazdy wymienię później, gdzie szukać pracy?", ("prawo jazdy",), "prawo jazdy wymienię później"),
    ("ro", "nu caut Spouse Space, vreau să cunosc danezi", ("Spouse Space",), "nu caut Spouse Space"),
    ("ro", "de permis mă ocup mai târziu, unde caut de lucru?", ("permis",), "de permis mă ocup mai târziu"),
    ("uk", "не про податкову картку, а про MitID: як його отримати?", ("податкову картку", "MitID"),
     "не про податкову картку"),
    ("uk", "водійські права обміняю пізніше. де шукати роботу?", ("водійські права",),
     "водійські права обміняю пізніше"),
    ("ar", "سؤالي مش عن الضريبة، بل عن دروس اللغة: كم تكلف؟", ("الضريبة", "دروس اللغة"), "سؤالي مش عن الضريبة"),
    ("ar", "رخصة القيادة بعدين. وين بلاقي شغل؟", ("رخصة القيادة",), "رخصة القيادة بعدين"),
]

# Messages that keep every name: lack is not setting aside, "first" orders both, a bare negation
# without a contrast, a later-clause that names nothing.
KEPT = [
    ("en", "I don't have a CPR number yet, how do I get MitID?", ("CPR", "MitID")),
    ("en", "CPR first and the NemKonto later?", ("CPR", "NemKonto")),
    ("en", "I have not got MitID yet, how do I get it?", ("MitID",)),
    ("de", "Ich habe noch keine CPR-Nummer, wie bekomme ich MitID?", ("CPR", "MitID")),
    ("es", "primero el CPR y luego el NemKonto?", ("CPR", "NemKonto")),
    ("pl", "nie mam jeszcze CPR, jak dostać MitID?", ("CPR", "MitID")),
    ("en", "where do I get the tax card? I'll ask about the rest later", ("tax card",)),
]


@pytest.mark.parametrize(("language", "text", "names", "expected"), SET_ASIDE,
                         ids=[f"{case[0]}-{index}" for index, case in enumerate(SET_ASIDE)])
def test_a_named_topic_put_aside_is_found(language: str, text: str, names: Tuple[str, ...], expected: str) -> None:
    assert set_aside(text, language, *names) == [expected]


@pytest.mark.parametrize(("language", "text", "names"), KEPT, ids=[f"{case[0]}-{i}" for i, case in enumerate(KEPT)])
def test_lack_order_and_bare_negation_set_nothing_aside(language: str, text: str, names: Tuple[str, ...]) -> None:
    assert set_aside(text, language, *names) == []


def test_without_a_known_language_every_languages_words_count() -> None:
    text = "kørekortet ordner jeg senere. hvor søger jeg job?"
    assert set_aside(text, None, "kørekortet") == ["kørekortet ordner jeg senere"]


def test_blanking_keeps_the_offsets_of_what_is_left() -> None:
    text = "Forget the tax card for now, how do I sign up for Danish lessons?"
    read = without_spans(text, set_aside_spans(text, "en", names_in(text, "tax card", "Danish lessons")))
    assert len(read) == len(text)
    assert read.index("Danish lessons") == text.index("Danish lessons")
    assert "tax card" not in read


def test_the_classifier_reads_the_message_without_the_part_put_aside() -> None:
    text = "Forget the tax card for now, how do I sign up for Danish lessons?"
    spans = names_in(text, "tax card", "Danish lessons")
    found = [{"entity": "topic", "value": value, "start": start, "end": end}
             for value, (start, end) in zip(("tax_card", "danish_lessons"), spans, strict=True)]
    read, kept = TopicClassifier.without_set_aside(text, found, "en")
    assert [entity["value"] for entity in kept] == ["danish_lessons"]
    assert read.strip() == ", how do I sign up for Danish lessons?"


def test_a_message_that_would_be_left_with_less_than_two_words_is_read_whole() -> None:
    text = "Forget MitID, please!"
    found = [{"entity": "topic", "value": "mitid", "start": 7, "end": 12}]
    assert set_aside_spans(text, "en", [(7, 12)]) == [(0, 12)]
    read, kept = TopicClassifier.without_set_aside(text, found, "en")
    assert read == text
    assert kept == found


def test_the_language_comes_from_the_language_detector() -> None:
    entities = [{"entity": "topic", "value": "cpr"}, {"entity": "detected_language", "value": "pl"}]
    assert message_language(entities) == "pl"
    assert message_language([{"entity": "topic", "value": "cpr"}]) is None


def test_every_language_has_every_kind_of_word() -> None:
    languages = set(read_languages(Path(__file__).resolve().parent.parent))
    for kind, by_language in set_aside_words().items():
        assert set(by_language) == languages, kind
        assert all(by_language[language] for language in languages), kind


def test_a_question_about_later_sets_nothing_aside() -> None:
    assert set_aside("can I change my family doctor later? the one I got is far away", "en", "family doctor") == []
    assert set_aside("¿puedo cambiar de médico de cabecera después? el que tengo está lejos", "es",
                     "médico de cabecera") == []
