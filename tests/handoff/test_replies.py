"""When staff can join the chat, and what the assistant says about a handoff, in every language."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.content import get_knowledge_base
from bot.content.hours import TIMEZONE
from bot.handoff import replies
from bot.settings import get_settings

LANGUAGES = get_settings().languages


def at(year: int, month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=TIMEZONE)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (at(2026, 12, 7, 10), True),  # Monday, within 08:30-15:00
        (at(2026, 12, 7, 8, 29), False),  # before the line opens
        (at(2026, 12, 7, 15, 0), False),  # closes at 15:00
        (at(2026, 12, 10, 16, 30), True),  # Thursday until 17:00
        (at(2026, 12, 11, 16, 30), False),  # Friday until 15:00
        (at(2026, 12, 12, 10), False),  # Saturday
        (at(2026, 12, 25, 10), False),  # Christmas Day, a Friday: a public holiday
        (at(2027, 1, 1, 10), False),  # New Year's Day, a Friday
    ],
)
def test_staffed_follows_the_phone_hours_and_holidays(moment: dt.datetime, expected: bool) -> None:
    assert replies.staffed(moment, "phone_hours", get_knowledge_base()) is expected


def test_staffed_can_be_forced_either_way() -> None:
    saturday, monday = at(2026, 12, 12, 10), at(2026, 12, 7, 10)
    kb = get_knowledge_base()
    assert replies.staffed(saturday, "always", kb) and not replies.staffed(monday, "never", kb)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("my question is about tax, write to ana.k+chat@example.dk please", "ana.k+chat@example.dk"),
        ("Mój e-mail: jan.kowalski@poczta.pl.", "jan.kowalski@poczta.pl"),
        ("no address here", None),
        ("at @ home", None),
    ],
)
def test_find_email(text: str, expected: str) -> None:
    assert replies.find_email(text) == expected


@pytest.mark.parametrize("language", LANGUAGES)
def test_closed_replies_say_when_the_line_opens_and_offer_two_buttons(language: str) -> None:
    saturday = at(2026, 12, 12, 10)
    status, offer = replies.closed_replies(language, saturday, get_knowledge_base())
    from bot.locale_format import format_date, format_time

    assert format_date(dt.date(2026, 12, 14), language) in status.text  # Monday 14 December
    assert format_time(dt.time(8, 30), language) in status.text
    assert [button.payload for button in offer.buttons] == ["/affirm", "/deny"]
    assert "International House North Denmark" in offer.text


@pytest.mark.parametrize("language", LANGUAGES)
def test_notices_name_the_staff_member_and_their_language(language: str) -> None:
    joined = replies.joined_text(language, "anna", "da")
    assert "anna" in joined and replies.language_name("da", language) in joined
    assert "@" not in replies.joined_text(language, "anna@ihnd.dk", "en")  # never an e-mail address
    assert "10" in replies.ended_text(language, "timeout", "anna", 10)
    assert "anna" in replies.ended_text(language, "handed_back", "anna", 10)
    assert replies.waiting_reply(language, 0).text != replies.waiting_reply(language, 2).text
    assert "2" in replies.waiting_reply(language, 2).text
    assert "anna" in replies.person_label(language, "anna")


def test_language_names_come_from_cldr() -> None:
    assert replies.language_name("da", "pl") == "duński"
    assert replies.language_name("en", "pl") == "angielski"
    assert replies.language_name("en", "de") == "Englisch"


@pytest.mark.parametrize(
    ("ranking", "ends"),
    [
        ([("goodbye", 0.98)], True),  # "bye"
        ([("thank", 0.72), ("goodbye", 0.27)], True),  # "thanks, bye"
        ([("nlu_fallback", 0.35), ("goodbye", 0.52), ("thank", 0.47)], True),  # "ok thanks, bye"
        ([("thank", 0.86), ("ask_topic", 0.13)], False),  # "thanks, and what about the tax card?"
        ([("thank", 0.98), ("goodbye", 0.0)], False),  # "ok thanks"
        ([("thank", 0.86), ("goodbye", 0.13)], True),  # "ok thanks, bye" on the model of 2026-12-06
        ([("thank", 0.91), ("goodbye", 0.08)], True),  # "gracias, adiós"
        ([("thank", 0.99), ("goodbye", 0.001)], False),  # "mange tak"
        ([("ask_topic", 0.6), ("goodbye", 0.3)], False),  # a question that mentions leaving
    ],
)
def test_which_messages_close_a_conversation_with_a_person(ranking: list, ends: bool) -> None:
    from bot.handoff.relay import says_goodbye

    parse = {"intent": {"name": ranking[0][0], "confidence": ranking[0][1]},
             "intent_ranking": [{"name": name, "confidence": value} for name, value in ranking]}
    assert says_goodbye(parse) is ends
