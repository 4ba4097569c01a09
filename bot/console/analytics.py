"""Usage numbers for the analytics page and its CSV export, over a date range (UTC days).

Counted over the user messages whose time falls in the range (``transcripts.turns_between``),
and, with a language, only those the conversation was in that language at the time (a
conversation then counts when one of its messages does; ratings count for such conversations):

* conversations per day: conversations with at least one user message that day;
  messages per day: user messages that day;
* languages and channels: conversations by their language (the ``language`` slot after their
  last message in the range) and by the channel of their first message in the range;
* top intents: user messages by intent (``nlu_fallback`` included);
* fallback rate: user messages after which the content search ran (see ``Turn.fallback``), over
  all user messages;
* thumbs up/down: ratings given in the range (``feedback.created_at``); the ratio is ups over all;
* handed to a person: conversations in which ``action_answer_contact`` gave a contact card or
  ``action_request_human`` handled a request for a person;
* live handoffs per day: requests, taken, handled share, median waiting time, messages left and
  outcomes (``bot.console.handoff_stats``);
* answers and non-answers: questions (user messages that are not chit-chat) by answer class
  (``bot.console.non_answers``), in all, per language (the conversation's language at the
  message) and per day; a rate is a class's share of the questions, and the non-answer rate is
  the share of all non-answer classes together.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter
from dataclasses import dataclass
from typing import AbstractSet, Any, Dict, List, Optional, Sequence, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.console import handoff_stats
from bot.console.non_answers import CLASSES, Tally, tally
from bot.console.transcripts import Turn, to_epoch, turns_between
from bot.web.conversations import feedback

MAX_DAYS = 366
TOP_INTENTS = 10

#: Answer classes per language code, and per day.
PerLanguage = Tuple[Tuple[str, Tally], ...]
PerDay = Tuple[Tuple[dt.date, Tally], ...]


@dataclass(frozen=True)
class DayCount:
    """Activity on one day."""

    day: dt.date
    conversations: int
    messages: int


@dataclass(frozen=True)
class Analytics:
    """The numbers of the analytics page."""

    date_from: dt.date
    date_to: dt.date
    days: Tuple[DayCount, ...]
    conversations: int
    messages: int
    languages: Tuple[Tuple[str, int], ...]
    channels: Tuple[Tuple[str, int], ...]
    intents: Tuple[Tuple[str, int], ...]
    fallbacks: int
    thumbs_up: int
    thumbs_down: int
    handoffs: int
    outcomes: Tally
    outcomes_by_language: PerLanguage
    outcomes_by_day: PerDay
    language: Optional[str] = None
    #: Suspect answers (``bot.console.suspects``; not marked fine): in all, per language, per day.
    suspects: int = 0
    suspects_by_language: Tuple[Tuple[str, int], ...] = ()
    suspects_by_day: Tuple[Tuple[dt.date, int], ...] = ()
    #: Live handoff requests per day (``bot.console.handoff_stats``).
    handoff_days: Tuple[Any, ...] = ()

    @property
    def fallback_rate(self) -> Optional[float]:
        """Share of user messages that fell back to the content search (None without messages)."""
        return self.fallbacks / self.messages if self.messages else None

    @property
    def thumbs_up_ratio(self) -> Optional[float]:
        """Share of ratings that were thumbs up (None without ratings)."""
        rated = self.thumbs_up + self.thumbs_down
        return self.thumbs_up / rated if rated else None

    @property
    def handoff_share(self) -> Optional[float]:
        """Share of conversations handed to a person (None without conversations)."""
        return self.handoffs / self.conversations if self.conversations else None


def _ranked(counter: Counter, limit: Optional[int] = None) -> Tuple[Tuple[str, int], ...]:
    """Counts sorted by count (descending), then by name."""
    ranked = sorted(counter.items(), key=lambda item: (-item[1], item[0]))
    return tuple(ranked[:limit] if limit else ranked)


def _ratings(
    engine: Engine, start: dt.datetime, end: dt.datetime, senders: Optional[AbstractSet[str]] = None
) -> Counter:
    """Ratings given in ``[start, end)`` by rating, of the conversations ``senders`` (None: all)."""
    query = (
        sa.select(feedback.c.sender_id, feedback.c.rating, sa.func.count())
        .where(feedback.c.created_at >= start, feedback.c.created_at < end)
        .group_by(feedback.c.sender_id, feedback.c.rating)
    )
    counts: Counter = Counter()
    with engine.connect() as connection:
        try:
            for sender_id, rating, count in connection.execute(query):
                if senders is None or sender_id in senders:
                    counts[str(rating)] += int(count)
        except sa.exc.DBAPIError:  # no feedback table yet: no ratings
            return Counter()
    return counts


def _outcome_tallies(turns: Sequence[Turn], days: Sequence[dt.date]) -> Tuple[Tally, PerLanguage, PerDay]:
    """Answer classes of ``turns``: in all, per language (sorted) and per day (every day of ``days``)."""
    per_language: Dict[str, List[Optional[str]]] = {}
    per_day: Dict[dt.date, List[Optional[str]]] = {day: [] for day in days}
    for turn in turns:
        if turn.answer_class is None:
            continue
        per_language.setdefault(turn.language, []).append(turn.answer_class)
        per_day.setdefault(turn.at.date(), []).append(turn.answer_class)
    return (
        tally(turn.answer_class for turn in turns),
        tuple((language, tally(per_language[language])) for language in sorted(per_language)),
        tuple((day, tally(per_day[day])) for day in days),
    )


def compute(
    engine: Engine,
    date_from: dt.date,
    date_to: dt.date,
    default_language: str = "en",
    language: Optional[str] = None,
    suspect_context: Optional[Any] = None,
) -> Analytics:
    """The analytics of the days ``date_from`` to ``date_to`` (both included, UTC).

    Args:
        engine: The tracker store's database.
        date_from: First day.
        date_to: Last day.
        default_language: The ``language`` slot's initial value.
        language: Only messages in this language (None: all).
        suspect_context: ``bot.console.suspects.load_context()``; None leaves the suspect counts at 0.

    Returns:
        The numbers.

    Raises:
        ValueError: If the range is reversed or longer than :data:`MAX_DAYS` days.
    """
    if date_to < date_from:
        raise ValueError("the end date is before the start date")
    if (date_to - date_from).days + 1 > MAX_DAYS:
        raise ValueError(f"choose at most {MAX_DAYS} days")
    end_day = date_to + dt.timedelta(days=1)
    turns_by_sender = turns_between(engine, to_epoch(date_from), to_epoch(end_day), default_language)
    if language is not None:
        in_language = {
            sender: [turn for turn in turns if turn.language == language] for sender, turns in turns_by_sender.items()
        }
        turns_by_sender = {sender: turns for sender, turns in in_language.items() if turns}
    per_day_messages: Counter = Counter()
    per_day_conversations: Counter = Counter()
    languages: Counter = Counter()
    channels: Counter = Counter()
    intents: Counter = Counter()
    messages = fallbacks = handoffs = 0
    for turns in turns_by_sender.values():
        days_seen = set()
        for turn in turns:
            day = turn.at.date()
            per_day_messages[day] += 1
            days_seen.add(day)
            intents[turn.intent or "(none)"] += 1
            messages += 1
            fallbacks += int(turn.fallback)
        for day in days_seen:
            per_day_conversations[day] += 1
        languages[turns[-1].language] += 1
        channels[turns[0].channel or "(unknown)"] += 1
        handoffs += int(any(turn.handoff for turn in turns))
    ratings = _ratings(
        engine,
        dt.datetime.combine(date_from, dt.time()),
        dt.datetime.combine(end_day, dt.time()),
        None if language is None else set(turns_by_sender),
    )
    all_days = [date_from + dt.timedelta(days=offset) for offset in range((date_to - date_from).days + 1)]
    days = tuple(DayCount(day, per_day_conversations[day], per_day_messages[day]) for day in all_days)
    outcomes, by_language, by_day = _outcome_tallies(
        [turn for turns in turns_by_sender.values() for turn in turns], all_days
    )
    found: List[Any] = []
    if suspect_context is not None:
        from bot.console import suspects

        facts, small_talk = suspect_context
        found = suspects.find_suspects(turns_by_sender, facts, small_talk, suspects.fine_event_ids(engine))
        suspect_languages, suspect_days = suspects.counts_by(found)
    else:
        suspect_languages, suspect_days = {}, {}
    return Analytics(
        date_from=date_from,
        date_to=date_to,
        days=days,
        conversations=len(turns_by_sender),
        messages=messages,
        languages=_ranked(languages),
        channels=_ranked(channels),
        intents=_ranked(intents, TOP_INTENTS),
        fallbacks=fallbacks,
        thumbs_up=ratings["up"],
        thumbs_down=ratings["down"],
        handoffs=handoffs,
        outcomes=outcomes,
        outcomes_by_language=by_language,
        outcomes_by_day=by_day,
        language=language,
        suspects=len(found),
        suspects_by_language=tuple(sorted(suspect_languages.items())),
        suspects_by_day=tuple((day, suspect_days.get(day, 0)) for day in all_days),
        handoff_days=handoff_stats.per_day(engine, all_days, language),
    )


def _ratio(value: Optional[float]) -> str:
    return "" if value is None else f"{value:.4f}"


def to_csv(analytics: Analytics) -> str:
    """The numbers as CSV: one ``metric,key,value`` row each (dates ISO, ratios with 4 decimals)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["metric", "key", "value"])
    writer.writerow(["date_from", "", analytics.date_from.isoformat()])
    writer.writerow(["date_to", "", analytics.date_to.isoformat()])
    writer.writerow(["conversations", "", analytics.conversations])
    writer.writerow(["messages", "", analytics.messages])
    for day in analytics.days:
        writer.writerow(["conversations_per_day", day.day.isoformat(), day.conversations])
    for day in analytics.days:
        writer.writerow(["messages_per_day", day.day.isoformat(), day.messages])
    rows: List[Tuple[str, Tuple[Tuple[str, int], ...]]] = [
        ("language", analytics.languages),
        ("channel", analytics.channels),
        ("intent", analytics.intents),
    ]
    for metric, items in rows:
        for key, count in items:
            writer.writerow([metric, _csv_safe(key), count])
    writer.writerow(["fallbacks", "", analytics.fallbacks])
    writer.writerow(["fallback_rate", "", _ratio(analytics.fallback_rate)])
    writer.writerow(["thumbs_up", "", analytics.thumbs_up])
    writer.writerow(["thumbs_down", "", analytics.thumbs_down])
    writer.writerow(["thumbs_up_ratio", "", _ratio(analytics.thumbs_up_ratio)])
    writer.writerow(["handed_to_person", "", analytics.handoffs])
    writer.writerow(["handed_to_person_share", "", _ratio(analytics.handoff_share)])
    _outcome_rows(writer, analytics)
    _handoff_rows(writer, analytics)
    return buffer.getvalue()


