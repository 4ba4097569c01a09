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
