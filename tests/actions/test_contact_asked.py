"""A message read as a contact, address or hours question gets that part only when it asks for it.

"half of my first pay went to tax, how do I fix that?" asks what to do, not whom to call: the tax
card's answer, not the tax agency's card (actions/contacts.py). "which number do I call about my
tax card?" gets the card. In every language, on the real content.
"""

from __future__ import annotations

import pytest
from rasa_sdk import Tracker

import actions.base
from actions.contacts import ActionAnswerContact
from bot.answers import contact_answer, topic_answer
from tests.actions.test_actions import run_with_metadata
from tests.conftest import cph

#: Per language: a question about the tax card with no word asking for contact, and one asking for the number.
TAX_CARD = {
    "en": ("half of my first pay went to tax, how do I fix that?", "which number do I call about my tax card?"),
    "da": ("halvdelen af min første løn gik til skat, hvad gør jeg?",
           "hvilket nummer ringer jeg til om mit skattekort?"),
    "de": ("die Hälfte meines ersten Lohns ging an Steuern, was mache ich?",
           "welche Nummer rufe ich wegen meiner Steuerkarte an?"),
    "es": ("la mitad de mi primer sueldo se fue en impuestos, ¿qué hago?",
           "¿a qué número llamo por mi tarjeta de impuestos?"),
    "pl": ("połowa mojej pierwszej wypłaty poszła na podatek, co robić?",
           "pod jaki numer dzwonić w sprawie karty podatkowej?"),
    "ro": ("jumătate din primul salariu s-a dus pe impozit, ce fac?", "la ce număr sun pentru cardul de taxe?"),
    "uk": ("половина першої зарплати пішла на податок, що робити?", "за яким номером дзвонити щодо податкової картки?"),
    "ar": ("نص أول راتب راح ضرايب، شو أعمل؟", "على أي رقم بتصل بخصوص بطاقة الضريبة؟"),
}


@pytest.fixture(autouse=True)
def real_content(monkeypatch, real_kb):
    monkeypatch.setattr(actions.base, "get_knowledge_base", lambda: real_kb)
    monkeypatch.setattr(actions.base, "clock", lambda: cph(2026, 11, 30, 10, 0))


def read_as(intent: str, entry: str, text: str, language: str) -> Tracker:
    """A message the NLU read as ``intent`` about ``entry``, opening a conversation in ``language``."""
    return message(intent, text, language, [{"entity": "topic", "value": entry, "start": 0, "end": 1}])


def message(intent: str, text: str, language: str, entities: list, topic: str | None = None) -> Tracker:
    """A message the NLU read as ``intent`` with ``entities``, in a conversation whose topic is ``topic``."""
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.95}, "entities": entities}
    return Tracker("test", {"language": language, "topic": topic}, latest, [], False, None, {}, "action_listen")


@pytest.mark.parametrize("language", sorted(TAX_CARD))
def test_only_a_message_asking_for_contact_gets_the_contact_card(real_kb, language):
    what_to_do, which_number = TAX_CARD[language]
    tax_card = real_kb.get("tax_card")

    contact = ActionAnswerContact()
    _, messages, metadata = run_with_metadata(contact, read_as("ask_contact", "tax_card", what_to_do, language))
    assert metadata == [{"outcome": "answer", "entry": "tax_card", "kind": "topic"}]
    expected = topic_answer(real_kb, tax_card, language, cph(2026, 11, 30, 10, 0).date(), what_to_do)
    assert messages[0]["text"] == expected.text

    _, messages, metadata = run_with_metadata(contact, read_as("ask_contact", "tax_card", which_number, language))
    assert metadata == [{"outcome": "answer", "entry": "tax_card", "kind": "contact"}]
    assert messages[0]["text"] == contact_answer(tax_card, language, real_kb, which_number).text
    assert real_kb.get("tax_agency").contact.phone in messages[0]["text"]


