"""Answers a phone user can read (issue #13): a short first bubble, the rest on request, in every language.

Over REST against the running servers: a topic question gets its entry's name, at most two
sentences and the official link, with "More details" as the first button; then the user either
types "more" in their language or presses the button, and the rest of the entry arrives
(kind ``details``), without the sentences already shown.
"""

from __future__ import annotations

import uuid
from typing import Any, Dict, List

import pytest
import requests

from bot.answer_parts import split_entry
from bot.content import get_knowledge_base
from bot.content.schema import expand_placeholders
from bot.content.sentences import sentences
from bot.i18n import translate
from tests.e2e.conftest import Stack

#: Per language: a question about the tax card, and "more" as a user would type it.
CASES = {
    "en": ("how do I get a tax card?", "tell me more"),
    "da": ("hvordan får jeg et skattekort?", "fortæl mig mere"),
    "de": ("Wie bekomme ich eine Steuerkarte?", "mehr details bitte"),
    "es": ("¿Cómo consigo la tarjeta de impuestos?", "cuéntame más"),
    "pl": ("Jak dostać kartę podatkową?", "powiedz mi więcej"),
    "ro": ("Cum obțin cardul fiscal?", "spune-mi mai mult"),
    "uk": ("Як отримати податкову картку?", "розкажи більше"),
    "ar": ("كيف أحصل على البطاقة الضريبية؟", "أخبرني المزيد"),
}


def bot_events(stack: Stack, sender: str) -> List[Dict[str, Any]]:
    tracker = requests.get(f"{stack.rasa}/conversations/{sender}/tracker", params={"token": stack.token},
                           timeout=30).json()
    return [event for event in tracker["events"] if event["event"] == "bot"]


@pytest.mark.e2e
@pytest.mark.parametrize("language", sorted(CASES))
@pytest.mark.parametrize("how", ["typed", "button"])
def test_a_short_answer_then_the_rest_on_request(stack, language, how):
    kb = get_knowledge_base()
    entry = kb.get("tax_card")
    question, more = CASES[language]
    sender = uuid.uuid4().hex
    first = stack.ask(question, sender=sender, metadata={"language": language})
    assert len(first) == 1, first
    shown = split_entry(entry, language, question).first
    body = first[0]["text"].split("\n\n")
    assert body[0] == f"**{entry.name(language)}**"
    assert body[1] == expand_placeholders(" ".join(shown), kb.entries) and 1 <= len(sentences(body[1], language)) <= 2
    assert body[2] == translate("more_info", language, url=entry.official_link(language))
    assert first[0]["buttons"][0] == {"title": translate("more_button", language),
                                      "payload": '/more_details{"topic":"tax_card"}'}

    follow = stack.ask(more if how == "typed" else first[0]["buttons"][0]["payload"], sender=sender)
    text = "\n".join(message["text"] for message in follow)
    details = entry.details[language]
    rest = [expand_placeholders(sentence, kb.entries)
            for sentence in sentences(entry.summary[language] + " " + details, language) if sentence not in shown]
    assert rest and all(sentence in text for sentence in rest), (rest, text)
    assert not any(expand_placeholders(sentence, kb.entries) in text for sentence in shown)
    assert entry.uncertain[language] in text  # the caveat comes with the details, not before
    last = bot_events(stack, sender)[-1]["metadata"]
    assert (last["outcome"], last["entry"], last["kind"]) == ("answer", "tax_card", "details")
