"""Personal data never reaches the tracker database or the event broker, in SQLite and in PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path
from typing import List

import pytest
import sqlalchemy as sa
from rasa.core.brokers.sql import SQLEventBroker
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

import bot.stores.tracker_store as module
from bot.settings import Settings
from bot.stores.masked_events import mask_event
from bot.stores.tracker_store import ConfiguredTrackerStore
from tests.databases import database_url

RAW_VALUES = [
    "010190-1234", "0101901234", "anna.hansen@example.com", "+45 12 34 56 78", "22 33 44 55",
    "DK50 0040 0440 1162 43", "AB1234567", "1234-1234567890", "olena@example.ua", "+49 170 1234567",
]
PLACEHOLDERS = ["[CPR]", "[EMAIL]", "[PHONE]", "[IBAN]", "[PASSPORT]", "[ACCOUNT]"]
IHND_PHONE = "+45 99 31 15 30"  # public: the content's contact number stays readable


def user(text: str, metadata: dict | None = None) -> UserUttered:
    entities = [{"entity": "topic", "value": "cpr", "start": 3, "end": 6, "extractor": "ContentEntityExtractor"}]
    if "@" in text:
        entities.append({"entity": "email", "value": "anna.hansen@example.com", "start": 9, "end": 32})
    return UserUttered(
        text,
        {"name": "ask_cpr", "confidence": 0.9},
        entities,
        parse_data={"text": text, "intent": {"name": "ask_cpr", "confidence": 0.9}, "entities": entities},
        input_channel="rest",
        message_id=uuid.uuid4().hex,
        metadata=metadata,
    )


def conversation_events() -> List[Event]:
    # As in Rasa's processor: SessionStarted is created while action_session_start runs, and the
    # ActionExecuted for it afterwards, but logged first. SQLTrackerStore counts the stored events
    # of the current session by timestamp, so the order of creation matters.
    session_started = SessionStarted()
    return [
        ActionExecuted("action_session_start"),
        session_started,
        ActionExecuted("action_listen"),
        user("my CPR is 010190-1234, what now?", {"language": "en", "session_secret_hash": "ab" * 32}),
        SlotSet("language", "en"),
        BotUttered(f"Your CPR number 010190-1234 is personal. Call IHND at {IHND_PHONE}."),
        ActionExecuted("action_listen"),
        user("write to anna.hansen@example.com or call +45 12 34 56 78",
             {"note": "reach me at 22 33 44 55", "nested": [{"iban": "DK50 0040 0440 1162 43"}]}),
        SlotSet("question", "my passport AB1234567 and account 1234-1234567890"),
        BotUttered("Noted.", {"buttons": [{"title": "Mail olena@example.ua", "payload": "/greet"}]}),
        ActionExecuted("action_listen"),
        user("0101901234 +49 170 1234567"),
    ]


def store_for(monkeypatch, url: str, broker=None) -> ConfiguredTrackerStore:
    monkeypatch.setattr(module, "get_settings", lambda: Settings(tracker_db_url=url))
    return ConfiguredTrackerStore(domain=Domain.empty(), event_broker=broker, connect_timeout=3)


def stored_rows(url: str, table: str = "events") -> List[str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return [row[0] for row in connection.execute(sa.text(f"SELECT data FROM {table} ORDER BY id"))]
    finally:
        engine.dispose()


def assert_masked(rows: List[str]) -> None:
    dump = "\n".join(rows)
    for raw in RAW_VALUES:
        assert raw not in dump
        assert json.dumps(raw)[1:-1] not in dump
    for mark in PLACEHOLDERS:
        assert mark in dump, mark


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_stored_events_are_masked_and_counted_once(monkeypatch, tmp_path, kind):
    with database_url(kind, tmp_path) as url:
        store = store_for(monkeypatch, url)
        sender = f"test-{uuid.uuid4().hex}"
        events = conversation_events()
        tracker = DialogueStateTracker.from_events(sender, events)
        raw_dicts = [event.as_dict() for event in tracker.events]

        asyncio.run(store.save(tracker))
        rows = stored_rows(url)
        assert len(rows) == len(events) == 12
        assert_masked(rows)
        stored = [json.loads(row) for row in rows]
        assert stored[3]["text"] == "my CPR is [CPR], what now?"
        assert stored[3]["parse_data"]["text"] == "my CPR is [CPR], what now?"
        assert stored[3]["metadata"] == {"language": "en", "session_secret_hash": "ab" * 32}
        assert stored[5]["text"] == f"Your CPR number [CPR] is personal. Call IHND at {IHND_PHONE}."
        assert stored[7]["text"] == "write to [EMAIL] or call [PHONE]"
        assert [e["value"] for e in stored[7]["parse_data"]["entities"]] == ["cpr", "[EMAIL]"]
        assert stored[7]["metadata"] == {"note": "reach me at [PHONE]", "nested": [{"iban": "[IBAN]"}]}
        assert stored[8] == {**raw_dicts[8], "value": "my passport [PASSPORT] and account [ACCOUNT]"}
        assert stored[9]["data"]["buttons"] == [{"title": "Mail [EMAIL]", "payload": "/greet"}]
        assert stored[11]["text"] == "[CPR] [PHONE]"
        # events without personal data are stored exactly as Rasa would store them
        for index in (0, 1, 2, 4, 6, 10):
            assert stored[index] == raw_dicts[index]
        # the tracker the turn works with keeps the raw text
        assert [event.as_dict() for event in tracker.events] == raw_dicts

        # saving the same tracker again adds nothing; one new event adds one row
        asyncio.run(store.save(tracker))
        assert len(stored_rows(url)) == 12
        tracker.update(BotUttered("Mail me at anna.hansen@example.com"))
        asyncio.run(store.save(tracker))
        rows = stored_rows(url)
        assert len(rows) == 13
        assert json.loads(rows[-1])["text"] == "Mail me at [EMAIL]"
        assert_masked(rows)

        # a tracker read back (as on the next turn) has the masked texts and the same length
        restored = asyncio.run(store.retrieve(sender))
        assert restored is not None
        assert len(restored.events) == 13
        assert restored.latest_message.text == "[CPR] [PHONE]"
        assert restored.get_slot("question") is None  # not in the empty domain; the event is there:
        assert [e.value for e in restored.events if isinstance(e, SlotSet)] == [
            "en", "my passport [PASSPORT] and account [ACCOUNT]",
        ]
        asyncio.run(store.save(restored))
        assert len(stored_rows(url)) == 13
        # the next turn, on the tracker read back: the new message is masked and stored once
        restored.update(user("my new number is 22 33 44 55"))
        asyncio.run(store.save(restored))
        asyncio.run(store.save(restored))
        rows = stored_rows(url)
        assert len(rows) == 14
        assert json.loads(rows[-1])["text"] == "my new number is [PHONE]"
        assert_masked(rows)


def test_the_store_rasa_is_configured_with_masks(monkeypatch, tmp_path):
    """Whatever class endpoints.yml names (a subclass or a mixin added later) must keep masking."""
    from rasa.core.utils import read_endpoints_from_path
    from rasa.shared.utils.common import class_from_module_path

    monkeypatch.setenv("ACTION_ENDPOINT_URL", "http://127.0.0.1:1/webhook")
    endpoints = read_endpoints_from_path(Path(module.__file__).resolve().parents[2] / "endpoints.yml")
    store_class = class_from_module_path(endpoints.tracker_store.type)
    assert issubclass(store_class, ConfiguredTrackerStore)
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    monkeypatch.setattr(module, "get_settings", lambda: Settings(tracker_db_url=url))
    store = store_class(domain=Domain.empty(), connect_timeout=3)
    sender = f"test-{uuid.uuid4().hex}"
    asyncio.run(store.save(DialogueStateTracker.from_events(sender, conversation_events())))
    restored = asyncio.run(store.retrieve(sender))
    restored.update(user("mail anna.hansen@example.com, CPR 010190-1234"))
    asyncio.run(store.save(restored))
    rows = stored_rows(url)
    assert len(rows) == 13
    assert json.loads(rows[-1])["text"] == "mail [EMAIL], CPR [CPR]"
    assert_masked(rows)


def test_events_published_to_the_broker_are_masked(monkeypatch, tmp_path: Path):
    broker_db = tmp_path / "broker.db"
    broker = SQLEventBroker(dialect="sqlite", db=str(broker_db))
    with database_url("sqlite", tmp_path) as url:
        store = store_for(monkeypatch, url, broker)
        tracker = DialogueStateTracker.from_events(f"test-{uuid.uuid4().hex}", conversation_events())
        asyncio.run(store.save(tracker))
        asyncio.run(store.save(tracker))
        published = stored_rows(f"sqlite:///{broker_db}")
        assert len(published) == 12
        assert_masked(published)
        assert json.loads(published[3])["text"] == "my CPR is [CPR], what now?"
        assert json.loads(published[3])["sender_id"] == tracker.sender_id
        assert_masked(stored_rows(url))
    broker.engine.dispose()


def test_events_without_personal_data_are_not_copied():
    event = UserUttered("where is ihnd?", {"name": "ask_address"}, message_id="abc")
    assert mask_event(event) is event
    masked = mask_event(UserUttered("call 22 33 44 55", {"name": "ask_address"}, message_id="abc"))
    assert masked.as_dict()["text"] == "call [PHONE]"
    assert masked.as_dict()["message_id"] == "abc"
