"""Questions about a time an entry is closed (bot/closed_times.py) on the real content."""

from __future__ import annotations

import pytest

from bot.closed_times import answer_when_closed, asks_about_closed_time

#: Per language: a follow-up about the night, one about the weekend, and one about neither.
TIMES = {
    "en": ("and if it happens at night?", "what about the weekend?", "do i need to book?"),
    "da": ("hvad hvis det sker om natten?", "hvad med weekenden?", "skal jeg bestille tid?"),
    "de": ("und wenn es nachts passiert?", "und am wochenende?", "muss ich einen termin buchen?"),
    "es": ("¿y si pasa de noche?", "¿y el fin de semana?", "¿hay que pedir cita?"),
    "pl": ("a jak to się stanie w nocy?", "a w weekend?", "trzeba się umówić?"),
    "ro": ("și dacă se întâmplă noaptea?", "și în weekend?", "trebuie programare?"),
    "uk": ("а якщо це станеться вночі?", "а у вихідні?", "треба записуватися?"),
    "ar": ("وإذا صار هالشي بالليل؟", "وبالويكند؟", "لازم احجز موعد؟"),
}


def test_every_language_has_words_for_closed_times():
    from bot.answer_parts import _question_words
    from bot.settings import get_settings

    assert set(get_settings().languages) <= set(_question_words("closed_times")) == set(TIMES)


@pytest.mark.parametrize("language", sorted(TIMES))
def test_the_family_doctor_asked_about_a_closed_time_is_the_out_of_hours_doctor(real_kb, language):
    night, weekend, neither = TIMES[language]
    family_doctor = real_kb.get("family_doctor")
    for text in (night, weekend):
        assert asks_about_closed_time(text, language), text
        assert answer_when_closed(real_kb.entries, family_doctor, text, language) is real_kb.get("out_of_hours_doctor")
    assert not asks_about_closed_time(neither, language)
    assert answer_when_closed(real_kb.entries, family_doctor, neither, language) is None
    # An entry without `when_closed` stays what it is.
    assert answer_when_closed(real_kb.entries, real_kb.get("cpr"), night, language) is None


def test_a_weekend_day_found_by_the_lexicon_is_a_closed_time(real_kb):
    entities = [{"entity": "day", "value": "sun", "start": 9, "end": 15}]
    assert asks_about_closed_time("and on sunday?", "en", entities)
    assert not asks_about_closed_time("and on monday?", "en", [{"entity": "day", "value": "mon"}])


@pytest.mark.parametrize("language", sorted(TIMES))
@pytest.mark.parametrize("named", [False, True], ids=["stays_on_the_topic", "names_the_night_doctor"])
def test_the_night_doctor_answering_for_the_family_doctor_opens_with_its_summary(monkeypatch, real_kb, language,
                                                                               named):
    """Whether the NLU kept the family doctor or already found the out-of-hours doctor in the follow-up,
    the answer opens with the out-of-hours doctor's summary (its number), not the nearest sentences."""
    from rasa_sdk import Tracker

    import actions.base
    from actions.topics import ActionAnswerTopic
    from bot.answers import topic_answer
    from tests.actions.test_actions import run_with_metadata
    from tests.conftest import cph

    monkeypatch.setattr(actions.base, "get_knowledge_base", lambda: real_kb)
    monkeypatch.setattr(actions.base, "clock", lambda: cph(2026, 11, 30, 10, 0))
    night = TIMES[language][0]
    entities = [{"entity": "topic", "value": "out_of_hours_doctor", "start": 0, "end": 1}] if named else []
    latest = {"text": night, "intent": {"name": "ask_topic", "confidence": 0.95}, "entities": entities}
    track = Tracker("t", {"language": language, "topic": "family_doctor"}, latest, [], False, None, {},
                    "action_listen")
    _, messages, metadata = run_with_metadata(ActionAnswerTopic(), track)
    assert metadata == [{"outcome": "answer", "entry": "out_of_hours_doctor", "kind": "topic"}]
    doctor = real_kb.get("out_of_hours_doctor")
    assert messages[0]["text"] == topic_answer(real_kb, doctor, language, cph(2026, 11, 30, 10, 0).date(), "").text
    assert doctor.contact.phone in messages[0]["text"]


def test_a_family_doctor_closed_now_is_a_closed_time():
    """"der hausarzt hat schon zu" (the GP has already closed) with a child's fever was answered with
    International House's opening hours (2026-12-07): closed now is the out-of-hours doctor's time."""
    assert asks_about_closed_time("fast 40 fieber und der hausarzt hat schon zu. was machen wir jetzt??", "de")
    assert asks_about_closed_time("the GP is closed and my son has a fever", "en")
    assert not asks_about_closed_time("wie komme ich zu meinem hausarzt?", "de")
