"""Every non-answer class on the unanswered page, the analytics page and its CSV, through the real web app.

One conversation of each class (``write_outcomes_dataset``, DAY3-DAY4), on SQLite and PostgreSQL.
"""

from __future__ import annotations

import html
import re
from typing import Dict

import pytest
import requests

from tests.console.conftest import Console, error_of
from tests.console.review_data import write_outcomes_dataset

RANGE = "from=2026-11-22&to=2026-11-23"
CLASS_COUNT = re.compile(r'<li data-class="([a-z_]+)">.*?<span class="count">(\d+)</span>')


@pytest.fixture(scope="module")
def site(console: Console) -> Console:
    write_outcomes_dataset(console.db_url)
    return console


@pytest.fixture(scope="module")
def viewer(site: Console) -> requests.Session:
    session, _, _ = site.signed_in("viewer")
    return session


def get(site: Console, session: requests.Session, path: str) -> requests.Response:
    response = session.get(site.url(path), timeout=30)
    assert response.status_code == 200, response.text
    return response


def class_counts(html: str) -> Dict[str, int]:
    return {name: int(count) for name, count in CLASS_COUNT.findall(html)}


def test_unanswered_lists_every_class(site: Console, viewer: requests.Session) -> None:
    page = get(site, viewer, f"/console/unanswered?{RANGE}").text
    assert '<p id="unanswered-total">9 unanswered messages.</p>' in page
    assert class_counts(page) == {"out_of_scope": 1, "menu": 1, "clarification": 1, "fallback": 3,
                                  "thumbs_down": 1, "rephrased": 2}
    for code in ("da", "en", "uk"):
        assert f'id="unanswered-{code}"' in page
    assert '<td class="label" dir="auto">Can you recommend a good pizza place?</td>' in page
    assert '<span class="flag class-rephrased">rephrased</span>' in page
    assert '<span class="flag class-thumbs_down">thumbs down</span>' in page
    assert "How do I get a CPR number?" in page and "hi</a>" not in page  # chit-chat is not listed
    assert 'href="/console/unanswered?from=2026-11-22&amp;to=2026-11-23&amp;class=menu"' in page


@pytest.mark.parametrize(
    ("query", "total", "sections"),
    [
        ("class=rephrased", "2 unanswered messages (rephrased).", ["en"]),
        ("class=fallback", "3 unanswered messages (fallback).", ["da", "en", "uk"]),
        ("class=clarification", "1 unanswered message (clarification).", ["da"]),
        ("language=da", "2 unanswered messages.", ["da"]),
        ("language=da&class=fallback", "1 unanswered message (fallback).", ["da"]),
        ("language=uk&class=menu", "0 unanswered messages (menu).", []),
    ],
)
def test_unanswered_filters_by_class_and_language(site: Console, viewer: requests.Session, query: str, total: str,
                                                  sections: list) -> None:
    page = get(site, viewer, f"/console/unanswered?{RANGE}&{query}").text
    assert f'<p id="unanswered-total">{total}</p>' in page
    assert re.findall(r'<section id="unanswered-([a-z]+)">', page) == sections
    if "class=" in query:
        chosen = query.split("class=")[1]
        assert f'<option value="{chosen}" selected>' in page


def test_class_counts_follow_the_language(site: Console, viewer: requests.Session) -> None:
    page = get(site, viewer, f"/console/unanswered?{RANGE}&language=da&class=fallback").text
    assert class_counts(page) == {"out_of_scope": 0, "menu": 0, "clarification": 1, "fallback": 1,
                                  "thumbs_down": 0, "rephrased": 0}


def test_an_unknown_class_is_a_400(site: Console, viewer: requests.Session) -> None:
    for value in ("answered", "Fallback", "nlu_fallback"):
        response = viewer.get(site.url(f"/console/unanswered?class={value}"), timeout=10)
        assert response.status_code == 400
        assert error_of(response) == {
            "code": "invalid_query",
            "message": "'class' must be one of: out_of_scope, menu, clarification, fallback, thumbs_down, rephrased",
        }


def test_the_transcript_shows_the_class(site: Console, viewer: requests.Session) -> None:
    page = get(site, viewer, "/console/conversations/rephrase").text
    assert page.count('<span class="flag answer-class" title="not answered">rephrased</span>') == 1
    chat = get(site, viewer, "/console/conversations/chat").text
    assert "answer-class" not in chat


