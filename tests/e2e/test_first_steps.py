"""The first-steps checklist through the running assistant, in every language (issue #13).

"I just arrived, what are the first steps?" (each language's question, written for
``questions_<lang>.yml`` before the checklist existed) leads to two questions with buttons, then
the ordered checklist for that case, three steps at a time. Five cases per language: a Nordic and
an EU citizen who came to work, and three non-EU newcomers (work, study, accompanying family).
The expected order of the steps is written out here by hand; each line must be the entry's
``checklist`` text in the conversation's language, and each step's button must lead to its entry.
"""

from __future__ import annotations

import json
import uuid
from typing import Dict, List, Tuple

import pytest
import requests

from bot.content import get_knowledge_base
from bot.i18n import translate
from bot.settings import read_languages
from tests.e2e.conftest import ROOT, as_json

pytestmark = pytest.mark.e2e

TRIGGERS = {
    "en": "I'm newly arrived in Aalborg, what are the first steps?",
    "da": "Jeg er lige ankommet til Aalborg, hvad er de første skridt?",
    "de": "Ich bin frisch in Aalborg angekommen, was sind die ersten Schritte?",
    "pl": "Dopiero przyjechałem do Aalborga, jakie są pierwsze kroki?",
    "uk": "Я щойно приїхав до Ольборга, які перші кроки?",
    "ro": "Abia am ajuns în Aalborg, care sunt primii pași?",
    "es": "Acabo de llegar a Aalborg, ¿cuáles son los primeros pasos?",
    "ar": "وصلت حديثًا إلى ألبورغ، ما هي الخطوات الأولى؟",
}
COMMON = ["cpr", "tax_card", "mitid", "nemkonto", "digital_post", "danish_lessons"]
EXPECTED: Dict[Tuple[str, str], List[str]] = {
    ("nordic", "work"): ["getting_started", *COMMON, "culture_companions"],
    ("eu", "work"): ["eu_residence", *COMMON, "culture_companions"],
    ("non_eu", "work"): ["residence_permit", *COMMON, "culture_companions"],
    ("non_eu", "study"): ["residence_permit", *COMMON, "culture_companions"],
    ("non_eu", "family"): ["residence_permit", *COMMON, "spouse_space"],
}
GROUPS = ["nordic", "eu", "non_eu"]
REASONS = ["work", "study", "family", "job_seeking"]


def post(stack, sender: str, message: str) -> List[Dict]:
    response = requests.post(f"{stack.rasa}/webhooks/rest/webhook", json={"sender": sender, "message": message},
                             timeout=60)
    assert response.status_code == 200, response.text
    return response.json()


def payload(slot: str, value: str) -> str:
    return "/ask_topic" + json.dumps({"topic": "getting_started", slot: value}, separators=(",", ":"))


def line(entry_id: str, group: str, language: str) -> str:
    checklist = get_knowledge_base().get(entry_id).checklist
    return (checklist.get(group) or checklist["all"])[language]


def name(entry_id: str, language: str) -> str:
    return get_knowledge_base().get(entry_id).name(language)


def expected_page(steps: List[str], start: int, group: str, language: str) -> Tuple[str, List[Dict]]:
    shown = steps[start : start + 3]
    end = start + len(shown)
    lines = [translate("first_steps_heading", language, first=start + 1, last=end, total=len(steps))]
    lines += [f"{start + number}. {line(entry_id, group, language)}" for number, entry_id in enumerate(shown, 1)]
    buttons = [{"title": name(entry_id, language), "payload": f'/ask_topic{{"topic":"{entry_id}"}}'}
               for entry_id in shown]
    if end < len(steps):
        lines.append(translate("first_steps_more", language))
        buttons.append({"title": translate("first_steps_next_button", language), "payload": "/next_step"})
    else:
        lines.append(translate("first_steps_done", language))
    return "\n".join(lines), buttons


def only(messages: List[Dict]) -> Dict:
    assert len(messages) == 1, as_json(messages)
    return messages[0]


def test_every_language_has_a_trigger():
    assert sorted(TRIGGERS) == sorted(read_languages(ROOT))


CASES = [(language, group, reason) for language in sorted(TRIGGERS) for group, reason in EXPECTED]


