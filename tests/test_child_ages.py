"""A child's age in a follow-up about daycare or school (bot/child_ages.py), on the real content."""

from __future__ import annotations

import pytest

from bot.child_ages import child_age, entry_for_age

#: Per language: after daycare, a follow-up about a child of school age; after school, one about a
#: child too young for school; and one whose number is no age (a length of time or a count).
AGES = {
    "en": ("and when she turns 6?", "and the little one, aged 4?", "we have been here 2 months, is it free?"),
    "da": ("og hendes storebror på 7?", "og lillesøster på 4?", "vi har boet her i 2 måneder, er det gratis?"),
    "de": ("und wenn er 6 wird?", "und die kleine mit 4?", "wir sind mit 2 kindern hier, ist das gratis?"),
    "es": ("y cuando cumpla 6 que pasa?", "y el peque que tiene 3?", "llevamos 2 meses aqui, es gratis?"),
    "pl": ("a jak skonczy 6 lat to co dalej?", "a mlodsza ma 3 lata?", "jestesmy tu od 2 miesiecy, czy to darmowe?"),
    "ro": ("si cand face 6 ani ce facem?", "si cea mica are 4 ani?", "suntem aici de 3 luni, e gratis?"),
    "uk": ("а коли йому виповниться 6?", "а їй 4, їй куди?", "ми тут 2 місяці, це безкоштовно?"),
    "ar": ("طيب واخوها عمره 7، وين بيروح؟", "والصغيرة عمرها 3؟", "صرلنا 2 شهور هون، ببلاش؟"),
}


def test_every_language_has_words_around_ages():
    from bot.answer_parts import _question_words
    from bot.settings import get_settings

    for kind in ("age_before", "age_after", "age_not"):
        assert set(get_settings().languages) <= set(_question_words(kind)) == set(AGES), kind


@pytest.mark.parametrize("language", sorted(AGES))
def test_a_follow_up_naming_a_childs_age_goes_to_the_entry_for_that_age(real_kb, language):
    older, younger, no_age = AGES[language]
    daycare, school = real_kb.get("daycare"), real_kb.get("school")
    assert entry_for_age(real_kb.entries, daycare, older, language) is school
    assert entry_for_age(real_kb.entries, school, younger, language) is daycare
    # An age the topic is for, or a number that is no age, keeps the topic.
    assert entry_for_age(real_kb.entries, school, older, language) is None
    assert child_age(no_age, language) is None
    assert entry_for_age(real_kb.entries, school, no_age, language) is None
    # Only topics with ages.
    assert entry_for_age(real_kb.entries, real_kb.get("danish_lessons"), younger, language) is None


def test_two_different_ages_are_no_one_age():
    assert child_age("one turns 4 and the other turns 8", "en") is None
    assert child_age("he turns 6, his sister turns 6 too", "en") == 6


def test_the_content_gives_ages_only_as_two_ordered_whole_numbers():
    from bot.content.schema import _Collector, _parse_ages

    col = _Collector("x.yml", ("en",))
    assert _parse_ages(col, [6, 16], "e.ages") == (6, 16)
    for bad in ([16, 6], [6], ["6", 16], [6.5, 16], [0, 40]):
        assert _parse_ages(col, bad, "e.ages") is None
    assert len(col.errors) == 5


@pytest.mark.parametrize("language", sorted(AGES))
def test_the_follow_up_is_answered_and_remembered_as_the_entry_for_that_age(monkeypatch, real_kb, language):
    """"und wenn er 6 wird?" after the daycare answer was answered about daycare again (2026-12-08)."""
    from rasa_sdk import Tracker

    import actions.base
    from actions.topics import ActionAnswerTopic
    from tests.actions.test_actions import run_with_metadata

    monkeypatch.setattr(actions.base, "get_knowledge_base", lambda: real_kb)
    for topic, text, entry in (("daycare", AGES[language][0], "school"), ("school", AGES[language][1], "daycare"),
                               ("school", AGES[language][2], "school")):
        latest = {"text": text, "intent": {"name": "ask_topic", "confidence": 0.95}, "entities": []}
        track = Tracker("t", {"language": language, "topic": topic}, latest, [], False, None, {}, "action_listen")
        events, _, metadata = run_with_metadata(ActionAnswerTopic(), track)
        assert metadata == [{"outcome": "answer", "entry": entry, "kind": "topic"}], text
        assert events[-1] == {"event": "slot", "timestamp": None, "name": "topic", "value": entry}