def _handoff_rows(writer: Any, analytics: Analytics) -> None:
    """Live handoffs per day.

    ``handoff_requests_per_day,<date>`` and the like, then each outcome as
    ``handoff_outcome_per_day,<date> <outcome>``.
    """
    days = analytics.handoff_days
    for day in days:
        writer.writerow(["handoff_requests_per_day", day.day.isoformat(), day.requests])
    for day in days:
        writer.writerow(["handoff_live_per_day", day.day.isoformat(), day.live])
    for day in days:
        writer.writerow(["handoff_taken_per_day", day.day.isoformat(), day.taken])
    for day in days:
        writer.writerow(["handoff_handled_share_per_day", day.day.isoformat(), _ratio(day.handled_share)])
    for day in days:
        wait = "" if day.median_wait_seconds is None else f"{day.median_wait_seconds:.1f}"
        writer.writerow(["handoff_median_wait_seconds_per_day", day.day.isoformat(), wait])
    for day in days:
        writer.writerow(["handoff_messages_left_per_day", day.day.isoformat(), day.messages_left])
    for day in days:
        for outcome, count in day.outcomes:
            writer.writerow(["handoff_outcome_per_day", f"{day.day.isoformat()} {outcome}", count])


def _outcome_rows(writer: Any, analytics: Analytics) -> None:
    """The answer classes: in all (``outcome,<class>``), then per language and per day.

    Per language and per day: ``questions_per_language,<code>``, ``non_answers_per_language``,
    ``non_answer_rate_per_language``, and for each class ``<class>_per_language`` and
    ``<class>_rate_per_language`` (``_per_day`` with ISO dates likewise). Last the suspect answers
    (``suspects``, ``suspect_rate`` of the questions, ``suspects_per_language,<code>``,
    ``suspect_rate_per_language``, and per day likewise).
    """
    outcomes = analytics.outcomes
    writer.writerow(["questions", "", outcomes.questions])
    writer.writerow(["non_answers", "", outcomes.non_answers])
    writer.writerow(["non_answer_rate", "", _ratio(outcomes.non_answer_rate)])
    for name in CLASSES:
        writer.writerow(["outcome", name, outcomes.count(name)])
    for name in CLASSES:
        writer.writerow(["outcome_rate", name, _ratio(outcomes.rate(name))])
    scopes: List[Tuple[str, List[Tuple[str, Tally]]]] = [
        ("language", [(_csv_safe(code), counts) for code, counts in analytics.outcomes_by_language]),
        ("day", [(day.isoformat(), counts) for day, counts in analytics.outcomes_by_day]),
    ]
    for scope, rows in scopes:
        for key, counts in rows:
            writer.writerow([f"questions_per_{scope}", key, counts.questions])
        for key, counts in rows:
            writer.writerow([f"non_answers_per_{scope}", key, counts.non_answers])
        for key, counts in rows:
            writer.writerow([f"non_answer_rate_per_{scope}", key, _ratio(counts.non_answer_rate)])
        for name in CLASSES:
            for key, counts in rows:
                writer.writerow([f"{name}_per_{scope}", key, counts.count(name)])
            for key, counts in rows:
                writer.writerow([f"{name}_rate_per_{scope}", key, _ratio(counts.rate(name))])
    _suspect_rows(writer, analytics, scopes)


def _suspect_rows(writer: Any, analytics: Analytics, scopes: List[Tuple[str, List[Tuple[str, Tally]]]]) -> None:
    """The suspect answers: in all, and per language and per day with their share of the questions."""
    questions = analytics.outcomes.questions
    writer.writerow(["suspects", "", analytics.suspects])
    writer.writerow(["suspect_rate", "", _ratio(analytics.suspects / questions if questions else None)])
    suspect_scopes = {
        "language": {_csv_safe(code): count for code, count in analytics.suspects_by_language},
        "day": {day.isoformat(): count for day, count in analytics.suspects_by_day},
    }
    for scope, rows in scopes:
        for key, _counts in rows:
            writer.writerow([f"suspects_per_{scope}", key, suspect_scopes[scope].get(key, 0)])
        for key, counts in rows:
            share = suspect_scopes[scope].get(key, 0) / counts.questions if counts.questions else None
            writer.writerow([f"suspect_rate_per_{scope}", key, _ratio(share)])


def _csv_safe(value: str) -> str:
    """A cell that spreadsheet programs will not run as a formula (a leading ``'`` when needed)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
