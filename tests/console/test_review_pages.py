"""The review pages through the real web app (``python -m bot.web``), signed in, on SQLite and PostgreSQL."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import List

import pytest
import requests
import sqlalchemy as sa
from rasa.shared.nlu.training_data.loading import load_data

from tests.conftest import ROOT as ROOT_DIR
from tests.console.conftest import Console, error_of
from tests.console.review_data import IMG_TEXT, XSS_TEXT, write_dataset

PAGES = ["/console/conversations", "/console/conversations/carla", "/console/inbox", "/console/unanswered",
         "/console/analytics", "/console/inbox/export?language=en"]
FORMS = ["/console/conversations/carla/tags", "/console/conversations/carla/notes",
         "/console/conversations/carla/review", "/console/conversations/carla/corrections",
         "/console/inbox/export?language=en"]
ROW = re.compile(r'<tr data-sender="([^"]+)">')


@pytest.fixture(scope="module")
def site(console: Console) -> Console:
    """The console with the four conversations of ``write_dataset`` in its database."""
    write_dataset(console.db_url)
    return console


def rows(page: requests.Response) -> List[str]:
    assert page.status_code == 200, page.text
    return ROW.findall(page.text)


def test_no_session_redirects_or_401(site: Console) -> None:
    for path in PAGES:
        response = requests.get(site.url(path), allow_redirects=False, timeout=10)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/console/login?next=%2Fconsole%2F"), path
    assert requests.get(site.url("/console/analytics.csv"), allow_redirects=False, timeout=10).status_code == 401
    for path in FORMS:
        response = requests.post(site.url(path), data={"tag": "x"}, allow_redirects=False, timeout=10)
        assert response.status_code == 401, path
        assert error_of(response)["code"] == "not_signed_in"


def test_viewer_reads_but_cannot_change_or_export(site: Console) -> None:
    session, _, token = site.signed_in("viewer")
    for path in PAGES[:-1]:
        assert session.get(site.url(path), timeout=30).status_code == 200, path
    for path in FORMS:
        response = session.post(site.url(path), data={"csrf_token": token, "tag": "x"}, allow_redirects=False,
                                timeout=10)
        assert response.status_code == 403, path
    assert session.get(site.url("/console/analytics.csv"), timeout=10).status_code == 403
    assert session.get(site.url("/console/inbox/export?language=en"), timeout=10).status_code == 403
    page = session.get(site.url("/console/conversations/carla"), timeout=10).text
    assert 'action="/console/conversations/carla/tags"' not in page  # no forms for viewers


def test_forged_csrf_is_refused_and_changes_nothing(site: Console) -> None:
    session, _, _ = site.signed_in("reviewer")
    for token in ("forged", ""):
        response = session.post(site.url("/console/conversations/carla/tags"),
                                data={"csrf_token": token, "tag": "forged-tag"}, allow_redirects=False, timeout=10)
        assert response.status_code == 403
        assert error_of(response)["code"] == "csrf"
    assert "forged-tag" not in session.get(site.url("/console/conversations/carla"), timeout=10).text


def test_list_filters_live_in_the_url(site: Console) -> None:
    session, _, _ = site.signed_in("viewer")
    assert rows(session.get(site.url("/console/conversations"), timeout=30)) == ["dmytro", "carla", "bjorn", "alice"]
    danish = session.get(site.url("/console/conversations?language=da"), timeout=30)
    assert rows(danish) == ["bjorn"]
    assert 'id="share-link">' in danish.text and 'href="/console/conversations?language=da"' in danish.text
    combined = "/console/conversations?from=2026-11-20&to=2026-11-20&fallback=1&thumbs_down=1&below=0.5"
    assert rows(session.get(site.url(combined), timeout=30)) == ["bjorn"]
    assert rows(session.get(site.url("/console/conversations?q=nyhavnsgade&channel=rest"), timeout=30)) == ["alice"]
    assert rows(session.get(site.url("/console/conversations?intent=out_of_scope"), timeout=30)) == ["carla"]
    assert rows(session.get(site.url("/console/conversations?reviewed=yes&q=nobody"), timeout=30)) == []


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=2026-13-01", "'from' must be a date written YYYY-MM-DD"),
        ("from=2026-11-21&to=2026-11-20", "'to' is before 'from'"),
        ("below=2", "'below' must be greater than 0 and at most 1"),
        ("below=abc", "'below' must be a number"),
        ("reviewed=maybe", "'reviewed' must be yes or no"),
        ("fallback=perhaps", "'fallback' must be 1 or 0"),
        ("page=0", "'page' must be a whole number from 1 to 100000"),
        ("language=en&language=da", "'language' is given more than once"),
        ("q=" + "x" * 201, "'q' is longer than 200 characters"),
    ],
)
def test_bad_filters_get_a_json_400(site: Console, query: str, message: str) -> None:
    session, _, _ = site.signed_in("viewer")
    response = session.get(site.url(f"/console/conversations?{query}"), timeout=10)
    assert response.status_code == 400
    assert error_of(response) == {"code": "invalid_query", "message": message}


def test_transcript_escapes_user_html_and_is_audited(site: Console) -> None:
    session, name, _ = site.signed_in("reviewer")
    page = session.get(site.url("/console/conversations/carla"), timeout=10)
    assert page.status_code == 200
    assert XSS_TEXT not in page.text and IMG_TEXT not in page.text
    assert html.escape(XSS_TEXT, quote=False) in page.text
    assert "&lt;img src=x onerror=alert(2)&gt;" in page.text
    assert "<img" not in page.text
    assert page.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert any(row.user_name == name and row.target == "carla" for row in site.audit_rows("view_conversation"))
    listing = session.get(site.url("/console/conversations?q=%3Cscript%3E"), timeout=10)
    assert rows(listing) == ["carla"] and "<script>" not in listing.text
    unanswered = session.get(site.url("/console/unanswered?from=2026-11-20&to=2026-11-21"), timeout=10)
    assert html.escape(XSS_TEXT, quote=False) in unanswered.text and "<script>" not in unanswered.text


def test_unknown_conversation_is_404(site: Console) -> None:
    session, _, _ = site.signed_in("viewer")
    response = session.get(site.url("/console/conversations/nobody"), timeout=10)
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_reviewer_tags_notes_reviews_and_corrects(site: Console, tmp_path: Path) -> None:
    session, name, token = site.signed_in("reviewer")
    base = site.url("/console/conversations/bjorn")

    def post(path: str, **data: str) -> requests.Response:
        return session.post(base + path, data={"csrf_token": token, **data}, allow_redirects=False, timeout=10)

    added = post("/tags", tag="Parking Question")
    assert (added.status_code, added.headers["Location"]) == (303, "/console/conversations/bjorn?done=tagged")
    assert post("/notes", note="<b>needs</b> a parking entry").status_code == 303
    assert post("/review", reviewed="yes").status_code == 303
    page = session.get(base, timeout=10).text
    assert '<span class="tag">parking question</span>' in page
    assert "&lt;b&gt;needs&lt;/b&gt; a parking entry" in page
    assert f"yes, by {name}" in page
    assert rows(session.get(site.url("/console/conversations?tag=parking+question&reviewed=yes"), timeout=10)) == [
        "bjorn"
    ]
    event_id = re.findall(r'name="event_id" value="(\d+)"', page)[1]  # "hvor kan jeg parkere min bil"
    refused = post("/corrections", event_id=event_id, intent="no_such_intent", language="da", entities="")
    assert refused.status_code == 400 and "choose an intent of the domain" in refused.text
    refused = post("/corrections", event_id=event_id, intent="ask_address", language="da", entities="topic: tog")
    assert refused.status_code == 400 and "&#39;tog&#39; does not occur in the message" in refused.text
    assert post("/corrections", event_id="999999", intent="ask_address", language="da").status_code == 404
    saved = post("/corrections", event_id=event_id, intent="ask_address", language="da", entities="topic: bil")
    assert (saved.status_code, saved.headers["Location"]) == (303, "/console/conversations/bjorn?done=corrected")
    assert "corrected to <strong>ask_address</strong> (da)" in session.get(base, timeout=10).text
    assert post("/tags", action="remove", tag="parking question").status_code == 303
    assert post("/review", reviewed="no").status_code == 303
    assert rows(session.get(site.url("/console/conversations?tag=parking+question"), timeout=10)) == []
    actions = [row.action for row in site.audit_rows("tag_conversation") + site.audit_rows("correct_message")
               + site.audit_rows("mark_reviewed") + site.audit_rows("add_note") if row.user_name == name]
    assert sorted(actions) == ["add_note", "correct_message", "mark_reviewed", "tag_conversation"]

    inbox = session.get(site.url("/console/inbox"), timeout=10).text
    assert "da: 1 corrected message" in inbox and "hvor kan jeg parkere min bil" in inbox
    download = session.get(site.url("/console/inbox/export?language=da"), timeout=10)
    assert download.status_code == 200
    assert download.headers["Content-Disposition"] == 'attachment; filename="nlu_corrections_da_preview.yml"'
    assert "    - hvor kan jeg parkere min [bil](topic)\n" in download.text
    path = tmp_path / "da.yml"
    path.write_text(download.text, encoding="utf-8")
    example = load_data(str(path)).training_examples[0]
    assert (example.get("text"), example.get("intent")) == ("hvor kan jeg parkere min bil", "ask_address")
    assert "da: 1 corrected message" in session.get(site.url("/console/inbox"), timeout=10).text  # GET keeps it
    exported = session.post(site.url("/console/inbox/export?language=da"), data={"csrf_token": token}, timeout=10)
    assert exported.status_code == 200 and exported.headers["X-Marked-Exported"] == "1"
    assert re.fullmatch(r'attachment; filename="nlu_corrections_da_\d{8}T\d{6}Z\.yml"',
                        exported.headers["Content-Disposition"])
    assert "id=\"inbox-empty\"" in session.get(site.url("/console/inbox"), timeout=10).text
    assert [row.target for row in site.audit_rows("preview_inbox") if row.user_name == name] == ["da"]
    assert [row.target for row in site.audit_rows("export_inbox") if row.user_name == name] == ["da"]
    assert session.get(site.url("/console/inbox/export?language=xx"), timeout=10).status_code == 400


def test_analytics_page_and_csv(site: Console) -> None:
    session, name, _ = site.signed_in("reviewer")
    page = session.get(site.url("/console/analytics?from=2026-11-20&to=2026-11-21"), timeout=30)
    assert page.status_code == 200
    assert '<td id="total-conversations">4</td>' in page.text
    assert '<td id="total-messages">7</td>' in page.text
    assert '<td id="fallback-rate">28.6 % (2 of 7)</td>' in page.text
    assert '<td id="thumbs-ratio">50.0 % (1 up, 1 down)</td>' in page.text
    assert '<td id="handoff-share">25.0 % (1 of 4)</td>' in page.text
    assert '<td id="non-answer-rate">57.1 % (4 of 7)</td>' in page.text
    assert page.text.count("<svg") == 6
    csv = session.get(site.url("/console/analytics.csv?from=2026-11-20&to=2026-11-21"), timeout=30)
    assert csv.status_code == 200 and csv.headers["Content-Type"].startswith("text/csv")
    assert "conversations,,4\n" in csv.text and "handed_to_person_share,,0.2500\n" in csv.text
    assert any(row.target == "2026-11-20..2026-11-21" and row.user_name == name
               for row in site.audit_rows("export_analytics"))
    bad = session.get(site.url("/console/analytics?from=2020-01-01&to=2026-01-01"), timeout=10)
    assert bad.status_code == 400 and error_of(bad)["message"] == "choose at most 366 days"


def test_unanswered_page_groups_per_language(site: Console) -> None:
    session, _, _ = site.signed_in("viewer")
    page = session.get(site.url("/console/unanswered?from=2026-11-20&to=2026-11-21"), timeout=30)
    assert page.status_code == 200
    assert '<p id="unanswered-total">4 unanswered messages.</p>' in page.text  # 2 fallbacks, out of scope, rated down
    assert 'id="unanswered-da"' in page.text and 'id="unanswered-en"' in page.text
    assert '<td class="label" dir="auto">hvor kan jeg parkere min bil</td>' in page.text
    danish = session.get(site.url("/console/unanswered?from=2026-11-20&to=2026-11-21&language=da"), timeout=30)
    assert 'id="unanswered-en"' not in danish.text
    assert '<p id="unanswered-total">2 unanswered messages.</p>' in danish.text
    for query, message in (("similarity=2", "'similarity' must be greater than 0 and at most 1"),
                           ("language=xx", "'language' is not one of the assistant's languages"),
                           ("from=yesterday", "'from' must be a date written YYYY-MM-DD")):
        bad = session.get(site.url(f"/console/unanswered?{query}"), timeout=10)
        assert bad.status_code == 400 and error_of(bad)["message"] == message, query


NOTE_VALUES = ["311299-4321", "3112994321", "anna.hansen@example.org"]


def raw_database_text(site: Console) -> str:
    """Every byte the database holds: the SQLite file and its write-ahead log, or every PostgreSQL row."""
    url = sa.engine.make_url(site.db_url)
    if url.get_backend_name() == "sqlite":
        path = Path(str(url.database))
        parts = [path, Path(f"{path}-wal")]
        return "\n".join(part.read_bytes().decode("latin-1") for part in parts if part.exists())
    with site.engine.connect() as connection:
        tables = [name for (name,) in connection.execute(sa.text(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"))]
        return "\n".join(repr(row) for table in tables
                         for row in connection.execute(sa.text(f'SELECT * FROM "{table}"')))


def test_notes_are_masked_before_they_are_stored(site: Console) -> None:
    """Issue 21: a note with a CPR number and an e-mail address is stored masked, like the messages."""
    session, _, token = site.signed_in("reviewer")
    response = session.post(
        site.url("/console/conversations/bjorn/notes"),
        data={"csrf_token": token, "note": "Called her: CPR 311299-4321, mail anna.hansen@example.org, "
                                           "sent the number +45 99 31 15 30"},
        allow_redirects=False, timeout=10,
    )
    assert response.status_code == 303
    page = session.get(site.url("/console/conversations/bjorn"), timeout=10).text
    assert "Called her: CPR [CPR], mail [EMAIL], sent the number +45 99 31 15 30" in page
    stored = raw_database_text(site)
    assert "Called her: CPR [CPR]" in stored
    assert [value for value in NOTE_VALUES if value in stored] == []


@pytest.mark.parametrize(
    ("path", "role", "status", "code"),
    [
        ("/console/users", "reviewer", 403, "forbidden"),
        ("/console/conversations/nobody-at-all", "viewer", 404, "not_found"),
        ("/console/analytics?from=2024-01-01&to=2026-01-01", "viewer", 400, "invalid_query"),
        ("/console/unanswered?from=2026-02-01&to=2026-01-01", "viewer", 400, "invalid_query"),
    ],
)
def test_errors_are_pages_in_a_browser_and_json_when_asked(site: Console, path, role, status, code) -> None:
    """Issue 21: a browser gets the console's layout, the message and a way back; a script gets JSON."""
    session, name, _ = site.signed_in(role)
    referer = site.url("/console/analytics")
    page = session.get(site.url(path), headers={"Accept": "text/html", "Referer": referer}, timeout=10)
    assert page.status_code == status
    assert page.headers["content-type"].startswith("text/html")
    assert error_of(page)["code"] == code
    assert '<nav aria-label="Console">' in page.text and f"{name} ({role})" in page.text
    assert '<a id="error-back" href="/console/analytics">Go back</a>' in page.text
    as_json = session.get(site.url(path), headers={"Accept": "application/json"}, timeout=10)
    assert as_json.status_code == status
    assert as_json.json()["error"]["code"] == code