@pytest.mark.parametrize(("language", "group", "reason"), CASES, ids=[f"{lang}-{g}-{r}" for lang, g, r in CASES])
def test_the_checklist_for_each_case_in_each_language(stack, language, group, reason):
    sender = uuid.uuid4().hex
    asked = only(post(stack, sender, TRIGGERS[language]))
    assert asked["text"] == translate("first_steps_ask_group", language), as_json([asked])
    assert asked["buttons"] == [{"title": translate(f"first_steps_group_{g}", language),
                                 "payload": payload("citizenship_group", g)} for g in GROUPS]

    asked = only(post(stack, sender, payload("citizenship_group", group)))
    assert asked["text"] == translate("first_steps_ask_reason", language), as_json([asked])
    assert asked["buttons"] == [{"title": translate(f"first_steps_reason_{r}", language),
                                 "payload": payload("arrival_reason", r)} for r in REASONS]

    steps = EXPECTED[(group, reason)]
    page = only(post(stack, sender, payload("arrival_reason", reason)))
    for start in (0, 3, 6):
        text, buttons = expected_page(steps, start, group, language)
        assert page["text"] == text, as_json([page])
        assert page["buttons"] == buttons
        if start < 6:
            page = only(post(stack, sender, "/next_step"))

    tracker = requests.get(f"{stack.rasa}/conversations/{sender}/tracker", params={"token": stack.token},
                           timeout=30).json()
    assert tracker["slots"]["language"] == language
    assert (tracker["slots"]["citizenship_group"], tracker["slots"]["arrival_reason"]) == (group, reason)
    assert tracker["active_loop"] in ({}, None)


def test_typed_answers_and_a_typed_whats_next(stack):
    """A newcomer who types instead of tapping: a country, a reason in words, then "what's next?"."""
    sender = uuid.uuid4().hex
    post(stack, sender, "I just arrived in Aalborg, what should I do first?")
    assert only(post(stack, sender, "I'm from Poland"))["text"] == translate("first_steps_ask_reason", "en")
    page = only(post(stack, sender, "I came to study at AAU"))
    steps = ["eu_residence", *COMMON, "culture_companions"]
    assert page["text"] == expected_page(steps, 0, "eu", "en")[0]
    page = only(post(stack, sender, "ok, what's next?"))
    assert page["text"] == expected_page(steps, 3, "eu", "en")[0]
    tracker = requests.get(f"{stack.rasa}/conversations/{sender}/tracker", params={"token": stack.token},
                           timeout=30).json()
    assert (tracker["slots"]["citizenship_group"], tracker["slots"]["arrival_reason"]) == ("eu", "study")


def test_a_question_in_between_is_answered_and_the_buttons_still_work(stack):
    sender = uuid.uuid4().hex
    post(stack, sender, TRIGGERS["en"])
    text = "\n".join(m.get("text", "") for m in post(stack, sender, "What is the phone number of International House?"))
    assert "+45 99 31 15 30" in text
    asked = only(post(stack, sender, payload("citizenship_group", "non_eu")))
    assert asked["text"] == translate("first_steps_ask_reason", "en")
    page = only(post(stack, sender, payload("arrival_reason", "family")))
    assert page["text"] == expected_page(EXPECTED[("non_eu", "family")], 0, "non_eu", "en")[0]


@pytest.mark.parametrize("language", ["en", "da"])
def test_an_eu_citizen_is_never_told_to_apply_for_a_residence_permit(stack, language):
    sender = uuid.uuid4().hex
    post(stack, sender, TRIGGERS[language])
    post(stack, sender, payload("citizenship_group", "eu"))
    post(stack, sender, payload("arrival_reason", "work"))
    reply = only(post(stack, sender, '/ask_topic{"topic":"residence_permit"}'))
    eu = get_knowledge_base().get("eu_residence")
    intro = translate("right_to_stay_residence_permit_eu", language)
    assert reply["text"].startswith(f"{intro}\n\n**{eu.name(language)}**"), as_json([reply])
    assert eu.summary[language] in reply["text"]


def test_answers_given_once_are_kept_for_the_next_checklist(stack):
    sender = uuid.uuid4().hex
    post(stack, sender, TRIGGERS["en"])
    post(stack, sender, payload("citizenship_group", "nordic"))
    post(stack, sender, payload("arrival_reason", "job_seeking"))
    page = only(post(stack, sender, TRIGGERS["en"]))  # asked again later: no questions, the list from the start
    steps = ["getting_started", *COMMON, "job_search_seminar"]
    assert page["text"] == expected_page(steps, 0, "nordic", "en")[0]
