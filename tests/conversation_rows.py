"""Fill every table that holds a conversation's data, with the modules' own functions; search them all.

Used by ``tests/test_deletion_everywhere.py`` and ``tests/test_retention.py``. Every row written
for a conversation mentions its sender id (in its ``sender_id`` column and, where the table has
text, in the text too), so :func:`places_mentioning` finds any row left behind, in any table, also in
tables added later.
"""

from __future__ import annotations

import asyncio
import time
from typing import Set, Tuple

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.engine import Engine

from bot.channels.callbacks import record_undelivered
from bot.console import accounts_db, review_db, suspects
from bot.console.audit import record
from bot.web.conversations import ConversationStore

DAY = 86400
#: The tables a conversation fills (besides the audit log, which keeps conversation ids on purpose).
FILLED = {
    "events", "feedback", "console_tags", "console_notes", "console_reviews", "console_corrections",
    "undelivered_replies", "conversation_owners", "console_dismissals",
    "handoffs", "handoff_outbox", "handoff_contacts", "handoff_routes",
}


def save_events(url: str, sender: str, age_days: float) -> None:
    """Store a three-event conversation whose newest event is ``age_days`` old (Rasa's SQLTrackerStore)."""
    store = SQLTrackerStore(Domain.empty(), host=url)
    stamp = time.time() - age_days * DAY
    events = [
        ActionExecuted("action_listen", timestamp=stamp - 2),
        UserUttered(f"hello, I am {sender}", intent={"name": "greet", "confidence": 0.9}, timestamp=stamp - 1),
        BotUttered(f"hello {sender}", timestamp=stamp),
    ]
    asyncio.run(store.save(DialogueStateTracker.from_events(sender, events)))
    store.engine.dispose()


def user_event_id(engine: Engine, sender: str) -> int:
    """The id of the conversation's (first) user message in ``events``."""
    with engine.connect() as connection:
        return int(
            connection.execute(
                sa.text("SELECT min(id) FROM events WHERE sender_id = :s AND type_name = 'user'"), {"s": sender}
            ).scalar_one()
        )


def fill_side_tables(url: str, engine: Engine, sender: str) -> None:
    """Write the conversation's owner, feedback, review data, an undelivered reply and an audit entry."""
    store = ConversationStore(url)
    store.owners.claim(sender, "rest", None)
    store.add_feedback(sender, "down", f"bad answer to {sender}")
    store.close()
    review_db.ensure_tables(engine)
    accounts_db.metadata.create_all(engine)
    review_db.add_tag(engine, sender, "wrong-answer", "rita")
    review_db.add_note(engine, sender, f"note on {sender}", "rita")
    review_db.set_reviewed(engine, sender, True, "rita")
    suspects.mark_fine(engine, sender, user_event_id(engine, sender), "rita")
    review_db.add_correction(
        engine, sender_id=sender, event_id=user_event_id(engine, sender), original_text=f"hello, I am {sender}",
        language="en", original_intent="greet", corrected_intent="ask_cpr", corrected_entities=[], user="rita",
    )
    record_undelivered(
        engine, sender, "https://hooks.example.org/reply?token=abc", 5, "attempt 5: HTTP 503",
        {"sender": sender, "messages": [{"text": f"hello {sender}"}]},
    )
    record(engine, "view_conversation", sender, user_name="rita")
    fill_handoff(engine, sender)


def fill_handoff(engine: Engine, sender: str) -> None:
    """A live request with a staff message, and a question left with an e-mail address."""
    from bot.handoff.store import AWAITING_EMAIL, OFFERED, HandoffStore

    handoffs = HandoffStore(engine)
    handoffs.create_tables()
    live = handoffs.request(sender, "socketio", "en", "person_requested", live=True)
    handoffs.take(live.id, "rita", "en")
    handoffs.hand_back(live.id, "rita")
    left = handoffs.request(sender, "socketio", "en", "person_requested", live=False)
    handoffs.set_status(left.id, OFFERED, AWAITING_EMAIL)
    handoffs.leave_message(left.id, sender, f"{sender}@example.org")
    handoffs.remember_callback(sender, f"https://hooks.example.org/{sender}?token=abc", "k1")


def fill_conversation(url: str, engine: Engine, sender: str, age_days: float = 0) -> None:
    """Fill every table for one conversation whose newest event is ``age_days`` old."""
    save_events(url, sender, age_days)
    fill_side_tables(url, engine, sender)


def places_mentioning(engine: Engine, text: str) -> Set[Tuple[str, str]]:
    """(table, column) of every value, in every table of the database, that contains ``text``."""
    found: Set[Tuple[str, str]] = set()
    inspector = sa.inspect(engine)
    with engine.connect() as connection:
        for table in inspector.get_table_names():
            quoted = engine.dialect.identifier_preparer.quote(table)
            result = connection.execute(sa.text(f"SELECT * FROM {quoted}"))
            columns = list(result.keys())
            for row in result:
                for column, value in zip(columns, row, strict=True):
                    if value is not None and text in str(value):
                        found.add((table, column))
    return found