def correct(site: Console, sender: str, text: str, intent: str) -> int:
    """A correction of the conversation's first user message, stored directly; returns its id."""
    from bot.console import review_db

    review_db.ensure_tables(site.engine)
    with site.engine.connect() as connection:
        event_id = connection.execute(sa.text(
            "SELECT min(id) FROM events WHERE sender_id = :s AND type_name = 'user'"), {"s": sender}).scalar_one()
    return review_db.add_correction(
        site.engine, sender_id=sender, event_id=int(event_id), original_text=text, language="en",
        original_intent="greet", corrected_intent=intent, corrected_entities=[], user="rita",
    ).id


def test_exporting_twice_gives_the_same_file_and_the_history_keeps_it(site: Console) -> None:
    """Issue 21: a repeated click loses nothing, a discarded correction is not exported, files come again."""
    session, name, token = site.signed_in("reviewer")
    kept = correct(site, "carla", "keep this one", "ask_cpr")
    dropped = correct(site, "bjorn", "drop this one", "ask_tax_card")
    page = session.get(site.url("/console/inbox"), timeout=10).text
    key = re.search(r'name="request_key" value="([^"]+-en)"', page).group(1)
    discard = session.post(site.url(f"/console/inbox/corrections/{dropped}/discard"), data={"csrf_token": token},
                           allow_redirects=False, timeout=10)
    assert (discard.status_code, discard.headers["Location"]) == (303, "/console/inbox?done=discarded")
    assert "drop this one" in session.get(site.url("/console/inbox"), timeout=10).text.split('id="discarded"')[1]

    def export() -> requests.Response:
        return session.post(site.url("/console/inbox/export?language=en"),
                            data={"csrf_token": token, "request_key": key}, timeout=10)

    first, second = export(), export()
    assert first.status_code == second.status_code == 200
    assert first.text == second.text
    assert first.headers["Content-Disposition"] == second.headers["Content-Disposition"]
    assert (first.headers["X-Marked-Exported"], second.headers["X-Marked-Exported"]) == ("1", "0")
    assert "keep this one" in first.text and "drop this one" not in first.text
    export_id = first.headers["X-Export-Id"]
    assert second.headers["X-Export-Id"] == export_id

    inbox_page = session.get(site.url("/console/inbox"), timeout=10).text
    assert inbox_page.count(f'data-export="{export_id}"') == 1
    again = session.get(site.url(f"/console/inbox/exports/{export_id}"), timeout=10)
    assert (again.status_code, again.text) == (200, first.text)
    fresh = session.post(site.url("/console/inbox/export?language=en"),
                         data={"csrf_token": token, "request_key": "another-form"}, timeout=10)
    assert (fresh.status_code, error_of(fresh)["code"]) == (409, "nothing_to_export")

    restore = session.post(site.url(f"/console/inbox/corrections/{dropped}/restore"), data={"csrf_token": token},
                           allow_redirects=False, timeout=10)
    assert restore.status_code == 303
    later = session.post(site.url("/console/inbox/export?language=en"),
                         data={"csrf_token": token, "request_key": "a-later-form"}, timeout=10)
    assert "drop this one" in later.text and "keep this one" not in later.text
    assert session.get(site.url(f"/console/inbox/exports/{kept + 100000}"), timeout=10).status_code == 404
    assert [row.target for row in site.audit_rows("discard_correction") if row.user_name == name] == [str(dropped)]


