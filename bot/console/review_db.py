"""The console's own review data: tags, notes, "reviewed" marks and intent/entity corrections.

The tables live in the same database as the Rasa tracker store (SQLite by default, PostgreSQL in
production) and refer to conversations by ``sender_id`` and to messages by the tracker store's
event ``id``. All functions are synchronous (SQLAlchemy 1.4, ``future=True``); the pages call them
through ``asyncio.to_thread``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Optional, Sequence

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine

metadata = sa.MetaData()

#: Longest tag, note and entity value accepted.
MAX_TAG_CHARS = 40
MAX_NOTE_CHARS = 2000
MAX_ENTITY_VALUE_CHARS = 200

tags = sa.Table(
    "console_tags",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("tag", sa.String(MAX_TAG_CHARS), nullable=False, index=True),
    sa.Column("created_by", sa.String(255), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.UniqueConstraint("sender_id", "tag", name="uq_console_tags_sender_tag"),
)

notes = sa.Table(
    "console_notes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("created_by", sa.String(255), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
)

reviews = sa.Table(
    "console_reviews",
    metadata,
    sa.Column("sender_id", sa.String(255), primary_key=True),
    sa.Column("reviewed_by", sa.String(255), nullable=False),
    sa.Column("reviewed_at", sa.DateTime, nullable=False),
)

corrections = sa.Table(
    "console_corrections",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("event_id", sa.Integer, nullable=False, index=True),
    sa.Column("original_text", sa.Text, nullable=False),
    sa.Column("language", sa.String(16), nullable=False),
    sa.Column("original_intent", sa.String(255), nullable=True),
    sa.Column("corrected_intent", sa.String(255), nullable=False),
    sa.Column("corrected_entities", sa.Text, nullable=False, default="[]"),
    sa.Column("created_by", sa.String(255), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("exported_at", sa.DateTime, nullable=True, index=True),
    # Added later (bot.console.exports.upgrade_corrections adds them to an older table):
    sa.Column("export_id", sa.Integer, nullable=True, index=True),
    sa.Column("discarded_at", sa.DateTime, nullable=True),
    sa.Column("discarded_by", sa.String(255), nullable=True),
)


class ReviewInputError(ValueError):
    """Input a reviewer sent that cannot be stored (the message says why)."""

    def __init__(self, field: str, message: str) -> None:
        """Remember the offending form field.

        Args:
            field: The form field's name.
            message: What is wrong, for the reviewer.
        """
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Note:
    """A reviewer's note on a conversation."""

    id: int
    sender_id: str
    body: str
    created_by: str
    created_at: dt.datetime


@dataclass(frozen=True)
class Review:
    """Who marked a conversation reviewed, and when."""

    sender_id: str
    reviewed_by: str
    reviewed_at: dt.datetime


@dataclass(frozen=True)
class EntityAnnotation:
    """An entity marked in a message's text (``text[start:end] == value``)."""

    entity: str
    value: str
    start: int
    end: int

    def as_dict(self) -> Dict[str, Any]:
        """The annotation as stored (JSON) and shown."""
        return {"entity": self.entity, "value": self.value, "start": self.start, "end": self.end}


@dataclass(frozen=True)
class Correction:
    """A reviewer's correction of one user message's intent and entities."""

    id: int
    sender_id: str
    event_id: int
    original_text: str
    language: str
    original_intent: Optional[str]
    corrected_intent: str
    corrected_entities: Sequence[EntityAnnotation]
    created_by: str
    created_at: dt.datetime
    exported_at: Optional[dt.datetime]


def _now() -> dt.datetime:
    return dt.datetime.utcnow().replace(microsecond=0)


def ensure_tables(engine: Engine) -> None:
    """Create the console's review tables if they do not exist yet, and add columns added later."""
    from bot.console import dismissals, exports  # noqa: F401  (their tables are on this metadata)

    metadata.create_all(engine)
    exports.upgrade_corrections(engine)


def _insert_or_update(
    connection: Connection,
    table: sa.Table,
    values: Dict[str, Any],
    keys: Sequence[str],
    update: Sequence[str] = (),
) -> None:
    """Insert a row; when a row with the same ``keys`` exists, update its ``update`` columns instead.

    One statement (``INSERT ... ON CONFLICT``) on SQLite and PostgreSQL, so two reviewers (or a
    double click) writing the same row at the same moment cannot fail on the unique key.

    Args:
        connection: An open connection in a transaction.
        table: The table.
        values: The row.
        keys: The columns of the unique key.
        update: Columns to overwrite on a conflict (none: keep the existing row as it is).
    """
    dialect = connection.dialect.name
    if dialect not in ("sqlite", "postgresql"):  # no upsert statement: insert, and ignore a duplicate
        try:
            with connection.begin_nested():
                connection.execute(table.insert().values(**values))
        except sa.exc.IntegrityError:
            if update:
                condition = sa.and_(*(table.c[key] == values[key] for key in keys))
                connection.execute(table.update().where(condition).values({c: values[c] for c in update}))
        return
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(table).values(**values)
    if update:
        statement = statement.on_conflict_do_update(
            index_elements=list(keys), set_={column: statement.excluded[column] for column in update}
        )
    else:
        statement = statement.on_conflict_do_nothing(index_elements=list(keys))
    connection.execute(statement)


