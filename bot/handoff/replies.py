"""What the assistant says about a handoff, in the newcomer's language (``data/i18n/messages.yml``).

Also: whether staff can join the chat now (:func:`staffed`), from International House's phone
hours in the content (Europe/Copenhagen, Danish public holidays closed, a day whose hours no
source states counted as not staffed), unless ``HANDOFF_AVAILABILITY`` says ``always`` or ``never``.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import List, Optional

from bot.answers import Button, Reply
from bot.content.hours import open_status
from bot.content.loader import KnowledgeBase
from bot.i18n import translate as t
from bot.locale_format import format_date, format_time, locale

#: The entry whose phone hours are the chat's staffed hours.
STAFF_ENTRY = "ihnd"
#: Channels that can carry a staff reply written later: the widget's open socket, and the signed
#: webhook when the conversation gave a callback URL. REST answers in its HTTP response only, so it
#: is offered the e-mail path instead (docs/console.md).
LIVE_CHANNELS = frozenset({"socketio"})
CALLBACK_CHANNELS = frozenset({"signed"})
#: Button payloads: the existing intents, so the buttons also work as typed words ("yes", "no").
YES, NO = "/affirm", "/deny"
STAFF_LANGUAGES = ("en", "da")
EMAIL = re.compile(r"[^\s@<>()\[\],;:\"']+@[^\s@<>()\[\],;:\"']+\.[A-Za-z]{2,}")


def staffed(moment: dt.datetime, availability: str, kb: KnowledgeBase) -> bool:
    """Whether a person can join the chat at ``moment``.

    Args:
        moment: Now (aware).
        availability: ``phone_hours``, ``always`` or ``never`` (``HANDOFF_AVAILABILITY``).
        kb: The knowledge base with International House's phone hours.

    Returns:
        True when staff are on duty.
    """
    if availability in ("always", "never"):
        return availability == "always"
    entry = kb.get(STAFF_ENTRY)
    if entry is None or entry.hours is None:
        return False
    return open_status(entry.hours, "phone", moment).is_open is True


def find_email(text: str) -> Optional[str]:
    """The first e-mail address in a message, if any."""
    match = EMAIL.search(text or "")
    return match.group(0).rstrip(".") if match else None


def staff_display_name(username: str, language: str) -> str:
    """The name shown to the newcomer: the console user name, never an e-mail address."""
    return t("handoff_colleague", language) if "@" in username else username


def language_name(code: str, language: str) -> str:
    """The name of language ``code`` written in ``language`` (CLDR through Babel)."""
    return str(locale(language).languages.get(code, code))


def waiting_reply(language: str, ahead: int) -> Reply:
    """The newcomer is in the queue; ``ahead`` conversations wait before theirs."""
    queue = t("handoff_queue_next", language) if ahead == 0 else t("handoff_queue_behind", language, count=ahead)
    return Reply(t("handoff_waiting", language, queue=queue), kind="handoff")


def closed_replies(language: str, moment: dt.datetime, kb: KnowledgeBase) -> List[Reply]:
    """Nobody can join now: when the phone line next opens, then the offer to leave an e-mail."""
    entry = kb.get(STAFF_ENTRY)
    status_line = ""
    if entry is not None and entry.hours is not None:
        status = open_status(entry.hours, "phone", moment)
        name = entry.name(language)
        if status.is_open and status.closes_at is not None:  # staffed, but live chat is off (``never``)
            status_line = t("hours_phone_open_now", language, name=name, time=format_time(status.closes_at, language))
        else:
            status_line = t("hours_phone_closed_now", language, name=name)
            if status.next_open is not None:
                day, (start, _) = status.next_open
                status_line += " " + t("hours_opens_next", language, day=format_date(day.date, language),
                                       time=format_time(start, language))
    buttons = (Button(t("handoff_button_leave", language), YES), Button(t("handoff_button_no", language), NO))
    offer = Reply(t("handoff_closed", language), buttons, kind="handoff")
    return ([Reply(status_line, kind="hours")] if status_line else []) + [offer]


def ask_email_reply(language: str) -> Reply:
    """Consent given: ask for the question and the address."""
    return Reply(t("handoff_ask_email", language), (Button(t("handoff_button_cancel", language), NO),), kind="handoff")


def email_missing_reply(language: str) -> Reply:
    """The message had no e-mail address."""
    return Reply(t("handoff_email_missing", language), (Button(t("handoff_button_cancel", language), NO),),
                 kind="handoff")


def message_left_reply(language: str, email: str) -> Reply:
    """The question and address are kept for staff."""
    return Reply(t("handoff_message_left", language, email=email), kind="handoff")


def declined_reply(language: str) -> Reply:
    """The newcomer did not want to leave a question."""
    return Reply(t("handoff_declined", language), kind="handoff")


def joined_text(language: str, staff: str, staff_language: str) -> str:
    """A staff member took the conversation."""
    return t("handoff_joined", language, name=staff_display_name(staff, language),
             staff_language=language_name(staff_language, language))


def ended_text(language: str, reason: str, staff: Optional[str], idle_minutes: float) -> str:
    """The handoff is over and the assistant is back."""
    if reason == "timeout":
        return t("handoff_ended_timeout", language, minutes=f"{idle_minutes:g}")
    if reason == "user":
        return t("handoff_ended_user", language)
    return t("handoff_ended_staff", language, name=staff_display_name(staff or "", language))


def person_label(language: str, staff: str) -> str:
    """The label the widget shows above a staff member's message."""
    return t("handoff_person_label", language, name=staff_display_name(staff, language))


def offer_person_reply(language: str) -> Reply:
    """After two fallbacks in a row: offer a person."""
    return Reply(t("handoff_offer_person", language), (Button(t("handoff_button_person", language), "/request_human"),),
                 kind="handoff")
