"""A follow-up naming another entry: a condition of the topic, or a new topic; questions placed outside."""

from __future__ import annotations

from typing import Any, Dict

import pytest

from bot.answer_parts import gets_the_name
from bot.follow_ups import names_a_condition, placed_outside


def parse(text: str, name: str, entry: str, follow_up: float = 0.9, none: float = 0.0) -> Dict[str, Any]:
    """The parse data of ``text`` naming ``entry`` by ``name`` (a gazetteer entity)."""
    start = text.index(name)
    return {
        "text": text,
        "entities": [{"entity": "topic", "value": entry, "start": start, "end": start + len(name),
                      "extractor": "ContentEntityExtractor"}],
        "topic_ranking": {"outcome": "answer", "follow_up": follow_up, "none": none},
    }


def test_a_name_after_a_verb_of_getting_is_what_the_user_wants_to_get():
    assert gets_the_name("ok and after that, how do I open a NemKonto?", 35, "en")
    assert gets_the_name("vale, y despues donde saco el CPR?", 30, "es")
    assert gets_the_name("OK, a jak założyć NemKonto?", 18, "pl")
    # Three words between the verb and the name, or no verb: a condition.
    assert not gets_the_name("can I get it without a CPR?", 23, "en")
    assert not gets_the_name("geht das auch ohne CPR?", 19, "de")


def test_a_named_entry_is_a_condition_unless_the_message_asks_how_to_get_it():
    """"OK, a jak założyć NemKonto?" after the tax card stayed on the tax card (make eval, 2026-12-06)."""
    assert names_a_condition(parse("y si todavía no tengo CPR?", "CPR", "cpr"), "mitid", "es")
    assert names_a_condition(parse("a bez CPR się da?", "CPR", "cpr"), "nemkonto", "pl")
    assert not names_a_condition(parse("OK, a jak założyć NemKonto?", "NemKonto", "nemkonto"), "tax_card", "pl")
    assert not names_a_condition(parse("how do I open a NemKonto?", "NemKonto", "nemkonto"), "cpr", "en")
    # Without the conversation's language the verbs are not read (the rule as it was).
    assert names_a_condition(parse("how do I open a NemKonto?", "NemKonto", "nemkonto"), "cpr")
    # No topic before, the topic itself, or a weak follow-up reading: no condition.
    assert not names_a_condition(parse("y si todavía no tengo CPR?", "CPR", "cpr"), None, "es")
    assert not names_a_condition(parse("y si todavía no tengo CPR?", "CPR", "cpr"), "cpr", "es")
    assert not names_a_condition(parse("y si todavía no tengo CPR?", "CPR", "cpr", follow_up=0.1), "mitid", "es")


def test_a_question_naming_nothing_is_placed_outside_when_the_topic_model_says_so():
    outside = {"text": "where is a dentist today?", "entities": [], "topic_ranking": {"none": 0.58}}
    assert placed_outside(outside)
    assert not placed_outside({**outside, "topic_ranking": {"none": 0.0}})
    assert not placed_outside({**outside, "topic_ranking": None})  # no topic model in the pipeline
    assert not placed_outside(parse("where is the CPR office?", "CPR", "cpr", none=0.9))


#: Per language: a follow-up asking whether something can be done before the CPR number comes, and a
#: question asking where to get it.
BEFORE_GETTING = {
    "en": ("can I apply for it before I get my CPR?", "where do I get my CPR?"),
    "da": ("kan jeg søge inden jeg får CPR?", "hvor får jeg CPR?"),
    "de": ("kann ich das machen, bevor ich die CPR bekomme?", "wo bekomme ich die CPR?"),
    "es": ("¿lo puedo hacer antes de sacar el CPR?", "¿dónde saco el CPR?"),
    "pl": ("mogę to załatwić zanim dostanę CPR?", "gdzie dostanę CPR?"),
    "ro": ("pot să-l cer înainte să primesc CPR?", "unde primesc CPR?"),
    "uk": ("можна це оформити до того як отримаю CPR?", "де отримати CPR?"),
    "ar": ("ممكن اقدم قبل ما احصل على CPR؟", "وين احصل على CPR؟"),
}


def test_every_language_has_words_of_time_before_a_verb_of_getting():
    from bot.answer_parts import _question_words
    from bot.settings import get_settings

    assert set(get_settings().languages) <= set(_question_words("before_getting")) == set(BEFORE_GETTING)


@pytest.mark.parametrize("language", sorted(BEFORE_GETTING))
def test_a_name_got_before_something_else_is_a_condition(language):
    """"can I do it before I get my CPR?" after the tax card stays on the tax card; "where do I get it?" not."""
    condition, question = BEFORE_GETTING[language]
    assert not gets_the_name(condition, condition.index("CPR"), language)
    assert names_a_condition(parse(condition, "CPR", "cpr"), "tax_card", language)
    assert gets_the_name(question, question.index("CPR"), language)
    assert not names_a_condition(parse(question, "CPR", "cpr"), "tax_card", language)