def normalise_tag(raw: str) -> str:
    """A tag as stored: trimmed, lower case, inner whitespace collapsed.

    Args:
        raw: The tag as typed.

    Returns:
        The normalised tag.

    Raises:
        ReviewInputError: If the tag is empty, too long or contains control characters.
    """
    tag = " ".join(unicodedata.normalize("NFKC", raw or "").split()).lower()
    if not tag:
        raise ReviewInputError("tag", "the tag is empty")
    if len(tag) > MAX_TAG_CHARS:
        raise ReviewInputError("tag", f"a tag has at most {MAX_TAG_CHARS} characters")
    if any(unicodedata.category(char).startswith("C") for char in tag):
        raise ReviewInputError("tag", "a tag cannot contain control characters")
    return tag


def add_tag(engine: Engine, sender_id: str, raw_tag: str, user: str) -> str:
    """Tag a conversation (adding a tag it already has changes nothing).

    Returns:
        The normalised tag.
    """
    tag = normalise_tag(raw_tag)
    values = dict(sender_id=sender_id, tag=tag, created_by=user, created_at=_now())
    with engine.begin() as connection:
        _insert_or_update(connection, tags, values, keys=("sender_id", "tag"))
    return tag


def remove_tag(engine: Engine, sender_id: str, raw_tag: str) -> bool:
    """Remove a tag from a conversation; True when it had the tag."""
    tag = normalise_tag(raw_tag)
    with engine.begin() as connection:
        result = connection.execute(tags.delete().where(tags.c.sender_id == sender_id, tags.c.tag == tag))
    return bool(result.rowcount)


def tags_for(engine: Engine, sender_ids: Iterable[str]) -> Dict[str, List[str]]:
    """The tags of each conversation, sorted; conversations without tags are absent."""
    wanted = list(dict.fromkeys(sender_ids))
    found: Dict[str, List[str]] = {}
    if not wanted:
        return found
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(tags.c.sender_id, tags.c.tag).where(tags.c.sender_id.in_(wanted)).order_by(tags.c.tag)
        ).all()
    for sender_id, tag in rows:
        found.setdefault(sender_id, []).append(tag)
    return found


def all_tags(engine: Engine) -> List[str]:
    """Every tag in use, sorted (for the list's filter)."""
    with engine.connect() as connection:
        return [row[0] for row in connection.execute(sa.select(tags.c.tag).distinct().order_by(tags.c.tag))]


def add_note(engine: Engine, sender_id: str, body: str, user: str) -> Note:
    """Add a note to a conversation, masked like the messages before it is stored.

    Staff write what they did ("called her: CPR ..."); personal numbers, e-mail addresses and
    phone numbers are replaced by placeholders (:mod:`bot.masking`), keeping the content's public
    contact details, exactly as for the conversation's own events (issue #21).

    Raises:
        ReviewInputError: If the note is empty or too long.
    """
    text = (body or "").strip()
    if not text:
        raise ReviewInputError("note", "the note is empty")
    if len(text) > MAX_NOTE_CHARS:
        raise ReviewInputError("note", f"a note has at most {MAX_NOTE_CHARS} characters")
    from bot.masking import mask_text
    from bot.stores.masked_events import public_values

    text = mask_text(text, public_values()).text
    created = _now()
    with engine.begin() as connection:
        result = connection.execute(
            notes.insert().values(sender_id=sender_id, body=text, created_by=user, created_at=created)
        )
        note_id = int(result.inserted_primary_key[0])
    return Note(note_id, sender_id, text, user, created)


def notes_for(engine: Engine, sender_id: str) -> List[Note]:
    """A conversation's notes, oldest first."""
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(notes).where(notes.c.sender_id == sender_id).order_by(notes.c.id)
        ).all()
    return [Note(row.id, row.sender_id, row.body, row.created_by, row.created_at) for row in rows]


def set_reviewed(engine: Engine, sender_id: str, reviewed: bool, user: str) -> None:
    """Mark a conversation reviewed (by ``user``, now) or not reviewed."""
    with engine.begin() as connection:
        if reviewed:
            values = dict(sender_id=sender_id, reviewed_by=user, reviewed_at=_now())
            _insert_or_update(connection, reviews, values, keys=("sender_id",), update=("reviewed_by", "reviewed_at"))
        else:
            connection.execute(reviews.delete().where(reviews.c.sender_id == sender_id))


def review_of(engine: Engine, sender_id: str) -> Optional[Review]:
    """Who reviewed the conversation and when; None when it is not reviewed."""
    with engine.connect() as connection:
        row = connection.execute(sa.select(reviews).where(reviews.c.sender_id == sender_id)).first()
    return None if row is None else Review(row.sender_id, row.reviewed_by, row.reviewed_at)


_ENTITY_LINE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*[:=]\s*(.+?)\s*$")


