"""Analytics numbers, CSV and SVG charts, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from typing import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.console.analytics import compute, to_csv
from bot.console.charts import bar_chart, column_chart
from tests.console.review_data import DAY1, DAY2, write_dataset
from tests.databases import database_url


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    with database_url(request.param, tmp_path_factory.mktemp("db")) as url:
        write_dataset(url)
        engine = sa.create_engine(url, future=True)
        yield engine
        engine.dispose()


def test_numbers_of_two_days(engine: Engine) -> None:
    numbers = compute(engine, DAY1, DAY2, "en")
    assert [(d.day, d.conversations, d.messages) for d in numbers.days] == [(DAY1, 2, 4), (DAY2, 2, 3)]
    assert (numbers.conversations, numbers.messages, numbers.fallbacks) == (4, 7, 2)
    assert numbers.languages == (("en", 2), ("da", 1), ("uk", 1))
    assert numbers.channels == (("rest", 2), ("socketio", 2))
    assert numbers.intents == (("ask_address", 2), ("nlu_fallback", 2), ("ask_contact", 1), ("ask_topic", 1),
                               ("out_of_scope", 1))
    assert numbers.fallback_rate == pytest.approx(2 / 7)
    assert (numbers.thumbs_up, numbers.thumbs_down, numbers.thumbs_up_ratio) == (1, 1, 0.5)
    assert (numbers.handoffs, numbers.handoff_share) == (1, 0.25)


def test_range_limits_everything(engine: Engine) -> None:
    numbers = compute(engine, DAY2, DAY2 + dt.timedelta(days=2), "en")
    assert [(d.day.isoformat(), d.conversations, d.messages) for d in numbers.days] == [
        ("2026-11-21", 2, 3), ("2026-11-22", 0, 0), ("2026-11-23", 0, 0)
    ]
    assert (numbers.conversations, numbers.handoffs, numbers.thumbs_up, numbers.thumbs_down) == (2, 0, 1, 0)
    assert numbers.languages == (("en", 1), ("uk", 1))


def test_empty_range_has_no_ratios(engine: Engine) -> None:
    numbers = compute(engine, dt.date(2020, 1, 1), dt.date(2020, 1, 1), "en")
    assert (numbers.conversations, numbers.messages) == (0, 0)
    assert (numbers.fallback_rate, numbers.thumbs_up_ratio, numbers.handoff_share) == (None, None, None)


def test_bad_ranges_are_refused(engine: Engine) -> None:
    with pytest.raises(ValueError, match="the end date is before the start date"):
        compute(engine, DAY2, DAY1)
    with pytest.raises(ValueError, match="choose at most 366 days"):
        compute(engine, DAY1, DAY1 + dt.timedelta(days=366))


def test_csv(engine: Engine) -> None:
    from bot.console.suspects import load_context
    from tests.conftest import ROOT

    everything = to_csv(compute(engine, DAY1, DAY2, "en", None, load_context(ROOT))).splitlines()
    # The live handoff rows come last (bot/console/handoff_stats.py); nobody asked for a person on these days.
    handoff_rows = [line for line in everything if line.startswith("handoff_")]
    assert handoff_rows == [
        f"handoff_{metric}_per_day,{day},{value}"
        for metric, value in (("requests", 0), ("live", 0), ("taken", 0), ("handled_share", ""),
                              ("median_wait_seconds", ""), ("messages_left", 0))
        for day in ("2026-11-20", "2026-11-21")
    ]
    assert everything[-len(handoff_rows):] == handoff_rows
    lines = everything[:-len(handoff_rows)]
    assert lines[:26] == [
        "metric,key,value", "date_from,,2026-11-20", "date_to,,2026-11-21", "conversations,,4", "messages,,7",
        "conversations_per_day,2026-11-20,2", "conversations_per_day,2026-11-21,2",
        "messages_per_day,2026-11-20,4", "messages_per_day,2026-11-21,3",
        "language,en,2", "language,da,1", "language,uk,1", "channel,rest,2", "channel,socketio,2",
        "intent,ask_address,2", "intent,nlu_fallback,2", "intent,ask_contact,1", "intent,ask_topic,1",
        "intent,out_of_scope,1", "fallbacks,,2", "fallback_rate,,0.2857", "thumbs_up,,1", "thumbs_down,,1",
        "thumbs_up_ratio,,0.5000", "handed_to_person,,1", "handed_to_person_share,,0.2500",
    ]
    assert lines[26:43] == [  # the answer classes in all (then 3 languages and 2 days of 17 rows each)
        "questions,,7", "non_answers,,4", "non_answer_rate,,0.5714",
        "outcome,answered,3", "outcome,out_of_scope,1", "outcome,menu,0", "outcome,clarification,0",
        "outcome,fallback,2", "outcome,thumbs_down,1", "outcome,rephrased,0",
        "outcome_rate,answered,0.4286", "outcome_rate,out_of_scope,0.1429", "outcome_rate,menu,0.0000",
        "outcome_rate,clarification,0.0000", "outcome_rate,fallback,0.2857", "outcome_rate,thumbs_down,0.1429",
        "outcome_rate,rephrased,0.0000",
    ]
    assert lines[43:52] == [
        "questions_per_language,da,2", "questions_per_language,en,4", "questions_per_language,uk,1",
        "non_answers_per_language,da,2", "non_answers_per_language,en,2", "non_answers_per_language,uk,0",
        "non_answer_rate_per_language,da,1.0000", "non_answer_rate_per_language,en,0.5000",
        "non_answer_rate_per_language,uk,0.0000",
    ]
    assert "thumbs_down_per_day,2026-11-20,1" in lines and "out_of_scope_rate_per_day,2026-11-21,0.3333" in lines
    assert lines[-12:] == [  # the suspect answers: the rated-down Danish answer
        "suspects,,1", "suspect_rate,,0.1429",
        "suspects_per_language,da,1", "suspects_per_language,en,0", "suspects_per_language,uk,0",
        "suspect_rate_per_language,da,0.5000", "suspect_rate_per_language,en,0.0000",
        "suspect_rate_per_language,uk,0.0000",
        "suspects_per_day,2026-11-20,1", "suspects_per_day,2026-11-21,0",
        "suspect_rate_per_day,2026-11-20,0.2500", "suspect_rate_per_day,2026-11-21,0.0000",
    ]
    assert len(lines) == 43 + 17 * 3 + 17 * 2 + 12


def test_bar_chart_is_valid_svg_with_escaped_labels() -> None:
    svg = str(bar_chart("Top <intents>", [("<script>alert(1)</script>", 3), ("b&c", 1.5)]))
    root = ET.fromstring(svg)  # well-formed XML
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert "<script>" not in svg and "&lt;script&gt;alert(1)&lt;/script&gt;" in svg
    assert 'aria-label="Top &lt;intents&gt;"' in svg
    widths = [float(rect.get("width", "0")) for rect in root.iter("{http://www.w3.org/2000/svg}rect")]
    assert widths == [232.0, 116.0]  # the longest bar fills the plot; the other is half as long
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert texts == ["<script>alert(1)</script>"[:21] + "…", "3", "b&c", "1.5"]
    assert "style" not in svg  # the console's CSP forbids inline styles


def test_column_chart_heights_are_proportional() -> None:
    root = ET.fromstring(str(column_chart("Messages per day", [("2026-11-20", 4), ("2026-11-21", 2), ("x", 0)])))
    heights = [float(rect.get("height", "0")) for rect in root.iter("{http://www.w3.org/2000/svg}rect")]
    assert heights == [156.0, 78.0, 0.0]
    labels = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert labels == ["4", "0", "2026-11-20", "x"]


def test_empty_chart_says_so() -> None:
    assert "no data" in str(bar_chart("Nothing", []))
