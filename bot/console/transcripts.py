"""The console's read model of stored conversations: filtered, paginated summaries and transcripts.

Conversations are read from the Rasa tracker store's ``events`` table (columns ``id``,
``sender_id``, ``type_name``, ``timestamp``, ``intent_name``, ``action_name``, ``data``) and the
web app's ``feedback`` table, joined with the console's review tables (``bot.console.review_db``).
The list is computed in SQL (one row per conversation, filtered, counted and paginated by the
database); a transcript is built in Python from one conversation's events. Times are UTC.

What counts as what:

* the conversation's **language** is the last value of the ``language`` slot (set by
  ``action_validate_slot_mappings`` when it changes), else the slot's initial value, the
  default language;
* a **fallback** happened when a message's intent is ``nlu_fallback`` or ``action_search_content``
  ran (the content search offered instead of an answer);
* a conversation was **handed to a person** when ``action_answer_contact`` ran (the contact card);
* the **channel** is the ``input_channel`` of the conversation's user messages;
* each turn's **answer class** (answered, or how it went unanswered) is decided by
  ``bot.console.non_answers`` once the turn's ratings are known.
"""

from __future__ import annotations

import datetime as dt
import json
import weakref
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from bot.console import non_answers, review_db
from bot.console.sqljson import enable_unicode_lower, json_float, json_text, unicode_lower
from bot.web.conversations import feedback

#: The tracker store's table, described (not created) here: Rasa owns it.
events = sa.table(
    "events",
    sa.column("id", sa.Integer),
    sa.column("sender_id", sa.String),
    sa.column("type_name", sa.String),
    sa.column("timestamp", sa.Float),
    sa.column("intent_name", sa.String),
    sa.column("action_name", sa.String),
    sa.column("data", sa.Text),
)

FALLBACK_INTENT = "nlu_fallback"
FALLBACK_ACTION = "action_search_content"
HANDOFF_ACTIONS = ("action_answer_contact", "action_request_human")
LANGUAGE_SLOT = "language"
#: Actions that are bookkeeping, not something the bot did for the user.
QUIET_ACTIONS = frozenset({"action_listen", "action_session_start", "action_validate_slot_mappings"})
#: Entities that describe the message's language rather than its content.
LANGUAGE_ENTITIES = frozenset({"detected_language", "unsupported_language"})
DEFAULT_PAGE_SIZE = 25
MAX_SEARCH_CHARS = 200


def to_epoch(day: dt.date) -> float:
    """Midnight UTC of ``day`` as an epoch timestamp."""
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc).timestamp()


def from_epoch(timestamp: Optional[float]) -> Optional[dt.datetime]:
    """An epoch timestamp as a naive UTC datetime (None stays None)."""
    if timestamp is None:
        return None
    return dt.datetime.fromtimestamp(float(timestamp), tz=dt.timezone.utc).replace(tzinfo=None)


def has_events_table(engine: Engine) -> bool:
    """Whether Rasa has created its ``events`` table in this database yet."""
    return sa.inspect(engine).has_table("events")


def ensure_console_tables(engine: Engine) -> None:
    """Create the review tables and the web app's feedback table if they are missing."""
    review_db.ensure_tables(engine)
    feedback.metadata.create_all(engine, tables=[feedback])


_prepared: weakref.WeakSet[Engine] = weakref.WeakSet()


def ensure_console_tables_once(engine: Engine) -> None:
    """:func:`ensure_console_tables`, once per engine and process."""
    if engine not in _prepared:
        ensure_console_tables(engine)
        _prepared.add(engine)


@dataclass(frozen=True)
class ConversationFilter:
    """What the conversation list shows; every field maps to one URL query parameter.

    Attributes:
        date_from: Conversations active on or after this day (UTC).
        date_to: Conversations active on or before this day (UTC).
        language: The conversation's language.
        channel: The input channel (``rest``, ``socketio``, ...).
        intent: Some user message has this intent.
        max_confidence: Some user message's intent confidence is below this threshold.
        fallback: Only conversations where a fallback happened.
        thumbs_down: Only conversations with a thumbs down.
        tag: Conversations with this tag.
        reviewed: True: only reviewed ones; False: only not reviewed ones; None: both.
        search: Text occurring in a user message or a bot reply (case-insensitive, all of Unicode:
            Python's ``str.lower`` on SQLite, ``lower()`` on PostgreSQL).
    """

    date_from: Optional[dt.date] = None
    date_to: Optional[dt.date] = None
    language: Optional[str] = None
    channel: Optional[str] = None
    intent: Optional[str] = None
    max_confidence: Optional[float] = None
    fallback: bool = False
    thumbs_down: bool = False
    tag: Optional[str] = None
    reviewed: Optional[bool] = None
    search: Optional[str] = None