#: Per language: a question about International House with no word asking where or for an address,
#: and one asking for its address.
IHND = {
    "en": ("do they help with job applications?", "what is their address?"),
    "da": ("hjælper de med jobansøgninger?", "hvad er deres adresse?"),
    "de": ("helfen die bei Bewerbungen?", "wie ist ihre Adresse?"),
    "es": ("¿ayudan con las solicitudes de empleo?", "¿cuál es su dirección?"),
    "pl": ("czy pomagają w pisaniu podań o pracę?", "jaki jest ich adres?"),
    "ro": ("ajută și cu aplicațiile de job?", "care e adresa lor?"),
    "uk": ("чи допомагають вони з заявами на роботу?", "яка в них адреса?"),
    "ar": ("بيساعدوا بطلبات الشغل؟", "شو عنوانهم؟"),
}


@pytest.mark.parametrize("language", sorted(IHND))
def test_only_a_message_asking_where_gets_the_address(real_kb, language):
    from actions.contacts import ActionAnswerAddress
    from bot.answers import address_answer

    what, where = IHND[language]
    ihnd = real_kb.get("ihnd")
    _, messages, metadata = run_with_metadata(ActionAnswerAddress(), read_as("ask_address", "ihnd", what, language))
    assert metadata == [{"outcome": "answer", "entry": "ihnd", "kind": "topic"}]
    assert messages[0]["text"] == topic_answer(real_kb, ihnd, language, cph(2026, 11, 30, 10, 0).date(), what).text

    _, messages, metadata = run_with_metadata(ActionAnswerAddress(), read_as("ask_address", "ihnd", where, language))
    assert metadata == [{"outcome": "answer", "entry": "ihnd", "kind": "address"}]
    assert messages[0]["text"] == address_answer(ihnd, language, real_kb, where).text


#: Per language: a question about the bus with no word asking when or about opening hours (the
#: fares), and one asking when they are open; neither names a weekday or a kind of hours.
BUS = {
    "en": ("do the kids pay too?", "when are they open?"),
    "da": ("skal børnene også betale?", "hvornår har de åbent?"),
    "de": ("zahlen die Kinder auch?", "wann haben die offen?"),
    "es": ("¿los niños también pagan?", "¿qué horario tienen?"),
    "pl": ("czy dzieci też płacą?", "kiedy są otwarci?"),
    "ro": ("plătesc și copiii?", "când sunt deschiși?"),
    "uk": ("діти теж платять?", "коли вони відкриті?"),
    "ar": ("الولاد كمان بيدفعوا؟", "امتى بيفتحوا؟"),
}


@pytest.mark.parametrize("language", sorted(BUS))
def test_only_a_message_asking_when_gets_the_opening_hours(real_kb, language):
    from actions.hours import ActionAnswerHours
    from bot.hours_answer import hours_answer

    fares, when_open = BUS[language]
    bus = real_kb.get("public_transport")
    _, messages, metadata = run_with_metadata(ActionAnswerHours(), read_as("ask_hours", "public_transport", fares,
                                                                           language))
    assert metadata == [{"outcome": "answer", "entry": "public_transport", "kind": "topic"}]
    assert messages[0]["text"] == topic_answer(real_kb, bus, language, cph(2026, 11, 30, 10, 0).date(), fares).text

    _, messages, metadata = run_with_metadata(ActionAnswerHours(), read_as("ask_hours", "public_transport", when_open,
                                                                           language))
    assert metadata == [{"outcome": "answer", "entry": "public_transport", "kind": "hours"}]
    expected = hours_answer(bus, language, cph(2026, 11, 30, 10, 0), None, kb=real_kb, question=when_open)
    assert messages[0]["text"] == expected.text


