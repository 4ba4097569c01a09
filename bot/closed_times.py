"""Questions about a time when an entry is closed, answered by the entry that covers that time.

The family doctor is closed on weekday evenings and nights, at weekends and on public holidays; the
out-of-hours doctor covers those times (the out-of-hours entry's own summary, from the research notes
in docs/research/everyday-topics-2026-12.md). So
"and if it is at night?" after the family doctor's answer, or "can I see my doctor on Saturday?",
asks for the out-of-hours doctor. An entry names the one that answers for it when it is closed in
its ``when_closed`` field (``data/content/``).

A message asks about such a time when it names a weekend day (the ``day`` entities ``sat`` and
``sun`` that the NLU's lexicon finds) or has one of the words of ``closed_times`` in
``data/i18n/question_words.yml`` (night, evening, weekend, public holiday), as whole words.

The other way round, a question about the out-of-hours doctor at a time the family doctor is open
("wednesday 2pm, my son has a rash but plays fine: the lægevagt or someone else?") is the family
doctor's (:func:`answer_when_open`): a weekday, a morning (``open_times``) or an hour from 8 to 15,
and nothing of a closed time or of a danger to life (``emergency``).
"""

from __future__ import annotations

import re
from typing import Any, Iterable, List, Mapping, Optional, Tuple

from bot.content.schema import Entry

#: The ``day`` entity values of the days the family doctor is closed all day.
CLOSED_DAYS = frozenset({"sat", "sun"})


def asks_about_closed_time(text: str, language: str, entities: Iterable[Mapping[str, Any]] = ()) -> bool:
    """Whether the message asks about the evening, the night, a weekend day or a public holiday."""
    from bot.answer_parts import names_a_closed_time

    if any(entity.get("entity") == "day" and entity.get("value") in CLOSED_DAYS for entity in entities):
        return True
    return bool(text) and names_a_closed_time(text, language)


def answer_when_closed(
    entries: Mapping[str, Entry], entry: Optional[Entry], text: str, language: str,
    entities: Iterable[Mapping[str, Any]] = (),
) -> Optional[Entry]:
    """The entry that answers for ``entry`` at the time the message asks about, if it is closed then.

    Returns:
        The ``when_closed`` entry of ``entry`` when the message asks about a closed time, else None.
    """
    if entry is None or not entry.when_closed or not asks_about_closed_time(text, language, entities):
        return None
    return entries.get(entry.when_closed)


#: The days the family doctor is open; on them, from :data:`OPEN_FROM` to :data:`OPEN_UNTIL`. The
#: out-of-hours entry's summary says it covers weekdays 16:00-08:00, weekends and public holidays.
OPEN_DAYS = frozenset({"mon", "tue", "wed", "thu", "fri"})
OPEN_FROM = 8
OPEN_UNTIL = 16
#: An hour with its minutes ("19:30", "13.15"); an hour with "am"/"pm" ("2pm", "10 a.m."), "uhr" or "h".
_WITH_MINUTES = re.compile(r"(?<![\d.,:])(\d{1,2})[:.](\d{2})(?![\d.,:]?\d)")
_WITH_MARK = re.compile(r"(?<![\d.,:])(\d{1,2})\s*(a\.?\s?m|p\.?\s?m|uhr|h)\b", re.IGNORECASE)


def hours_named(text: str, language: Optional[str]) -> Tuple[List[int], List[int]]:
    """The hours of the day a message names, as (hours of certain time, hours that may be a.m. or p.m.).

    An hour counts when written with its minutes ("19:30"), with "am"/"pm", "uhr" or "h" ("2pm",
    "13 uhr"), or just after a word that comes before an hour (``clock_words``: "kl 22", "klokken er
    22", "a las 10", "الساعة ٣"). Hours 1-7 without "am" or "pm" may be either: "الساعة ٣ العصر" is
    three in the afternoon, "kl 3" three at night.
    """
    from bot.dates_asked import ARABIC_DIGITS
    from bot.nlu.gazetteer import tokens
    from bot.prerequisites import phrase_at, phrases_of

    plain = text.translate(ARABIC_DIGITS)
    certain: List[int] = []
    either: List[int] = []

    def add(hour: int) -> None:
        if hour < 24:
            (either if 1 <= hour < OPEN_FROM else certain).append(hour)

    for match in _WITH_MINUTES.finditer(plain):
        if int(match.group(2)) < 60:
            add(int(match.group(1)))
    for match in _WITH_MARK.finditer(plain):
        hour, mark = int(match.group(1)), match.group(2).lower()
        if mark[0] in "ap" and hour <= 12:
            certain.append(hour % 12 + (12 if mark[0] == "p" else 0))
        elif mark[0] not in "ap":
            add(hour)
    words = [word for word, _, _ in tokens(plain)]
    for phrase in phrases_of("clock_words", language):
        for index in range(len(words)):
            if not phrase_at(words, index, phrase):
                continue
            for word in words[index + len(phrase):index + len(phrase) + 2]:
                if word.isdigit() and len(word) <= 2:
                    add(int(word))
                    break
    return certain, either


def asks_about_open_time(text: str, language: str, entities: Iterable[Mapping[str, Any]] = ()) -> bool:
    """Whether the message asks about a time the family doctor is open, and of nothing else.

    A weekday (Monday to Friday), a word for the morning (``open_times``) or an hour from
    :data:`OPEN_FROM` to :data:`OPEN_UNTIL`, with no closed time (:func:`asks_about_closed_time`),
    no hour outside those, and no word of a danger to life (``emergency``: the emergency number is
    the answer whatever the time).
    """
    from bot.answer_parts import names_an_emergency, names_an_open_time

    if not text or asks_about_closed_time(text, language, entities) or names_an_emergency(text, language):
        return False
    certain, _ = hours_named(text, language)
    if any(not OPEN_FROM <= hour < OPEN_UNTIL for hour in certain):
        return False
    weekday = any(entity.get("entity") == "day" and entity.get("value") in OPEN_DAYS for entity in entities)
    return bool(certain) or weekday or names_an_open_time(text, language)


def answer_when_open(
    entries: Mapping[str, Entry], entry: Optional[Entry], text: str, language: str,
    entities: Iterable[Mapping[str, Any]] = (),
) -> Optional[Entry]:
    """The entry that ``entry`` stands in for when closed, if the message asks about a time it is open.

    "It's Tuesday 10 am and my son has had earache since yesterday: do I call the lægevagt or my
    doctor?" is the family doctor's question: the out-of-hours doctor covers only the times the
    family doctor is closed (``when_closed``).
    """
    if entry is None:
        return None
    covered = [other for other in entries.values() if other.when_closed == entry.id]
    if len(covered) != 1 or not asks_about_open_time(text, language, entities):
        return None
    return covered[0]