def test_the_list_shows_the_first_question_keeps_urls_clean_and_clamps_the_page(site: Console) -> None:
    """Issue 21: what was asked, not only sender ids; a shareable URL; no "Page 9999 of 1"."""
    session, _, _ = site.signed_in("viewer")
    page = session.get(site.url("/console/conversations?language=da"), timeout=30).text
    first = re.search(r'<tr data-sender="bjorn">\s*<td>.*?</td>\s*<td class="first-question" dir="auto">(.*?)</td>',
                      page, re.S).group(1)
    assert html.unescape(first) == "Hvor får jeg et CPR-nummer?"
    form = session.get(site.url("/console/conversations?from=&to=&language=da&channel=&q=&page=1"),
                       allow_redirects=False, timeout=30)
    assert (form.status_code, form.headers["Location"]) == (302, "/console/conversations?language=da")
    far = session.get(site.url("/console/conversations?page=9999"), timeout=30)
    assert far.status_code == 200 and "Page 1 of 1" in far.text
    assert rows(far) == ["dmytro", "carla", "bjorn", "alice"]


def test_a_reviewed_conversation_downloads_as_a_test_story_rasa_reads(site: Console, tmp_path: Path) -> None:
    """Issue 21: one click turns a conversation, with its corrections, into a test story for tests/stories/."""
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader

    from bot.console import review_db

    session, name, _ = site.signed_in("reviewer")
    with site.engine.connect() as connection:
        first = connection.execute(sa.text(
            "SELECT min(id) FROM events WHERE sender_id = 'alice' AND type_name = 'user'")).scalar_one()
    review_db.add_correction(
        site.engine, sender_id="alice", event_id=int(first),
        original_text="Where is International House North Denmark?", language="en", original_intent="ask_address",
        corrected_intent="ask_contact",
        corrected_entities=[review_db.EntityAnnotation("topic", "International House", 9, 28)], user=name,
    )
    response = session.get(site.url("/console/conversations/alice/story.yml"), timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="test_story_alice.yml"'
    path = tmp_path / "test_story_alice.yml"
    path.write_text(response.text, encoding="utf-8")
    domain = Domain.load(str(ROOT_DIR / "domain.yml"))
    steps = YAMLStoryReader(domain).read_from_file(str(path))
    events = [(type(event).__name__, getattr(event, "intent_name", None) or getattr(event, "action_name", None))
              for step in steps for event in step.events]
    assert events == [
        ("UserUttered", "ask_contact"), ("ActionExecuted", "action_answer_address"),
        ("UserUttered", "ask_contact"), ("ActionExecuted", "action_answer_contact"),
    ]
    assert "Where is [International House](topic) North Denmark?" in response.text
    viewer, _, _ = site.signed_in("viewer")
    assert viewer.get(site.url("/console/conversations/alice/story.yml"), timeout=10).status_code == 403


def test_a_bad_filter_is_shown_in_the_filter_form(site: Console) -> None:
    """Issue 21: "to" before "from" shows the list's own form with the message, not a bare error."""
    session, _, _ = site.signed_in("viewer")
    page = session.get(site.url("/console/conversations?from=2026-11-21&to=2026-11-20"),
                       headers={"Accept": "text/html"}, timeout=10)
    assert page.status_code == 400
    assert '<div id="filter-error" data-field="to">' in page.text
    assert error_of(page) == {"code": "invalid_query", "message": "'to' is before 'from'"}
    assert 'id="filters"' in page.text and 'id="apply-filters"' in page.text and "data-sender" not in page.text
