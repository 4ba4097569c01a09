"""The console's review tables (tags, notes, reviews, corrections) on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.console import review_db
from bot.console.review_db import EntityAnnotation, ReviewInputError, parse_entities
from tests.databases import database_url


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path) -> Iterator[Engine]:
    with database_url(request.param, tmp_path) as url:
        engine = sa.create_engine(url, future=True)
        review_db.ensure_tables(engine)
        yield engine
        engine.dispose()


def test_tags_are_normalised_unique_and_removable(engine: Engine) -> None:
    assert review_db.add_tag(engine, "s1", "  Wrong   Answer ", "rita") == "wrong answer"
    assert review_db.add_tag(engine, "s1", "WRONG answer", "rita") == "wrong answer"  # no duplicate
    review_db.add_tag(engine, "s1", "cpr", "rita")
    review_db.add_tag(engine, "s2", "cpr", "sam")
    assert review_db.tags_for(engine, ["s1", "s2", "s3"]) == {"s1": ["cpr", "wrong answer"], "s2": ["cpr"]}
    assert review_db.all_tags(engine) == ["cpr", "wrong answer"]
    assert review_db.remove_tag(engine, "s1", "Wrong Answer") is True
    assert review_db.remove_tag(engine, "s1", "wrong answer") is False
    assert review_db.tags_for(engine, ["s1"]) == {"s1": ["cpr"]}


@pytest.mark.parametrize(
    ("raw", "message"),
    [("   ", "the tag is empty"), ("x" * 41, "a tag has at most 40 characters"),
     ("a\u200bb", "a tag cannot contain control characters")],
)
def test_bad_tags_are_refused(engine: Engine, raw: str, message: str) -> None:
    with pytest.raises(ReviewInputError, match=message):
        review_db.add_tag(engine, "s1", raw, "rita")
    assert review_db.all_tags(engine) == []


def test_notes_and_reviews(engine: Engine) -> None:
    note = review_db.add_note(engine, "s1", "  Answer was outdated  ", "rita")
    review_db.add_note(engine, "s1", "second", "sam")
    assert [(n.body, n.created_by) for n in review_db.notes_for(engine, "s1")] == [
        ("Answer was outdated", "rita"), ("second", "sam")
    ]
    assert note.id == review_db.notes_for(engine, "s1")[0].id
    with pytest.raises(ReviewInputError, match="the note is empty"):
        review_db.add_note(engine, "s1", " ", "rita")
    assert review_db.review_of(engine, "s1") is None
    review_db.set_reviewed(engine, "s1", True, "rita")
    review = review_db.review_of(engine, "s1")
    assert review is not None and review.reviewed_by == "rita"
    review_db.set_reviewed(engine, "s1", False, "rita")
    assert review_db.review_of(engine, "s1") is None


def test_corrections_collect_until_exported(engine: Engine) -> None:
    text = "where is International House?"
    entities = parse_entities("topic: International House", text, ["topic"])
    first = review_db.add_correction(
        engine, sender_id="s1", event_id=7, original_text=text, language="en", original_intent="ask_topic",
        corrected_intent="ask_address", corrected_entities=entities, user="rita",
    )
    assert first.corrected_entities == (EntityAnnotation("topic", "International House", 9, 28),)
    again = review_db.add_correction(  # the same message corrected again replaces the pending correction
        engine, sender_id="s1", event_id=7, original_text=text, language="en", original_intent="ask_topic",
        corrected_intent="ask_contact", corrected_entities=[], user="sam",
    )
    assert again.id == first.id
    review_db.add_correction(
        engine, sender_id="s2", event_id=9, original_text="hvor er det", language="da", original_intent=None,
        corrected_intent="ask_address", corrected_entities=[], user="rita",
    )
    assert [(c.event_id, c.corrected_intent, c.created_by) for c in review_db.pending_corrections(engine, "en")] == [
        (7, "ask_contact", "sam")
    ]
    assert len(review_db.pending_corrections(engine)) == 2
    assert review_db.mark_exported(engine, [first.id]) == 1
    assert review_db.mark_exported(engine, [first.id]) == 0
    assert review_db.pending_corrections(engine, "en") == []
    assert review_db.corrections_for(engine, "s1")[0].exported_at is not None


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("topic International House", "line 1: write 'entity: words from the message'"),
        ("place: International House", "line 1: unknown entity 'place'"),
        ("topic: Borgerservice", "line 1: 'Borgerservice' does not occur in the message"),
        ("topic: House]", "line 1: brackets cannot be part of an entity"),
    ],
)
def test_entity_lines_are_checked(raw: str, message: str) -> None:
    with pytest.raises(ReviewInputError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_entities(raw, "where is International House?", ["topic", "day"])


def test_repeated_words_get_the_next_occurrence() -> None:
    text = "cpr or cpr"
    found = parse_entities("topic: cpr\ntopic: cpr\n\n", text, ["topic"])
    assert [(item.start, item.end) for item in found] == [(0, 3), (7, 10)]
