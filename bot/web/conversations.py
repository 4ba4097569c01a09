"""The web app's access to stored conversations: owner check, deletion, feedback.

Conversations live in the Rasa tracker store's ``events`` table (SQLite by default, PostgreSQL in
production, ``TRACKER_DB_URL``); feedback lives in the web app's own ``feedback`` table in the
same database, its text masked like the events (:mod:`bot.masking`). Deletion covers every
table with conversation data (:mod:`bot.conversation_data`). Calls are synchronous (SQLAlchemy 1.4); the
API runs them in a thread.
"""

from __future__ import annotations

import datetime as dt
from typing import Optional

import sqlalchemy as sa

from bot.conversation_data import delete_conversation
from bot.masking import mask_text
from bot.stores.masked_events import public_values
from bot.stores.owners import Owner, OwnerRegistry

metadata = sa.MetaData()

feedback = sa.Table(
    "feedback",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("rating", sa.String(8), nullable=False),
    sa.Column("message_text", sa.Text, nullable=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
)


class ConversationStore:
    """Reads and deletes conversations in the tracker store's database."""

    def __init__(self, database_url: str) -> None:
        """Connect (lazily) to the database and create the feedback table if needed."""
        self.engine = sa.create_engine(database_url, future=True, pool_pre_ping=True)  # survive dropped connections
        metadata.create_all(self.engine)
        self.owners = OwnerRegistry(self.engine)
        self.owners.create_table()

    def close(self) -> None:
        """Release the connection pool."""
        self.engine.dispose()

    def owner(self, sender_id: str) -> Optional[Owner]:
        """The conversation's owner (:mod:`bot.stores.owners`), or None when there is no conversation."""
        return self.owners.get(sender_id)

    def delete(self, sender_id: str) -> int:
        """Delete every row of a conversation in every table; returns the events deleted.

        The tables are those of :func:`bot.conversation_data.delete_conversation`: events, feedback,
        the console's review data and undelivered webhook replies.
        """
        return delete_conversation(self.engine, sender_id).get("events", 0)

    def add_feedback(self, sender_id: str, rating: str, text: Optional[str]) -> None:
        """Store a thumbs up/down on an answer, its text masked like the stored events.

        The text is the rated reply as the widget shows it; it is masked with the same public
        values as the tracker store's events (:func:`bot.stores.masked_events.public_values`), so
        no personal data is stored and the console can still match it with the stored reply.
        """
        if text is not None:
            text = mask_text(text, public_values()).text
        with self.engine.begin() as connection:
            connection.execute(
                feedback.insert().values(
                    sender_id=sender_id, rating=rating, message_text=text, created_at=dt.datetime.utcnow()
                )
            )

    def count_feedback(self, sender_id: str) -> int:
        """How many ratings a conversation has."""
        with self.engine.connect() as connection:
            query = sa.select(sa.func.count()).select_from(feedback).where(feedback.c.sender_id == sender_id)
            return int(connection.execute(query).scalar_one())
