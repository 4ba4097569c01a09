"""A rating's text is stored masked, like the events, and still finds its turn (SQLite and PostgreSQL).

The widget sends the rated reply as the user saw it (raw: the current turn keeps personal data in
memory only); the tracker store keeps that reply masked. The feedback table must hold no personal
data either, and the console must still match the rating with the stored reply.
"""

from __future__ import annotations

import asyncio
from typing import List

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.console.transcripts import load_transcript
from bot.stores.masked_events import mask_events, public_values
from bot.web.conversations import ConversationStore, feedback
from tests.databases import database_url

DB_KINDS = ["sqlite", "postgresql"]
SENDER = "rated-conversation"
#: A reply quoting the user's own e-mail address and CPR number (personal data: masked when stored).
PERSONAL_REPLY = "I will send the form to anna.hansen@example.com for CPR 010190-1234."
#: A reply with the content's public phone number and e-mail address (kept readable when stored).
PUBLIC_REPLY = "International House North Denmark: phone +45 99 31 15 30, e-mail info@ihnd.dk."


def save_masked(url: str, events: List[Event]) -> None:
    """Store events masked exactly as ``ConfiguredTrackerStore`` does (same function, same public values)."""
    store = SQLTrackerStore(Domain.empty(), host=url)
    try:
        tracker = DialogueStateTracker.from_events(SENDER, mask_events(events, public_values()))
        asyncio.run(store.save(tracker))
    finally:
        store.engine.dispose()


def conversation() -> List[Event]:
    intent = {"name": "ask_topic", "confidence": 0.9}
    return [
        ActionExecuted("action_listen", timestamp=1.0),
        UserUttered("my mail is anna.hansen@example.com", intent, timestamp=2.0),
        ActionExecuted("action_answer_topic", timestamp=3.0),
        BotUttered(PERSONAL_REPLY, timestamp=4.0),
        ActionExecuted("action_listen", timestamp=5.0),
        UserUttered("how do I call International House?", intent, timestamp=6.0),
        ActionExecuted("action_answer_contact", timestamp=7.0),
        BotUttered(PUBLIC_REPLY, timestamp=8.0),
        ActionExecuted("action_listen", timestamp=9.0),
    ]


@pytest.mark.parametrize("kind", DB_KINDS)
def test_feedback_text_is_masked_and_still_matches_its_turn(kind: str, tmp_path) -> None:
    with database_url(kind, tmp_path) as url:
        save_masked(url, conversation())
        store = ConversationStore(url)
        try:
            store.add_feedback(SENDER, "down", PERSONAL_REPLY)
            store.add_feedback(SENDER, "up", PUBLIC_REPLY)
            store.add_feedback(SENDER, "up", None)
            with store.engine.connect() as connection:
                stored = connection.execute(
                    sa.select(feedback.c.rating, feedback.c.message_text).order_by(feedback.c.id)
                ).all()
            assert [tuple(row) for row in stored] == [
                ("down", "I will send the form to [EMAIL] for CPR [CPR]."),
                ("up", PUBLIC_REPLY),  # the content's public contact details stay readable
                ("up", None),
            ]
            transcript = load_transcript(store.engine, SENDER, "en")
            assert transcript is not None
            first, second = transcript.turns
            assert first.replies == ["I will send the form to [EMAIL] for CPR [CPR]."]
            assert (first.rating, second.rating) == ("down", "up")
        finally:
            store.close()