#: Per language: a follow-up asking how to reach "them", naming nothing, and a question naming the service.
THEIR_NUMBER = {
    "en": ("what's their phone number?", "which number do I call about my EU residence document?"),
    "da": ("hvad er deres telefonnummer?", "hvilket nummer ringer jeg til om mit EU-opholdsdokument?"),
    "de": ("wie ist ihre Telefonnummer?", "welche Nummer rufe ich wegen meiner EU-Aufenthaltsbescheinigung an?"),
    "es": ("¿cuál es su número de teléfono?", "¿a qué número llamo por mi documento de residencia UE?"),
    "pl": ("jaki jest ich numer telefonu?", "pod jaki numer dzwonić w sprawie dokumentu pobytowego UE?"),
    "ro": ("care e numărul lor de telefon?", "la ce număr sun pentru documentul de ședere UE?"),
    "uk": ("який у них номер телефону?", "за яким номером дзвонити щодо документа про проживання ЄС?"),
    "ar": ("شو رقم تلفونهم؟", "على أي رقم بتصل بخصوص وثيقة الإقامة الأوروبية؟"),
}


@pytest.mark.parametrize("language", sorted(THEIR_NUMBER))
def test_a_follow_up_asking_how_to_reach_them_is_about_the_organisation_behind_the_card(real_kb, language):
    their_number, named = THEIR_NUMBER[language]
    siri = real_kb.get("siri")
    assert real_kb.get("eu_residence").contact_from == "siri"

    def after_eu_residence(text: str, entities: list) -> Tracker:
        return message("ask_contact", text, language, entities, topic="eu_residence")

    # The topic model's guess is no name in the message: still a follow-up about "them".
    inferred = [{"entity": "topic", "value": "eu_residence", "extractor": "TopicClassifier", "confidence": 0.4}]
    events, messages, metadata = run_with_metadata(ActionAnswerContact(), after_eu_residence(their_number, inferred))
    assert metadata == [{"outcome": "answer", "entry": "siri", "kind": "contact"}]
    assert events == [{"event": "slot", "timestamp": None, "name": "topic", "value": "siri"}]
    assert messages[0]["text"] == contact_answer(siri, language, real_kb, their_number).text
    assert siri.contact.phone in messages[0]["text"]

    named_entity = [{"entity": "topic", "value": "eu_residence", "start": 0, "end": 1,
                     "extractor": "ContentEntityExtractor"}]
    events, _, metadata = run_with_metadata(ActionAnswerContact(), after_eu_residence(named, named_entity))
    assert metadata == [{"outcome": "answer", "entry": "eu_residence", "kind": "contact"}]
    assert events == [{"event": "slot", "timestamp": None, "name": "topic", "value": "eu_residence"}]


#: Per language: after MitID, "are they open on Sunday?" (a day, no topic named).
OPEN_ON_SUNDAY = {
    "en": "are they open on sunday?", "da": "har de åbent om søndagen?", "de": "haben die sonntags offen?",
    "es": "¿abren el domingo?", "pl": "czy są otwarci w niedzielę?", "ro": "sunt deschiși duminica?",
    "uk": "вони працюють у неділю?", "ar": "بيفتحوا يوم الأحد؟",
}


@pytest.mark.parametrize("language", sorted(OPEN_ON_SUNDAY))
def test_when_they_are_open_after_a_service_is_about_the_organisation_behind_it(real_kb, language):
    from actions.hours import ActionAnswerHours
    from bot.dates_asked import days_asked
    from bot.hours_answer import hours_answer

    text = OPEN_ON_SUNDAY[language]
    support = real_kb.get("mitid_support")
    assert real_kb.get("mitid").hours is None and real_kb.get("mitid").contact_from == "mitid_support"
    track = message("ask_hours", text, language, [{"entity": "day", "value": "sun", "start": 0, "end": 1}],
                    topic="mitid")
    events, messages, metadata = run_with_metadata(ActionAnswerHours(), track)
    assert metadata == [{"outcome": "answer", "entry": "mitid_support", "kind": "hours"}]
    assert events == [{"event": "slot", "timestamp": None, "name": "topic", "value": "mitid_support"}]
    moment = cph(2026, 11, 30, 10, 0)
    asked = days_asked(text, language, moment.date(), ["sun"])
    assert messages[0]["text"] == hours_answer(support, language, moment, asked, kb=real_kb, question=text).text
