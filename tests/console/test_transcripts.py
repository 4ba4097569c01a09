"""The conversation read model against SQLite and PostgreSQL, on events written by Rasa's SQLTrackerStore."""

from __future__ import annotations

import datetime as dt
from typing import Iterator, List

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.console import review_db
from bot.console.transcripts import (
    ConversationFilter,
    ensure_console_tables,
    list_conversations,
    load_transcript,
    turns_between,
)
from tests.console.review_data import CPR_DA, DAY1, DAY2, XSS_TEXT, Msg, at, write_conversation, write_dataset
from tests.databases import database_url

DB_KINDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="module", params=DB_KINDS)
def engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A fresh database of each kind holding the four conversations of ``write_dataset``."""
    with database_url(request.param, tmp_path_factory.mktemp("db")) as url:
        write_dataset(url)
        engine = sa.create_engine(url, future=True)
        yield engine
        engine.dispose()


def senders(engine: Engine, **filters: object) -> List[str]:
    return [item.sender_id for item in list_conversations(engine, ConversationFilter(**filters)).items]


def test_list_is_newest_first_with_computed_columns(engine: Engine) -> None:
    page = list_conversations(engine, ConversationFilter())
    assert page.total == 4
    assert [item.sender_id for item in page.items] == ["dmytro", "carla", "bjorn", "alice"]
    bjorn = page.items[2]
    assert bjorn.started == dt.datetime(2026, 11, 20, 12, 0, 0)
    assert bjorn.last == dt.datetime(2026, 11, 20, 12, 1, 5)
    assert (bjorn.language, bjorn.channel, bjorn.user_messages) == ("da", "socketio", 2)
    assert bjorn.lowest_confidence == pytest.approx(0.2)
    assert (bjorn.fallback, bjorn.thumbs_down, bjorn.reviewed, bjorn.tags) == (True, True, False, ())
    alice = page.items[3]
    assert (alice.language, alice.channel, alice.fallback, alice.thumbs_down) == ("en", "rest", False, False)
    assert alice.lowest_confidence == pytest.approx(0.93)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"language": "da"}, ["bjorn"]),
        ({"language": "en"}, ["carla", "alice"]),  # alice never had a language event: the default
        ({"language": "uk"}, ["dmytro"]),
        ({"channel": "socketio"}, ["dmytro", "bjorn"]),
        ({"intent": "ask_contact"}, ["alice"]),
        ({"intent": "nlu_fallback"}, ["carla", "bjorn"]),
        ({"max_confidence": 0.5}, ["carla", "bjorn"]),
        ({"max_confidence": 0.15}, ["carla"]),
        ({"fallback": True}, ["carla", "bjorn"]),
        ({"thumbs_down": True}, ["bjorn"]),
        ({"date_from": DAY2}, ["dmytro", "carla"]),
        ({"date_to": DAY1}, ["bjorn", "alice"]),
        ({"date_from": DAY1, "date_to": DAY1, "channel": "rest"}, ["alice"]),
        ({"search": "parkere"}, ["bjorn"]),
        ({"search": "PARKERE MIN"}, ["bjorn"]),
        ({"search": "får jeg"}, ["bjorn"]),
        ({"search": "nyhavnsgade"}, ["dmytro", "alice"]),  # bot replies are searched too
        ({"search": "<script>"}, ["carla"]),
        ({"search": "ДЕ ЗНАХОДИТЬСЯ"}, ["dmytro"]),  # non-ASCII case folding, on SQLite too
        ({"search": "де знаходиться"}, ["dmytro"]),
        ({"search": "Hvor FÅR"}, ["bjorn"]),
        ({"search": "%"}, []),
        ({"search": "_"}, []),
        ({"reviewed": False}, ["dmytro", "carla", "bjorn", "alice"]),
        ({"reviewed": True}, []),
    ],
)
def test_filters(engine: Engine, filters: dict, expected: List[str]) -> None:
    assert senders(engine, **filters) == expected


def test_pagination(engine: Engine) -> None:
    first = list_conversations(engine, ConversationFilter(), page=1, page_size=3)
    second = list_conversations(engine, ConversationFilter(), page=2, page_size=3)
    assert [item.sender_id for item in first.items] == ["dmytro", "carla", "bjorn"]
    assert [item.sender_id for item in second.items] == ["alice"]
    assert (first.total, first.pages, second.pages) == (4, 2, 2)
    beyond = list_conversations(engine, ConversationFilter(), page=3, page_size=3)  # shows the last page
    assert (beyond.page, [item.sender_id for item in beyond.items]) == (2, ["alice"])


def test_transcript_of_a_danish_conversation(engine: Engine) -> None:
    transcript = load_transcript(engine, "bjorn", "en")
    assert transcript is not None
    assert (transcript.language, transcript.channel) == ("da", "socketio")
    first, second = transcript.turns
    assert first.text == "Hvor får jeg et CPR-nummer?"
    assert (first.intent, first.confidence, first.detected_language, first.language) == ("ask_topic", 0.41, "da", "da")
    assert first.actions == ["action_answer_topic"]
    assert first.replies == [CPR_DA]
    assert first.rating == "down"
    assert first.at == dt.datetime(2026, 11, 20, 12, 0, 1)
    assert (second.intent, second.actions, second.fallback, second.rating) == (
        "nlu_fallback", ["action_search_content"], True, None
    )


def test_transcript_entities_and_handoff(engine: Engine) -> None:
    transcript = load_transcript(engine, "alice", "en")
    assert transcript is not None
    first, second = transcript.turns
    assert [(e.entity, e.value, e.text, e.extractor) for e in first.entities] == [
        ("topic", "ihnd", "International House", "ContentEntityExtractor")
    ]  # detected_language is shown separately, not as an entity
    assert (first.detected_language, first.handoff, second.handoff) == ("en", False, True)
    assert load_transcript(engine, "nobody", "en") is None


def test_turns_between_keeps_the_language_set_before_the_range(engine: Engine) -> None:
    turns = turns_between(engine, at(DAY1, 12, 1), at(DAY1, 12, 2), "en")
    assert list(turns) == ["bjorn"]
    assert [(t.text, t.language) for t in turns["bjorn"]] == [("hvor kan jeg parkere min bil", "da")]


def test_text_is_returned_exactly_as_stored(engine: Engine) -> None:
    transcript = load_transcript(engine, "carla", "en")
    assert transcript is not None
    assert transcript.turns[0].text == XSS_TEXT


@pytest.mark.parametrize("kind", DB_KINDS)
def test_tag_and_review_filters(kind: str, tmp_path) -> None:
    with database_url(kind, tmp_path) as url:
        write_dataset(url)
        engine = sa.create_engine(url, future=True)
        try:
            review_db.add_tag(engine, "carla", "  Security  Test ", "rita")
            review_db.add_tag(engine, "alice", "security test", "rita")
            review_db.add_tag(engine, "alice", "contact", "rita")
            review_db.set_reviewed(engine, "alice", True, "rita")
            assert senders(engine, tag="security test") == ["carla", "alice"]
            assert senders(engine, tag="contact") == ["alice"]
            assert senders(engine, reviewed=True) == ["alice"]
            assert senders(engine, reviewed=False) == ["dmytro", "carla", "bjorn"]
            alice = list_conversations(engine, ConversationFilter(reviewed=True)).items[0]
            assert alice.tags == ("contact", "security test")
        finally:
            engine.dispose()


@pytest.mark.parametrize("kind", DB_KINDS)
def test_search_ignores_case_beyond_ascii(kind: str, tmp_path) -> None:
    """SQLite's own lower() only knows A-Z; the search must find "Århus" as "ÅRHUS" and "århus" on both."""
    with database_url(kind, tmp_path) as url:
        write_conversation(url, "erik", at(DAY1, 8), [
            Msg("Jeg flytter til Århus", "ask_topic", 0.6, ["action_search_content"], ["ÆBLE ØST"]),
        ])
        write_conversation(url, "olena", at(DAY1, 9), [
            Msg("Я з Києва", "ask_topic", 0.6, ["action_search_content"], ["ok"]),
        ])
        engine = sa.create_engine(url, future=True)
        try:
            ensure_console_tables(engine)
            for needle in ("århus", "ÅRHUS", "Århus", "æble øst", "ÆBLE Øst"):
                assert senders(engine, search=needle) == ["erik"], needle
            for needle in ("києва", "КИЄВА", "з Києва"):
                assert senders(engine, search=needle) == ["olena"], needle
            assert senders(engine, search="aarhus") == []
        finally:
            engine.dispose()
