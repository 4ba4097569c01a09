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
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping, Optional

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
