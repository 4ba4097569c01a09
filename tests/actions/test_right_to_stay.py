"""The right to stay by citizenship (bot/right_to_stay.py, through actions/topics.py) on the real content.

A question about getting started, a residence permit or the EU residence document from someone
whose citizenship is known gets what applies to them: the exact lead-in, the entry's answer, the
entry recorded as answered, and the citizenship remembered when the message stated it.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

import pytest
from rasa_sdk import Tracker

import actions.base
from actions.topics import ActionAnswerTopic
from bot.answers import entry_buttons, topic_answer
from bot.i18n import translate
from tests.actions.test_actions import run_with_metadata
from tests.conftest import cph


@pytest.fixture(autouse=True)
def real_content(monkeypatch, real_kb):
    monkeypatch.setattr(actions.base, "get_knowledge_base", lambda: real_kb)
    monkeypatch.setattr(actions.base, "clock", lambda: cph(2026, 11, 30, 10, 0))


def asking(text: str, entry: str, language: str, slots: Optional[Dict[str, Any]] = None) -> Tracker:
    latest = {"text": text, "intent": {"name": "ask_topic", "confidence": 0.99},
              "entities": [{"entity": "topic", "value": entry, "start": 0, "end": 1}]}
    return Tracker("test", {"language": language, "topic": None, **(slots or {})}, latest, [], False, None, {},
                   "action_listen")


def slot(name: str, value: Any) -> Dict[str, Any]:
    return {"event": "slot", "timestamp": None, "name": name, "value": value}


def eu_residence_first(real_kb, text: str, asked: str, language: str) -> List[Dict[str, Any]]:
    """Run the action for an EU citizen's message; check it answers the EU residence document after the lead-in."""
    events, messages, metadata = run_with_metadata(ActionAnswerTopic(), asking(text, asked, language))
    assert events == [slot("citizenship_group", "eu"), slot("topic", "eu_residence")]
    assert metadata == [{"outcome": "answer", "entry": "eu_residence", "kind": "topic"}]
    answer = topic_answer(real_kb, real_kb.get("eu_residence"), language, cph(2026, 11, 30, 10, 0).date(), text)
    assert messages[0]["text"] == translate(f"right_to_stay_{asked}_eu", language) + "\n\n" + answer.text
    return messages


def test_an_eu_citizen_asking_what_to_do_first_gets_the_eu_residence_document(real_kb):
    """"I'm Romanian, just arrived, what do I do first with the papers?" """
    messages = eu_residence_first(real_kb, "sunt roman, tocmai am ajuns, ce fac prima data cu actele?",
                                  "getting_started", "ro")
    # The personal checklist is the first button.
    checklist = entry_buttons(real_kb, ["getting_started"], "ro")[0]
    assert messages[0]["buttons"][0] == {"title": checklist.title, "payload": checklist.payload}


def test_a_citizen_of_another_country_asking_what_to_do_first_gets_the_residence_permit():
    text = "I'm from India and just signed an offer from a company in Aalborg. What do I sort out first?"
    events, messages, metadata = run_with_metadata(ActionAnswerTopic(), asking(text, "getting_started", "en"))
    assert events == [slot("citizenship_group", "non_eu"), slot("topic", "residence_permit")]
    assert metadata == [{"outcome": "answer", "entry": "residence_permit", "kind": "topic"}]
    assert messages[0]["text"].startswith(translate("right_to_stay_getting_started_non_eu", "en") + "\n\n"
                                          + "**Residence permit (non-EU citizens)**")


def test_the_eu_residence_document_is_not_for_a_citizen_of_another_country():
    text = "soy de Marruecos, ¿cómo pido el documento de residencia UE?"
    events, messages, metadata = run_with_metadata(ActionAnswerTopic(), asking(text, "eu_residence", "es"))
    assert events == [slot("citizenship_group", "non_eu"), slot("topic", "residence_permit")]
    assert metadata[0]["entry"] == "residence_permit"
    assert messages[0]["text"].startswith(translate("right_to_stay_eu_residence_non_eu", "es"))


@pytest.mark.parametrize("asked", ["residence_permit", "eu_residence"])
def test_a_nordic_citizen_needs_neither_document_but_the_cpr_number(real_kb, asked):
    """Known from the checklist's answer (the slot), not from the message."""
    events, messages, metadata = run_with_metadata(
        ActionAnswerTopic(), asking("do I need it?", asked, "da", {"citizenship_group": "nordic"}))
    assert events == [slot("topic", "cpr")]
    assert metadata == [{"outcome": "answer", "entry": "cpr", "kind": "topic"}]
    answer = topic_answer(real_kb, real_kb.get("cpr"), "da", cph(2026, 11, 30, 10, 0).date(), "do I need it?")
    assert messages[0]["text"] == translate(f"right_to_stay_{asked}_nordic", "da") + "\n\n" + answer.text


CHECKLIST_STARTED = [slot("topic", "getting_started"),
                     {"event": "followup", "timestamp": None, "name": "first_steps_form"}]