def test_analytics_show_every_class_next_to_the_fallback_rate(site: Console, viewer: requests.Session) -> None:
    page = get(site, viewer, f"/console/analytics?{RANGE}").text
    assert '<td id="total-messages">21</td>' in page
    assert '<td id="fallback-rate">14.3 % (3 of 21)</td>' in page
    assert '<td id="non-answer-rate">56.2 % (9 of 16)</td>' in page
    rows = dict(re.findall(r'<tr data-class="([a-z_]+)"><td>[^<]+</td><td class="count">(\d+)</td>', page))
    assert rows == {"answered": "7", "out_of_scope": "1", "menu": "1", "clarification": "1", "fallback": "3",
                    "thumbs_down": "1", "rephrased": "2", "non_answers": "9"}
    per_language = re.search(r'<table id="outcomes-per-language".*?</table>', page, re.S)
    assert per_language is not None
    assert re.findall(r'<tr data-key="([a-z]+)"><th scope="row">\1</th><td class="questions">(\d+)</td>',
                      per_language.group(0)) == [("da", "3"), ("en", "12"), ("uk", "1")]
    assert '<td class="rate">50.0 %</td>' in per_language.group(0)  # en: 6 of 12
    per_day = re.search(r'<table id="outcomes-per-day".*?</table>', page, re.S)
    assert per_day is not None
    assert re.findall(r'<tr data-key="([0-9-]+)"><th scope="row">\1</th><td class="questions">(\d+)</td>',
                      per_day.group(0)) == [("2026-11-22", "9"), ("2026-11-23", "7")]
    assert page.count("<svg") == 6  # the classes are in tables, not charts


def test_analytics_of_one_language(site: Console) -> None:
    session, name, _ = site.signed_in("reviewer")
    page = get(site, session, f"/console/analytics?{RANGE}&language=da").text
    assert '<td id="total-conversations">2</td>' in page and '<td id="total-messages">3</td>' in page
    assert '<td id="non-answer-rate">66.7 % (2 of 3)</td>' in page
    assert '<option value="da" selected>da</option>' in page
    assert 'href="/console/analytics.csv?from=2026-11-22&amp;to=2026-11-23&amp;language=da"' in page
    csv = session.get(site.url(f"/console/analytics.csv?{RANGE}&language=da"), timeout=30)
    assert csv.status_code == 200
    assert csv.headers["Content-Disposition"] == 'attachment; filename="analytics_2026-11-22_2026-11-23_da.csv"'
    assert "questions,,3\n" in csv.text and "clarification_per_language,da,1\n" in csv.text
    assert "questions_per_language,en" not in csv.text
    assert any(row.user_name == name and row.detail == "language da" for row in site.audit_rows("export_analytics"))
    everything = session.get(site.url(f"/console/analytics.csv?{RANGE}"), timeout=30).text
    assert "questions,,16\n" in everything and "non_answer_rate,,0.5625\n" in everything
    assert "rephrased_per_day,2026-11-23,2\n" in everything


def test_analytics_refuse_an_unknown_language(site: Console, viewer: requests.Session) -> None:
    response = viewer.get(site.url("/console/analytics?language=xx"), timeout=10)
    assert response.status_code == 400
    assert error_of(response) == {"code": "invalid_query",
                                        "message": "'language' is not one of the assistant's languages"}


def test_a_reviewer_dismisses_a_group_and_it_leaves_the_page(site: Console) -> None:
    """Issue 21: a group with nothing to teach can be dismissed; the others stay."""
    session, name, token = site.signed_in("reviewer")
    url = "/console/unanswered?from=2026-11-22&to=2026-11-23"
    page = session.get(site.url(url), timeout=30).text
    form = re.search(r'<form class="inline" method="post" action="/console/unanswered/dismiss">(.*?)</form>',
                     page, re.S).group(1)
    messages = re.findall(r'name="message" value="([^"]+)"', form)
    label = html.unescape(re.search(r'aria-label="Dismiss the group “(.*?)”"', form).group(1))
    assert messages and label in page
    done = session.post(site.url("/console/unanswered/dismiss"), data={
        "csrf_token": token, "back": url, "message": messages}, allow_redirects=False, timeout=10)
    assert (done.status_code, done.headers["Location"]) == (303, f"{url}&dismissed={len(messages)}")
    after = session.get(site.url(done.headers["Location"]), timeout=30).text
    assert f'aria-label="Dismiss the group “{html.escape(label, quote=False)}”"' not in after
    assert f"{len(messages)} question(s) dismissed." in after
    bad = session.post(site.url("/console/unanswered/dismiss"), data={"csrf_token": token, "message": "x:y"},
                       timeout=10)
    assert (bad.status_code, error_of(bad)["code"]) == (400, "invalid_field")
    assert [row.target for row in site.audit_rows("dismiss_unanswered") if row.user_name == name]
