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


#: Per language: a question about a time the family doctor is open (a weekday with a morning or an
#: hour from 8 to 15), the same at a closed hour, and the same with a danger to life.
OPEN = {
    "en": ("it's tuesday 10am and my son has earache. do i call the lægevagt or our doctor?",
           "it's tuesday 10pm and my son has earache. do i call the lægevagt or our doctor?",
           "it's tuesday 10am and my father has chest pain. do i call the lægevagt?"),
    "da": ("det er tirsdag kl 10 og min søn har ondt i øret. skal jeg ringe til lægevagten?",
           "det er tirsdag kl 22 og min søn har ondt i øret. skal jeg ringe til lægevagten?",
           "det er tirsdag kl 10 og min far har brystsmerter. skal jeg ringe til lægevagten?"),
    "de": ("es ist dienstag um 10 uhr und mein sohn hat ohrenschmerzen. rufe ich den lægevagt an?",
           "es ist dienstag um 22 uhr und mein sohn hat ohrenschmerzen. rufe ich den lægevagt an?",
           "es ist dienstag um 10 uhr und mein vater hat brustschmerzen. rufe ich den lægevagt an?"),
    "es": ("es martes a las 10 de la mañana y mi hijo tiene dolor de oído. ¿llamo a la lægevagt?",
           "es martes a las 22 y mi hijo tiene dolor de oído. ¿llamo a la lægevagt?",
           "es martes a las 10 de la mañana y mi padre tiene dolor en el pecho. ¿llamo a la lægevagt?"),
    "pl": ("jest wtorek 10 rano, syn ma ból ucha. dzwonić na lægevagt?",
           "jest wtorek o 22, syn ma ból ucha. dzwonić na lægevagt?",
           "jest wtorek 10 rano, ojciec ma ból w klatce. dzwonić na lægevagt?"),
    "ro": ("e marți dimineața, ora 10, copilul are dureri de ureche. sun la lægevagt?",
           "e marți, ora 22, copilul are dureri de ureche. sun la lægevagt?",
           "e marți dimineața, ora 10, tata are durere în piept. sun la lægevagt?"),
    "uk": ("вівторок 10 ранку, у сина болить вухо. дзвонити в lægevagt?",
           "вівторок, зараз 22:00, у сина болить вухо. дзвонити в lægevagt?",
           "вівторок 10 ранку, у тата біль у грудях. дзвонити в lægevagt?"),
    "ar": ("اليوم الثلاثاء الصبح وابني عنده وجع باذنه، بتصل بال lægevagt؟",
           "اليوم الثلاثاء الساعة 22 وابني عنده وجع باذنه، بتصل بال lægevagt؟",
           "اليوم الثلاثاء الصبح وابوي عنده ألم في الصدر، بتصل بال lægevagt؟"),
}


def test_every_language_has_words_for_open_times_hours_and_emergencies():
    from bot.answer_parts import _question_words
    from bot.settings import get_settings

    for kind in ("open_times", "clock_words", "emergency"):
        assert set(get_settings().languages) <= set(_question_words(kind)) == set(OPEN), kind


@pytest.mark.parametrize("language", sorted(OPEN))
def test_the_out_of_hours_doctor_asked_about_an_open_time_is_the_family_doctor(real_kb, language):
    from bot.closed_times import answer_when_open

    opened, closed_hour, emergency = OPEN[language]
    weekday = [{"entity": "day", "value": "tue"}]
    night_doctor = real_kb.get("out_of_hours_doctor")
    assert answer_when_open(real_kb.entries, night_doctor, opened, language, weekday) is real_kb.get("family_doctor")
    assert answer_when_open(real_kb.entries, night_doctor, closed_hour, language, weekday) is None, closed_hour
    assert answer_when_open(real_kb.entries, night_doctor, emergency, language, weekday) is None, emergency
    # Only the entry that stands in for another when it is closed.
    assert answer_when_open(real_kb.entries, real_kb.get("family_doctor"), opened, language, weekday) is None


@pytest.mark.parametrize(("text", "certain", "either"), [
    ("wednesday 2pm, my son has a rash", [14], []),
    ("kl er 22 en tirsdag", [22], []),
    ("piatek 19:30, mala ma 39,5 goraczki", [19], []),
    ("jetzt ist 13 uhr", [13], []),
    ("الساعة ٣ العصر", [], [3]),
    ("we paid 2.000 kr for 3 weeks", [], []),
])
def test_hours_are_read_with_their_minutes_marks_or_clock_words(text, certain, either):
    from bot.closed_times import hours_named

    assert hours_named(text, None) == (certain, either)


def test_a_weekday_alone_or_a_closed_word_decides_and_saturday_stays_closed():
    from bot.closed_times import asks_about_open_time

    assert asks_about_open_time("and on monday, who should we see then?", "en", [{"entity": "day", "value": "mon"}])
    assert not asks_about_open_time("our doctor is closed, it's friday", "en", [{"entity": "day", "value": "fri"}])
    assert not asks_about_open_time("saturday morning, fever", "en", [{"entity": "day", "value": "sat"}])
    assert not asks_about_open_time("my son has a fever", "en")


@pytest.mark.parametrize("language", sorted(OPEN))
def test_a_question_naming_the_night_doctor_at_an_open_time_is_answered_by_the_family_doctor(
        monkeypatch, real_kb, language):
    """"wednesday 2pm, my son has a rash... should i call the lægevagt or someone else?" was answered with
    the out-of-hours number (2026-12-08): on a weekday morning the family doctor is the one to call."""
    from rasa_sdk import Tracker

    import actions.base
    from actions.topics import ActionAnswerTopic
    from tests.actions.test_actions import run_with_metadata

    monkeypatch.setattr(actions.base, "get_knowledge_base", lambda: real_kb)
    entities = [{"entity": "topic", "value": "out_of_hours_doctor", "start": 0, "end": 1},
                {"entity": "day", "value": "tue", "start": 0, "end": 1}]
    for text, entry in ((OPEN[language][0], "family_doctor"), (OPEN[language][1], "out_of_hours_doctor")):
        latest = {"text": text, "intent": {"name": "ask_topic", "confidence": 0.95}, "entities": entities}
        track = Tracker("t", {"language": language}, latest, [], False, None, {}, "action_listen")
        events, _, metadata = run_with_metadata(ActionAnswerTopic(), track)
        assert metadata == [{"outcome": "answer", "entry": entry, "kind": "topic"}], text
        assert {"event": "slot", "timestamp": None, "name": "topic", "value": entry} in events