def test_a_nordic_citizen_asking_what_to_do_first_gets_the_checklist():
    """The CPR number, a Nordic citizen's first step, begins every checklist: the checklist answers.

    Its form reads the citizenship from the message (``first_steps.typed_group``) and asks only why
    they came. Asked about a permit instead, the same citizen gets the CPR number (above).
    """
    events, messages, _ = run_with_metadata(
        ActionAnswerTopic(), asking("I'm Norwegian, what do I do first?", "getting_started", "en"))
    assert events == CHECKLIST_STARTED
    assert messages == []


#: An employer's "we have hired an engineer from Brazil, what should he do first?" in every language.
FOR_AN_EMPLOYEE = {
    "en": "I work in HR and we have hired an engineer from Brazil. What should he do first?",
    "da": "Vi har ansat en ingeniør fra Brasilien. Hvad skal han gøre først?",
    "de": "Wir haben einen Ingenieur aus Brasilien eingestellt. Was muss er zuerst erledigen?",
    "es": "Trabajo en recursos humanos y hemos contratado a un ingeniero de Brasil. ¿Qué tiene que hacer primero?",
    "pl": "Zatrudniamy inżyniera z Brazylii. Co musi załatwić najpierw?",
    "ro": "Lucrez la HR și am angajat un inginer din Brazilia. Ce trebuie să facă mai întâi?",
    "uk": "Ми найняли інженера з Бразилії. Що йому треба зробити спочатку?",
    "ar": "أعمل في الموارد البشرية ووظفنا مهندسا من البرازيل. ماذا يجب أن يفعل أولا؟",
}


@pytest.mark.parametrize("language", sorted(FOR_AN_EMPLOYEE))
def test_an_employer_asking_what_a_new_employee_does_first_gets_the_checklist(language):
    """Not only the permit: the whole checklist for the hire (the form reads the citizenship)."""
    from bot.citizenship import stated_group

    text = FOR_AN_EMPLOYEE[language]
    assert stated_group(text, language) == "non_eu"  # without the employer's words: the residence permit
    events, messages, _ = run_with_metadata(ActionAnswerTopic(), asking(text, "getting_started", language))
    assert events == CHECKLIST_STARTED
    assert messages == []


def test_a_question_between_close_entries_about_staying_is_settled_by_the_citizenship():
    """"I'm Romanian, I see SIRI on Monday: which papers?" between the EU document and SIRI."""
    latest = {"text": "hola soy rumana, tengo cita con siri el lunes, q papeles me llevo?",
              "intent": {"name": "ask_topic", "confidence": 0.99},
              "entities": [{"entity": "topic", "value": value, "start": 0, "end": 1}
                           for value in ("eu_residence", "siri")]}
    track = Tracker("test", {"language": "es", "topic": None}, latest, [], False, None, {}, "action_listen")
    events, messages, metadata = run_with_metadata(ActionAnswerTopic(), track)
    assert events == [slot("citizenship_group", "eu"), slot("topic", "eu_residence")]
    assert metadata == [{"outcome": "answer", "entry": "eu_residence", "kind": "topic"}]
    assert messages[0]["text"].startswith(translate("right_to_stay_getting_started_eu", "es"))


def test_where_someone_lived_is_not_their_citizenship():
    """"We moved here from Spain, what first?": the checklist asks (Spain says where they lived)."""
    events, messages, _ = run_with_metadata(
        ActionAnswerTopic(), asking("we moved here from spain last week, whats the first thing to do",
                                    "getting_started", "en"))
    assert events == [slot("topic", "getting_started"),
                      {"event": "followup", "timestamp": None, "name": "first_steps_form"}]
    assert messages == []


def test_the_checklist_starts_when_only_an_earlier_answer_gave_the_citizenship():
    """"What do I do first?" after the checklist's own question: the checklist, not one document."""
    events, messages, _ = run_with_metadata(
        ActionAnswerTopic(), asking("what do I do first?", "getting_started", "en", {"citizenship_group": "eu"}))
    assert events == [slot("topic", "getting_started"),
                      {"event": "followup", "timestamp": None, "name": "first_steps_form"}]
    assert messages == []


def test_a_stated_citizenship_that_changes_nothing_is_still_remembered():
    """A Pole asking about the EU residence document gets it, and the checklist will not ask again."""
    events, _, metadata = run_with_metadata(
        ActionAnswerTopic(), asking("jestem z Polski, ile kosztuje dokument pobytowy UE?", "eu_residence", "pl"))
    assert events == [slot("citizenship_group", "eu"), slot("topic", "eu_residence")]
    assert metadata == [{"outcome": "answer", "entry": "eu_residence", "kind": "topic"}]




