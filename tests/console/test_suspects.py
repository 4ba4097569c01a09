"""The suspect-answer queue through the real web app, on SQLite and PostgreSQL (issue #21)."""

from __future__ import annotations

import re
from typing import Dict, List

import pytest

from tests.console.conftest import Console, error_of
from tests.console.review_data import DAY5, write_suspects_dataset

PAGE = f"/console/suspects?from={DAY5.isoformat()}&to={DAY5.isoformat()}&language=ro"


@pytest.fixture(scope="module")
def site(console: Console) -> Console:
    write_suspects_dataset(console.db_url)
    return console


def signals(page: str) -> Dict[str, List[str]]:
    """Per suspect (its message text), the signals listed."""
    found: Dict[str, List[str]] = {}
    for item in re.findall(r'<li class="suspect".*?</li>\s*</ul>', page, re.S):
        text = re.search(r'<p class="said" dir="auto">(.*?)</p>', item, re.S).group(1)
        found[text] = re.findall(r'data-signal="([a-z_]+)"', item)
    return found


def test_the_queue_lists_each_suspect_with_its_signals_and_the_rates(site: Console) -> None:
    session, _, _ = site.signed_in("viewer")
    page = session.get(site.url(PAGE), timeout=30)
    assert page.status_code == 200
    assert signals(page.text) == {
        "Unde este cel mai apropiat spital?": ["no_such_fact"],
        "ceva despre firme straine": ["unsure"],
        "Mă puteți ajuta să găsesc un apartament?": ["ignored_words"],
    }
    assert "answered with life_science, which has none and was not named in the message" in page.text
    assert "a small-talk reply (ask_capabilities) to a message with: apartament, găsesc, puteți" in page.text
    row = re.search(r'<tr data-language="ro">(.*?)</tr>', page.text, re.S).group(1)
    cells = re.findall(r'<td class="[a-z-]+">(.*?)</td>', row)
    assert cells == ["4", "3 (75%)", "1 (25%)", "3 (75%)"]
    assert "Mark as fine" not in page.text  # viewers read only


def test_analytics_counts_the_same_suspects_per_language_and_day(site: Console) -> None:
    session, _, _ = site.signed_in("reviewer")
    period = f"from={DAY5.isoformat()}&to={DAY5.isoformat()}&language=ro"
    page = session.get(site.url(f"/console/analytics?{period}"), timeout=30).text
    assert re.search(r'<tr data-class="suspects">.*?<td class="count">(\d+)</td><td class="rate">([^<]+)</td>',
                     page, re.S).groups() == ("3", "75.0 %")
    lines = session.get(site.url(f"/console/analytics.csv?{period}"), timeout=30).text.splitlines()
    assert "suspects_per_language,ro,3" in lines and "suspect_rate_per_language,ro,0.7500" in lines
    assert f"suspects_per_day,{DAY5.isoformat()},3" in lines


def test_a_reviewer_marks_an_answer_fine_and_it_leaves_the_queue(site: Console) -> None:
    session, name, token = site.signed_in("reviewer")
    page = session.get(site.url(PAGE), timeout=30).text
    event_id = re.search(r'data-event="(\d+)">\s*<p class="said" dir="auto">ceva despre', page).group(1)
    done = session.post(site.url(f"/console/suspects/{event_id}/fine"),
                        data={"csrf_token": token, "sender_id": "ro_unsure"}, allow_redirects=False, timeout=10)
    assert (done.status_code, done.headers["Location"]) == (303, "/console/suspects?done=fine")
    again = session.post(site.url(f"/console/suspects/{event_id}/fine"),
                         data={"csrf_token": token, "sender_id": "ro_unsure"}, allow_redirects=False, timeout=10)
    assert again.status_code == 303  # a double click changes nothing
    assert "ceva despre firme straine" not in signals(session.get(site.url(PAGE), timeout=30).text)
    assert [row.target for row in site.audit_rows("mark_answer_fine") if row.user_name == name] == ["ro_unsure"] * 2
    wrong = session.post(site.url(f"/console/suspects/{event_id}/fine"),
                         data={"csrf_token": token, "sender_id": "ro_hospital"}, timeout=10)
    assert (wrong.status_code, error_of(wrong)["code"]) == (404, "not_found")


def test_viewers_cannot_mark_and_bad_filters_are_400(site: Console) -> None:
    session, _, token = site.signed_in("viewer")
    refused = session.post(site.url("/console/suspects/1/fine"), data={"csrf_token": token, "sender_id": "x"},
                           timeout=10)
    assert (refused.status_code, error_of(refused)["code"]) == (403, "forbidden")
    for query in ("language=xx", "from=2026-02-30", "from=2024-01-01&to=2026-01-01"):
        response = session.get(site.url(f"/console/suspects?{query}"), timeout=10)
        assert (response.status_code, error_of(response)["code"]) == (400, "invalid_query"), query


def test_marked_answers_go_with_their_conversation(site: Console) -> None:
    session, _, token = site.signed_in("reviewer")
    page = session.get(site.url(PAGE), timeout=30).text
    event_id = re.search(r'data-event="(\d+)">\s*<p class="said" dir="auto">Unde este', page).group(1)
    session.post(site.url(f"/console/suspects/{event_id}/fine"), data={"csrf_token": token,
                                                                      "sender_id": "ro_hospital"}, timeout=10)
    from bot.conversation_data import delete_conversation

    assert delete_conversation(site.engine, "ro_hospital")["console_dismissals"] == 1