def parse_entities(raw: str, text: str, allowed: Optional[Sequence[str]] = None) -> List[EntityAnnotation]:
    """Read corrected entities typed as one ``entity: words from the message`` per line.

    The words must occur in the message's text (the first occurrence not already annotated is
    marked), so the export can annotate them as ``[words](entity)``.

    Args:
        raw: The form field's text.
        text: The message's text.
        allowed: The entity names the domain knows (None: any name).

    Returns:
        The annotations, in the order of their position in the text.

    Raises:
        ReviewInputError: On a malformed line, an unknown entity, words not in the text or overlaps.
    """
    found: List[EntityAnnotation] = []
    for number, line in enumerate((raw or "").splitlines(), start=1):
        if not line.strip():
            continue
        match = _ENTITY_LINE.match(line)
        if match is None:
            raise ReviewInputError("entities", f"line {number}: write 'entity: words from the message'")
        entity, value = match.group(1), match.group(2)
        if allowed is not None and entity not in allowed:
            raise ReviewInputError("entities", f"line {number}: unknown entity {entity!r}")
        if len(value) > MAX_ENTITY_VALUE_CHARS:
            raise ReviewInputError("entities", f"line {number}: the value is too long")
        if any(char in value for char in "[](){}"):
            raise ReviewInputError("entities", f"line {number}: brackets cannot be part of an entity")
        start = text.find(value)
        while start >= 0 and any(start < other.end and other.start < start + len(value) for other in found):
            start = text.find(value, start + 1)
        if start < 0:
            raise ReviewInputError("entities", f"line {number}: {value!r} does not occur in the message")
        found.append(EntityAnnotation(entity, value, start, start + len(value)))
    return sorted(found, key=lambda item: item.start)


def _entities_from_json(raw: Optional[str]) -> List[EntityAnnotation]:
    items = json.loads(raw or "[]")
    return [EntityAnnotation(str(i["entity"]), str(i["value"]), int(i["start"]), int(i["end"])) for i in items]


def _correction(row: Any) -> Correction:
    return Correction(
        id=row.id,
        sender_id=row.sender_id,
        event_id=row.event_id,
        original_text=row.original_text,
        language=row.language,
        original_intent=row.original_intent,
        corrected_intent=row.corrected_intent,
        corrected_entities=tuple(_entities_from_json(row.corrected_entities)),
        created_by=row.created_by,
        created_at=row.created_at,
        exported_at=row.exported_at,
    )


def add_correction(
    engine: Engine,
    *,
    sender_id: str,
    event_id: int,
    original_text: str,
    language: str,
    original_intent: Optional[str],
    corrected_intent: str,
    corrected_entities: Sequence[EntityAnnotation],
    user: str,
) -> Correction:
    """Record a correction of one message; a correction of the same message not yet exported is replaced.

    Returns:
        The stored correction.
    """
    entities_json = json.dumps([item.as_dict() for item in corrected_entities], ensure_ascii=False)
    values = dict(
        sender_id=sender_id,
        event_id=event_id,
        original_text=original_text,
        language=language,
        original_intent=original_intent,
        corrected_intent=corrected_intent,
        corrected_entities=entities_json,
        created_by=user,
        created_at=_now(),
        exported_at=None,
    )
    with engine.begin() as connection:
        pending = connection.execute(
            sa.select(corrections.c.id).where(corrections.c.event_id == event_id, corrections.c.exported_at.is_(None))
        ).first()
        if pending is None:
            correction_id = int(connection.execute(corrections.insert().values(**values)).inserted_primary_key[0])
        else:
            correction_id = int(pending[0])
            connection.execute(corrections.update().where(corrections.c.id == correction_id).values(**values))
        row = connection.execute(sa.select(corrections).where(corrections.c.id == correction_id)).one()
    return _correction(row)


def corrections_for(engine: Engine, sender_id: str) -> List[Correction]:
    """A conversation's corrections, oldest first."""
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(corrections).where(corrections.c.sender_id == sender_id).order_by(corrections.c.id)
        ).all()
    return [_correction(row) for row in rows]


def pending_corrections(engine: Engine, language: Optional[str] = None) -> List[Correction]:
    """Corrections not exported yet and not discarded (the NLU inbox), optionally of one language, oldest first."""
    query = sa.select(corrections).where(corrections.c.exported_at.is_(None), corrections.c.discarded_at.is_(None))
    if language is not None:
        query = query.where(corrections.c.language == language)
    with engine.connect() as connection:
        rows = connection.execute(query.order_by(corrections.c.id)).all()
    return [_correction(row) for row in rows]


def mark_exported(engine: Engine, correction_ids: Sequence[int]) -> int:
    """Mark corrections as exported (they leave the inbox); returns how many were marked."""
    if not correction_ids:
        return 0
    with engine.begin() as connection:
        result = connection.execute(
            corrections.update()
            .where(corrections.c.id.in_(list(correction_ids)), corrections.c.exported_at.is_(None))
            .values(exported_at=_now())
        )
    return int(result.rowcount or 0)