def test_a_step_named_after_getting_started_is_a_question_about_that_step():
    """"a gdzie dokładnie dostanę cpr?" after "where do I start?": the CPR number, not the overview again.

    After another topic, an entry named in a follow-up is a condition of the topic ("a bez cpr się da?",
    and without a CPR? after the tax card), unless a verb of getting governs it ("dostanę cpr": where do
    I get the CPR number, a question about it since 2026-12-06); the overview of first steps names them
    all, so there it is the question.
    """
    latest = {"text": "a gdzie dokładnie dostanę cpr?", "intent": {"name": "ask_topic", "confidence": 0.99},
              "entities": [{"entity": "topic", "value": "cpr", "start": 26, "end": 29,
                            "extractor": "ContentEntityExtractor"}],
              "topic_ranking": {"outcome": "answer", "entries": [{"entry": "cpr", "score": 0.4}], "none": 0.0,
                                "chat": 0.0, "follow_up": 0.9}}
    condition = {**latest, "text": "a bez cpr się da?",
                 "entities": [{**latest["entities"][0], "start": 6, "end": 9}]}
    for message, previous, expected in ((latest, "getting_started", "cpr"), (latest, "tax_card", "cpr"),
                                        (condition, "tax_card", "tax_card")):
        track = Tracker("test", {"language": "pl", "topic": previous}, message, [], False, None, {}, "action_listen")
        events, _, metadata = run_with_metadata(ActionAnswerTopic(), track)
        assert metadata[0]["entry"] == expected, previous
        assert events[-1] == slot("topic", expected)


@pytest.mark.parametrize(("text", "language", "previous", "expected"), [
    # The topic's own text says it needs a CPR number: the question is still about the topic.
    ("og skal jeg have cpr nummer først?", "da", "danish_lessons", "danish_lessons"),
    ("he won't have a cpr number right away tho", "en", "danish_lessons", "danish_lessons"),
    ("بدون CPR بيصير؟", "ar", "nemkonto", "nemkonto"),
    # A verb of getting governs the name: a question about the CPR number.
    ("ok and where do i get the cpr then?", "en", "danish_lessons", "cpr"),
])
def test_a_follow_up_naming_what_the_topic_needs_stays_on_the_topic(text, language, previous, expected):
    """The topic model's follow-up probability (0.05 here) misses such short messages; the words decide."""
    start = text.lower().index("cpr")
    latest = {"text": text, "intent": {"name": "ask_topic", "confidence": 0.99},
              "entities": [{"entity": "topic", "value": "cpr", "start": start, "end": start + 3,
                            "extractor": "ContentEntityExtractor"}],
              "topic_ranking": {"outcome": "answer", "entries": [{"entry": "cpr", "score": 0.4}], "none": 0.0,
                                "chat": 0.0, "follow_up": 0.05}}
    track = Tracker("test", {"language": language, "topic": previous}, latest, [], False, None, {}, "action_listen")
    events, _, metadata = run_with_metadata(ActionAnswerTopic(), track)
    assert metadata[0]["entry"] == expected
    assert events[-1] == slot("topic", expected)


@pytest.mark.parametrize(("text", "expected"), [
    ("m-am mutat în Aalborg, cum îmi fac CPR-ul?", "cpr"),  # one step named: that step
    ("am ajuns ieri, ce fac cu CPR și cu skattekort?", "getting_started"),  # two named: the checklist
    ("am ajuns ieri, ce fac prima dată?", "getting_started"),  # none named
])
def test_one_step_named_in_a_getting_started_message_is_that_step(text, expected):
    """Read as getting started by the topic model (the entity), but the message names one step."""
    events, _, metadata = run_with_metadata(ActionAnswerTopic(), asking(text, "getting_started", "ro"))
    assert events[0] == slot("topic", expected)
    if expected == "getting_started":
        assert events[1] == {"event": "followup", "timestamp": None, "name": "first_steps_form"}
    else:
        assert metadata == [{"outcome": "answer", "entry": expected, "kind": "topic"}]


def test_an_eu_citizen_asking_for_the_cpr_number_gets_the_eu_residence_document_first(real_kb):
    """The document is what an EU/EEA/Swiss citizen needs to get a CPR number (content-facts §1.5)."""
    messages = eu_residence_first(
        real_kb, "I'm from Portugal and I start at a hotel here next week. How do I get my CPR number?", "cpr", "en")
    assert messages[0]["text"].startswith(
        "Citizens of the EU/EEA and Switzerland need the EU residence document before they can get a CPR number:")


@pytest.mark.parametrize(("text", "language", "slots"), [
    # The message names the document: they have it, so the CPR number is what is asked.
    ("I'm Dutch and I already have my EU residence document, where do I get the CPR number?", "en", None),
    ("jestem z Polski, mam już dokument pobytowy UE, gdzie dostanę numer CPR?", "pl", None),
    # A Nordic citizen needs no document; the CPR number is the first step.
    ("I'm Swedish, how do I get a CPR number?", "en", None),
    # The group known only from the checklist's earlier answer: the checklist may have been followed.
    ("how do I get the CPR number?", "en", {"citizenship_group": "eu"}),
])
def test_the_cpr_number_stays_the_answer_when_the_document_is_named_or_not_needed(real_kb, text, language, slots):
    events, messages, metadata = run_with_metadata(ActionAnswerTopic(), asking(text, "cpr", language, slots))
    assert events[-1] == slot("topic", "cpr")
    assert metadata == [{"outcome": "answer", "entry": "cpr", "kind": "topic"}]
    assert messages[0]["text"] == topic_answer(real_kb, real_kb.get("cpr"), language,
                                               cph(2026, 11, 30, 10, 0).date(), text).text