@dataclass(frozen=True)
class ConversationSummary:
    """One row of the conversation list."""

    sender_id: str
    started: dt.datetime
    last: dt.datetime
    language: str
    channel: Optional[str]
    user_messages: int
    lowest_confidence: Optional[float]
    fallback: bool
    thumbs_down: bool
    reviewed: bool
    tags: Tuple[str, ...] = ()
    first_question: str = ""


@dataclass(frozen=True)
class ConversationPage:
    """A page of the conversation list."""

    items: Tuple[ConversationSummary, ...]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        """How many pages the filtered list has (at least 1)."""
        return max(1, -(-self.total // self.page_size))


@dataclass(frozen=True)
class Entity:
    """An entity found in a user message."""

    entity: str
    value: str
    text: Optional[str]
    extractor: Optional[str]


@dataclass
class Turn:
    """A user message and what the bot did about it.

    ``reply_metadata`` holds each reply's stored ``metadata`` and ``reply_buttons`` the buttons it
    offered (``title``, ``payload``), both in the order of ``replies``;
    ``answer_class`` is one of ``non_answers.CLASSES``, or None for chit-chat.
    """

    event_id: int
    timestamp: float
    text: str
    intent: Optional[str]
    confidence: Optional[float]
    entities: List[Entity]
    detected_language: Optional[str]
    language: str
    channel: Optional[str]
    actions: List[str] = field(default_factory=list)
    replies: List[str] = field(default_factory=list)
    reply_metadata: List[Dict[str, Any]] = field(default_factory=list)
    reply_buttons: List[List[Dict[str, str]]] = field(default_factory=list)
    rating: Optional[str] = None
    answer_class: Optional[str] = None
    topic_ranking: Dict[str, Any] = field(default_factory=dict)

    @property
    def at(self) -> dt.datetime:
        """When the message arrived (naive UTC)."""
        return from_epoch(self.timestamp) or dt.datetime.min

    @property
    def fallback(self) -> bool:
        """Whether the assistant fell back to the content search on this message."""
        return self.intent == FALLBACK_INTENT or FALLBACK_ACTION in self.actions

    @property
    def handoff(self) -> bool:
        """Whether the assistant gave a person's contact for this message."""
        return any(action in HANDOFF_ACTIONS for action in self.actions)


@dataclass(frozen=True)
class Transcript:
    """A whole conversation."""

    sender_id: str
    language: str
    channel: Optional[str]
    started: Optional[dt.datetime]
    greeting: Tuple[str, ...]
    turns: Tuple[Turn, ...]


def _parse(data: Optional[str]) -> Dict[str, Any]:
    try:
        value = json.loads(data or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _buttons(data: Dict[str, Any]) -> List[Dict[str, str]]:
    """The buttons (or quick replies) a stored bot event offered: ``title`` and ``payload``."""
    extra = data.get("data")
    if not isinstance(extra, dict):
        return []
    offered = extra.get("buttons") or extra.get("quick_replies") or []
    return [
        {"title": str(item.get("title") or ""), "payload": str(item.get("payload") or "")}
        for item in offered
        if isinstance(item, dict)
    ]


def _float(value: Any) -> Optional[float]:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def _summary_query(default_language: str) -> Any:
    """One row per conversation with at least one user message, every filterable column computed."""
    is_user = events.c.type_name == "user"
    fallback_event = sa.or_(
        sa.and_(is_user, events.c.intent_name == FALLBACK_INTENT),
        sa.and_(events.c.type_name == "action", events.c.action_name == FALLBACK_ACTION),
    )
    grouped = (
        sa.select(
            events.c.sender_id.label("sender_id"),
            sa.func.min(events.c.timestamp).label("started"),
            sa.func.max(events.c.timestamp).label("last"),
            sa.func.sum(sa.case((is_user, 1), else_=0)).label("user_messages"),
            sa.func.min(sa.case((is_user, json_float(events.c.data, "parse_data", "intent", "confidence")))).label(
                "lowest_confidence"
            ),
            sa.func.max(sa.case((fallback_event, 1), else_=0)).label("fallback"),
            sa.func.max(sa.case((is_user, json_text(events.c.data, "input_channel")))).label("channel"),
        )
        .group_by(events.c.sender_id)
        .having(sa.func.sum(sa.case((is_user, 1), else_=0)) > 0)
        .subquery("grouped")
    )
    slot_events = events.alias("slot_events")
    last_language = (
        sa.select(json_text(slot_events.c.data, "value"))
        .where(
            slot_events.c.sender_id == grouped.c.sender_id,
            slot_events.c.type_name == "slot",
            json_text(slot_events.c.data, "name") == LANGUAGE_SLOT,
        )
        .order_by(slot_events.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    thumbs_down = sa.exists().where(feedback.c.sender_id == grouped.c.sender_id, feedback.c.rating == "down")
    reviewed = sa.exists().where(review_db.reviews.c.sender_id == grouped.c.sender_id)
    rows = sa.select(
        grouped,
        sa.func.coalesce(last_language, default_language).label("language"),
        sa.case((thumbs_down, 1), else_=0).label("thumbs_down"),
        sa.case((reviewed, 1), else_=0).label("reviewed"),
    ).subquery("conversations")
    return rows


def _conditions(rows: sa.sql.Subquery, filters: ConversationFilter) -> List[Any]:
    conditions: List[Any] = []
    if filters.date_from is not None:
        conditions.append(rows.c["last"] >= to_epoch(filters.date_from))
    if filters.date_to is not None:
        conditions.append(rows.c.started < to_epoch(filters.date_to + dt.timedelta(days=1)))
    if filters.language:
        conditions.append(rows.c.language == filters.language)
    if filters.channel:
        conditions.append(rows.c.channel == filters.channel)
    if filters.max_confidence is not None:
        conditions.append(rows.c.lowest_confidence < filters.max_confidence)
    if filters.fallback:
        conditions.append(rows.c.fallback == 1)
    if filters.thumbs_down:
        conditions.append(rows.c.thumbs_down == 1)
    if filters.reviewed is not None:
        conditions.append(rows.c.reviewed == (1 if filters.reviewed else 0))
    if filters.tag:
        tags = review_db.tags
        conditions.append(sa.exists().where(tags.c.sender_id == rows.c.sender_id, tags.c.tag == filters.tag))
    if filters.intent:
        found = events.alias("intent_events")
        conditions.append(
            sa.exists().where(
                found.c.sender_id == rows.c.sender_id,
                found.c.type_name == "user",
                found.c.intent_name == filters.intent,
            )
        )
    if filters.search:
        found = events.alias("text_events")
        text = unicode_lower(json_text(found.c.data, "text"))
        conditions.append(
            sa.exists().where(
                found.c.sender_id == rows.c.sender_id,
                found.c.type_name.in_(("user", "bot")),
                text.contains(filters.search.lower()[:MAX_SEARCH_CHARS], autoescape=True),
            )
        )
    return conditions


def list_conversations(
    engine: Engine,
    filters: ConversationFilter,
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
    default_language: str = "en",
) -> ConversationPage:
    """A page of conversations matching ``filters``, newest (latest activity) first.

    Args:
        engine: The tracker store's database.
        filters: What to show.
        page: The page number, from 1.
        page_size: Conversations per page.
        default_language: The ``language`` slot's initial value.

    Returns:
        The page, with the total number of matching conversations.
    """
    page = max(1, page)
    if not has_events_table(engine):
        return ConversationPage((), 0, page, page_size)
    rows = _summary_query(default_language)
    conditions = _conditions(rows, filters)
    enable_unicode_lower(engine)  # the search's lower() on SQLite
    with engine.connect() as connection:
        total = int(connection.execute(sa.select(sa.func.count()).select_from(rows).where(*conditions)).scalar_one())
        page = min(page, max(1, -(-total // page_size)))  # page=9999 shows the last page, not an empty one
        result = connection.execute(
            sa.select(rows)
            .where(*conditions)
            .order_by(rows.c["last"].desc(), rows.c.sender_id)
            .limit(page_size)
            .offset((page - 1) * page_size)
        ).all()
    tags = review_db.tags_for(engine, [row.sender_id for row in result])
    firsts = _first_questions(engine, [row.sender_id for row in result])
    items = tuple(
        ConversationSummary(
            sender_id=row.sender_id,
            started=from_epoch(row.started) or dt.datetime.min,
            last=from_epoch(row.last) or dt.datetime.min,
            language=row.language,
            channel=row.channel,
            user_messages=int(row.user_messages),
            lowest_confidence=_float(row.lowest_confidence),
            fallback=bool(row.fallback),
            thumbs_down=bool(row.thumbs_down),
            reviewed=bool(row.reviewed),
            tags=tuple(tags.get(row.sender_id, ())),
            first_question=firsts.get(row.sender_id, ""),
        )
        for row in result
    )
    return ConversationPage(items, total, page, page_size)


def _first_questions(engine: Engine, senders: Sequence[str]) -> Dict[str, str]:
    """Each conversation's first user message (as stored: masked), for the list."""
    if not senders:
        return {}
    first = (
        sa.select(sa.func.min(events.c.id))
        .where(events.c.type_name == "user", events.c.sender_id.in_(list(senders)))
        .group_by(events.c.sender_id)
    )
    with engine.connect() as connection:
        rows = connection.execute(sa.select(events.c.sender_id, events.c.data).where(events.c.id.in_(first))).all()
    return {row.sender_id: str(_parse(row.data).get("text") or "") for row in rows}


def filter_choices(engine: Engine, default_language: str = "en") -> Dict[str, List[str]]:
    """The values seen in the store, for the list's select boxes: channels, intents, languages, tags."""
    choices: Dict[str, List[str]] = {"channels": [], "intents": [], "languages": [], "tags": []}
    choices["tags"] = review_db.all_tags(engine)
    if not has_events_table(engine):
        return choices
    with engine.connect() as connection:
        users = sa.select(json_text(events.c.data, "input_channel")).where(events.c.type_name == "user").distinct()
        choices["channels"] = sorted(str(value) for (value,) in connection.execute(users) if value)
        intents = sa.select(events.c.intent_name).where(events.c.type_name == "user").distinct()
        choices["intents"] = sorted(str(value) for (value,) in connection.execute(intents) if value)
        slots = (
            sa.select(json_text(events.c.data, "value"))
            .where(events.c.type_name == "slot", json_text(events.c.data, "name") == LANGUAGE_SLOT)
            .distinct()
        )
        seen = {str(value) for (value,) in connection.execute(slots) if value}
        choices["languages"] = sorted(seen | {default_language})
    return choices


def _ratings(connection: Connection, sender_id: str) -> List[Tuple[Optional[str], str]]:
    """The conversation's ratings, oldest first: (rated text, rating)."""
    query = sa.select(feedback.c.message_text, feedback.c.rating).where(feedback.c.sender_id == sender_id)
    try:
        return [(text, rating) for text, rating in connection.execute(query.order_by(feedback.c.id))]
    except sa.exc.DBAPIError:
        return []


def _ratings_of(connection: Connection, senders: Any) -> Dict[str, List[Tuple[Optional[str], str]]]:
    """The ratings of the conversations ``senders`` selects, oldest first, per conversation.

    Run it last on a connection: without a feedback table the query fails (no ratings), which
    on PostgreSQL ends the connection's transaction.
    """
    query = (
        sa.select(feedback.c.sender_id, feedback.c.message_text, feedback.c.rating)
        .where(feedback.c.sender_id.in_(senders))
        .order_by(feedback.c.id)
    )
    found: Dict[str, List[Tuple[Optional[str], str]]] = {}
    try:
        for sender_id, text, rating in connection.execute(query):
            found.setdefault(sender_id, []).append((text, rating))
    except sa.exc.DBAPIError:
        return {}
    return found


def build_turns(rows: Sequence[Any], default_language: str) -> Tuple[List[str], List[Turn], str]:
    """Group one conversation's events (ordered by id) into turns.

    Args:
        rows: Rows with ``id``, ``type_name``, ``timestamp``, ``action_name``, ``data``.
        default_language: The ``language`` slot's initial value.

    Returns:
        The bot's messages before the first user message, the turns, and the final language.
    """
    language = default_language
    greeting: List[str] = []
    turns: List[Turn] = []
    for row in rows:
        kind = row.type_name
        if kind == "user":
            data = _parse(row.data)
            parse = data.get("parse_data") or {}
            intent = parse.get("intent") or {}
            raw_entities = [item for item in parse.get("entities") or [] if isinstance(item, dict)]
            detected = next(
                (str(item.get("value")) for item in raw_entities if item.get("entity") == "detected_language"), None
            )
            entities = [
                Entity(str(item.get("entity")), str(item.get("value")), item.get("text"), item.get("extractor"))
                for item in raw_entities
                if item.get("entity") not in LANGUAGE_ENTITIES
            ]
            turns.append(
                Turn(
                    event_id=int(row.id),
                    timestamp=float(row.timestamp or 0.0),
                    text=str(data.get("text") or ""),
                    intent=intent.get("name"),
                    confidence=_float(intent.get("confidence")),
                    entities=entities,
                    detected_language=detected,
                    language=language,
                    channel=data.get("input_channel"),
                    topic_ranking=dict(parse.get("topic_ranking") or {}),
                )
            )
        elif kind == "slot":
            data = _parse(row.data)
            if data.get("name") == LANGUAGE_SLOT and isinstance(data.get("value"), str):
                language = data["value"]
                if turns:
                    turns[-1].language = language
        elif kind == "action" and turns and row.action_name and row.action_name not in QUIET_ACTIONS:
            turns[-1].actions.append(str(row.action_name))
        elif kind == "bot":
            data = _parse(row.data)
            text = str(data.get("text") or "")
            if turns:
                metadata = data.get("metadata")
                turns[-1].replies.append(text)
                turns[-1].reply_metadata.append(metadata if isinstance(metadata, dict) else {})
                turns[-1].reply_buttons.append(_buttons(data))
            else:
                greeting.append(text)
    return greeting, turns, language


def apply_ratings(turns: Sequence[Turn], ratings: Sequence[Tuple[Optional[str], str]]) -> None:
    """Give each turn the rating of its replies (later ratings replace earlier ones).

    Args:
        turns: One conversation's turns.
        ratings: Its (rated text, rating) pairs, oldest first; the rated text is the turn's
            replies joined by blank lines, or one of them.
    """
    for text, rating in ratings:
        for turn in turns:
            if text is not None and (text == "\n\n".join(turn.replies) or text in turn.replies):
                turn.rating = rating


def classify_turns(turns: Sequence[Turn]) -> None:
    """Set each turn's ``answer_class`` (all of one conversation's turns, ratings applied)."""
    for turn, answer_class in zip(turns, non_answers.classify(turns), strict=True):
        turn.answer_class = answer_class


def load_transcript(engine: Engine, sender_id: str, default_language: str = "en") -> Optional[Transcript]:
    """One conversation's transcript, or None when it has no stored events.

    Args:
        engine: The tracker store's database.
        sender_id: The conversation.
        default_language: The ``language`` slot's initial value.

    Returns:
        The transcript: every user message with its language, intent, confidence, entities, the
        actions the bot took and its replies, the user's rating of the answer and its answer class.
    """
    if not has_events_table(engine):
        return None
    query = (
        sa.select(events.c.id, events.c.type_name, events.c.timestamp, events.c.action_name, events.c.data)
        .where(events.c.sender_id == sender_id)
        .order_by(events.c.id)
    )
    with engine.connect() as connection:
        rows = connection.execute(query).all()
        ratings = _ratings(connection, sender_id)
    if not rows:
        return None
    greeting, turns, language = build_turns(rows, default_language)
    apply_ratings(turns, ratings)
    classify_turns(turns)
    channel = next((turn.channel for turn in turns if turn.channel), None)
    return Transcript(sender_id, language, channel, from_epoch(rows[0].timestamp), tuple(greeting), tuple(turns))


def find_user_message(engine: Engine, sender_id: str, event_id: int, default_language: str = "en") -> Optional[Turn]:
    """The turn of one user message of a conversation (for corrections), or None."""
    transcript = load_transcript(engine, sender_id, default_language)
    if transcript is None:
        return None
    return next((turn for turn in transcript.turns if turn.event_id == event_id), None)


def turns_between(
    engine: Engine, start: Optional[float], end: Optional[float], default_language: str = "en"
) -> Dict[str, List[Turn]]:
    """Every turn whose user message falls in ``[start, end)`` (epoch seconds), per conversation.

    The conversations' other events and ratings are read too, so each turn knows the language
    the conversation had at that time, its rating and its answer class (which can depend on the
    next message, even one after ``end``).
    """
    if not has_events_table(engine):
        return {}
    in_range = [events.c.type_name == "user"]
    if start is not None:
        in_range.append(events.c.timestamp >= start)
    if end is not None:
        in_range.append(events.c.timestamp < end)
    senders = sa.select(events.c.sender_id).where(*in_range).distinct()
    query = (
        sa.select(events.c.sender_id, events.c.id, events.c.type_name, events.c.timestamp, events.c.action_name,
                  events.c.data)
        .where(events.c.sender_id.in_(senders), events.c.type_name.in_(("user", "slot", "action", "bot")))
        .order_by(events.c.sender_id, events.c.id)
    )
    grouped: Dict[str, List[Any]] = {}
    with engine.connect() as connection:
        for row in connection.execute(query):
            grouped.setdefault(row.sender_id, []).append(row)
        ratings = _ratings_of(connection, senders)
    result: Dict[str, List[Turn]] = {}
    for sender_id, rows in grouped.items():
        _, turns, _ = build_turns(rows, default_language)
        apply_ratings(turns, ratings.get(sender_id, []))
        classify_turns(turns)
        kept = [
            turn for turn in turns
            if (start is None or turn.timestamp >= start) and (end is None or turn.timestamp < end)
        ]
        if kept:
            result[sender_id] = kept
    return result

