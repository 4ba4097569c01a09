"""docs/security.md: the widget API, the signed webhook, Rasa's HTTP API, the action server, the console.

Each refused case asserts its exact status and code, that nothing was stored or changed, and that
the answer shows no trace, SQL or secret.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any, Dict, Optional, Tuple

import pytest
import requests
import sqlalchemy as sa

from bot.channels.signing import sign
from bot.console import accounts
from bot.console.accounts_db import open_engine
from tests.console.conftest import csrf_from, error_of
from tests.security.conftest import ACTION_TOKEN, PASSWORD, WEBHOOK_SECRET, fresh_sender

pytestmark = pytest.mark.e2e


def rest(secure, sender: str, message: str, secret: Optional[str] = None) -> requests.Response:
    body: Dict[str, Any] = {"sender": sender, "message": message}
    if secret is not None:
        body["metadata"] = {"session_secret": secret}
    return requests.post(f"{secure.rasa}/webhooks/rest/webhook", json=body, timeout=60)


@pytest.fixture()
def conversation(secure) -> Tuple[str, str]:
    """A conversation bound to a secret: (sender, secret)."""
    sender, secret = fresh_sender(), f"owner-{uuid.uuid4().hex}"
    assert rest(secure, sender, "where are you?", secret).status_code == 200
    return sender, secret


def feedback_rows(secure, sender: str) -> int:
    with secure.engine.connect() as connection:
        if not sa.inspect(connection).has_table("feedback"):
            return 0
        query = sa.text("SELECT count(*) FROM feedback WHERE sender_id = :s")
        return int(connection.execute(query, {"s": sender}).scalar_one())


# --- widget API: feedback and delete ----------------------------------------------------------

FEEDBACK_BAD = [
    ("not json", None, 400, "invalid_json"),
    ("[]", None, 400, "invalid_body"),
    ('{"session_id": "a\\ud800", "rating": "up"}', None, 400, "invalid_text"),
    ({"rating": "up"}, None, 400, "invalid_field"),
    ({"session_id": "", "rating": "up"}, None, 400, "invalid_field"),
    ({"session_id": "s" * 129, "rating": "up"}, None, 400, "invalid_field"),
    ({"session_id": 5, "rating": "up"}, None, 400, "invalid_field"),
    ({"session_id": "{sender}", "rating": "meh"}, "{secret}", 400, "invalid_field"),
    ({"session_id": "{sender}", "rating": None}, "{secret}", 400, "invalid_field"),
    ({"session_id": "{sender}", "rating": "up", "text": 5}, "{secret}", 400, "invalid_field"),
    ({"session_id": "{sender}", "rating": "up", "text": "t" * 4001}, "{secret}", 400, "invalid_field"),
    ({"session_id": "{sender}", "rating": "up"}, None, 401, "missing_secret"),
    ({"session_id": "{sender}", "rating": "up"}, "", 401, "missing_secret"),
    ({"session_id": "{sender}", "rating": "up"}, "wrong-secret", 403, "forbidden"),
    ({"session_id": "{sender}", "rating": "down"}, "{secret} ", 403, "forbidden"),
    ({"session_id": "no-such-conversation-01", "rating": "up"}, "any", 404, "not_found"),
]


@pytest.mark.parametrize(("body", "secret", "status", "code"), FEEDBACK_BAD,
                         ids=[f"{case[3]}-{n}" for n, case in enumerate(FEEDBACK_BAD)])
def test_feedback_is_refused(secure, conversation, body, secret, status, code):
    sender, owner_secret = conversation
    if isinstance(body, dict):
        body = json.dumps({k: (sender if v == "{sender}" else v) for k, v in body.items()})
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Session-Secret"] = secret.replace("{secret}", owner_secret)
    response = requests.post(f"{secure.web}/api/feedback", data=body.encode("utf-8", "surrogatepass"),
                             headers=headers, timeout=30)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert feedback_rows(secure, sender) == 0
    secure.no_leak(response)


def test_feedback_over_the_body_limit_is_refused(secure, conversation):
    sender, secret = conversation
    body = json.dumps({"session_id": sender, "rating": "up", "text": "t" * 2_000_000})
    response = requests.post(f"{secure.web}/api/feedback", data=body, timeout=30,
                             headers={"Content-Type": "application/json", "X-Session-Secret": secret})
    assert response.status_code == 413
    assert feedback_rows(secure, sender) == 0


@pytest.mark.parametrize(
    ("secret", "status", "code"),
    [(None, 401, "missing_secret"), ("", 401, "missing_secret"), ("wrong", 403, "forbidden"),
     ("{secret}x", 403, "forbidden"), ("x" * 5000, 403, "forbidden")],
    ids=["none", "empty", "wrong", "longer", "huge"],
)
def test_delete_needs_the_owners_secret(secure, conversation, secret, status, code):
    sender, owner_secret = conversation
    headers = {} if secret is None else {"X-Session-Secret": secret.replace("{secret}", owner_secret)}
    response = requests.post(f"{secure.web}/api/conversations/{sender}/delete", headers=headers, timeout=30)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert secure.user_texts(sender) == ["where are you?"]
    secure.no_leak(response)


def test_delete_of_an_unknown_or_overlong_conversation(secure):
    unknown = requests.post(f"{secure.web}/api/conversations/nobody-{uuid.uuid4().hex}/delete",
                            headers={"X-Session-Secret": "x"}, timeout=30)
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "not_found")
    long = requests.post(f"{secure.web}/api/conversations/{'l' * 129}/delete", headers={"X-Session-Secret": "x"},
                         timeout=30)
    assert (long.status_code, long.json()["error"]["code"]) == (400, "invalid_field")


def test_delete_by_get_is_not_a_route(secure, conversation):
    sender, secret = conversation
    response = requests.get(f"{secure.web}/api/conversations/{sender}/delete",
                            headers={"X-Session-Secret": secret}, timeout=30)
    assert response.status_code == 404
    assert secure.user_texts(sender) == ["where are you?"]


def test_the_owner_deletes_everything(secure, conversation):
    sender, secret = conversation
    response = requests.post(f"{secure.web}/api/conversations/{sender}/delete",
                             headers={"X-Session-Secret": secret}, timeout=30)
    assert response.status_code == 200
    secure.nothing_stored(sender)


# --- signed webhook -----------------------------------------------------------------------------

WEBHOOK = "/webhooks/signed/webhook"


def signed_post(secure, body: Any, secret: str = WEBHOOK_SECRET, key_id: str = "sec",
                headers: Optional[Dict[str, str]] = None, drop: Optional[str] = None, **sign_args: Any):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    all_headers = {"Content-Type": "application/json", **sign(key_id, secret, raw, **sign_args), **(headers or {})}
    if drop:
        all_headers.pop(drop)
    return requests.post(f"{secure.rasa}{WEBHOOK}", data=raw, headers=all_headers, timeout=60)


WEBHOOK_REFUSED = {
    "no-key-id": (dict(drop="X-Signature-Key-Id"), 401, "missing_signature"),
    "no-timestamp": (dict(drop="X-Signature-Timestamp"), 401, "missing_signature"),
    "no-nonce": (dict(drop="X-Signature-Nonce"), 401, "missing_signature"),
    "no-signature": (dict(drop="X-Signature"), 401, "missing_signature"),
    "malformed-signature": (dict(headers={"X-Signature": "v1=xyz"}), 401, "missing_signature"),
    "old-version": (dict(headers={"X-Signature": "v0=" + "0" * 64}), 401, "missing_signature"),
    "unknown-key": (dict(key_id="other"), 401, "unknown_key"),
    "wrong-secret": (dict(secret="not-the-secret"), 401, "bad_signature"),
    "stale": (dict(timestamp=int(time.time()) - 3600), 401, "stale_timestamp"),
    "future": (dict(timestamp=int(time.time()) + 3600), 401, "stale_timestamp"),
    "short-nonce": (dict(nonce="short"), 401, "missing_signature"),
}


@pytest.mark.parametrize("case", list(WEBHOOK_REFUSED), ids=list(WEBHOOK_REFUSED))
def test_webhook_refuses_bad_credentials(secure, case):
    arguments, status, code = WEBHOOK_REFUSED[case]
    sender = fresh_sender()
    response = signed_post(secure, {"sender": sender, "message": "hi"}, **arguments)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    secure.nothing_stored(sender)
    secure.no_leak(response)


def test_webhook_refuses_a_replayed_request(secure):
    sender = fresh_sender()
    raw = json.dumps({"sender": sender, "message": "where are you?"}).encode()
    headers = {"Content-Type": "application/json", **sign("sec", WEBHOOK_SECRET, raw)}
    first = requests.post(f"{secure.rasa}{WEBHOOK}", data=raw, headers=headers, timeout=60)
    second = requests.post(f"{secure.rasa}{WEBHOOK}", data=raw, headers=headers, timeout=60)
    assert first.status_code == 200
    assert (second.status_code, second.json()["error"]["code"]) == (401, "replayed")
    assert secure.user_texts(sender) == ["where are you?"]


def test_webhook_signature_covers_the_body(secure):
    sender = fresh_sender()
    raw = json.dumps({"sender": sender, "message": "hi"}).encode()
    headers = {"Content-Type": "application/json", **sign("sec", WEBHOOK_SECRET, raw)}
    tampered = raw.replace(b"hi", b"ho")
    response = requests.post(f"{secure.rasa}{WEBHOOK}", data=tampered, headers=headers, timeout=60)
    assert (response.status_code, response.json()["error"]["code"]) == (401, "bad_signature")
    secure.nothing_stored(sender)


WEBHOOK_BODIES = {
    "not-json": (b"nope", 400, "invalid_json"),
    "array": (b"[]", 400, "invalid_body"),
    "unknown-field": ({"sender": "{s}", "message": "hi", "admin": True}, 400, "unknown_field"),
    "no-sender": ({"message": "hi"}, 400, "invalid_field"),
    "control-character": ({"sender": "{s}", "message": "hi\x1b[2J"}, 400, "invalid_text"),
    "long-message": ({"sender": "{s}", "message": "x" * 1001}, 413, "message_too_long"),
    "callback-elsewhere": ({"sender": "{s}", "message": "hi", "callback_url": "http://10.0.0.1/x"}, 400,
                           "callback_not_allowed"),
    "callback-scheme": ({"sender": "{s}", "message": "hi", "callback_url": "file:///etc/passwd"}, 400,
                        "invalid_field"),
    "oversized": (b'{"sender": "x", "message": "' + b"y" * 20000 + b'"}', 413, "body_too_large"),
}


@pytest.mark.parametrize("case", list(WEBHOOK_BODIES), ids=list(WEBHOOK_BODIES))
def test_webhook_refuses_bad_bodies_after_the_signature(secure, case):
    body, status, code = WEBHOOK_BODIES[case]
    sender = fresh_sender()
    if isinstance(body, dict):
        body = {k: (sender if v == "{s}" else v) for k, v in body.items()}
    response = signed_post(secure, body)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    secure.nothing_stored(sender)


def test_webhook_cannot_write_into_another_channels_conversation(secure, conversation):
    sender, _ = conversation
    response = signed_post(secure, {"sender": sender, "message": "injected"})
    assert response.status_code == 403
    assert response.json()["error"] == {"code": "forbidden", "message": "this conversation belongs to another channel"}
    assert secure.user_texts(sender) == ["where are you?"]


# --- Rasa's HTTP API ----------------------------------------------------------------------------

RASA_API = [
    ("GET", "/conversations/{s}/tracker"),
    ("GET", "/conversations/{s}/story"),
    ("POST", "/conversations/{s}/messages"),
    ("POST", "/conversations/{s}/tracker/events"),
    ("PUT", "/conversations/{s}/tracker/events"),
    ("POST", "/conversations/{s}/trigger_intent"),
    ("POST", "/conversations/{s}/predict"),
    ("POST", "/conversations/{s}/execute"),
    ("POST", "/model/parse"),
    ("PUT", "/model"),
    ("DELETE", "/model"),
    ("GET", "/status"),
    ("GET", "/domain"),
]


@pytest.mark.parametrize(("method", "path"), RASA_API, ids=[f"{m} {p}" for m, p in RASA_API])
@pytest.mark.parametrize("token", [None, "wrong-token"], ids=["no-token", "wrong-token"])
def test_rasa_http_api_needs_the_token(secure, conversation, method, path, token):
    sender, _ = conversation
    params = {} if token is None else {"token": token}
    before = secure.events(sender)
    body = {"text": "injected", "sender": "user", "event": "user", "name": "greet", "intent": "greet"}
    response = requests.request(method, f"{secure.rasa}{path.format(s=sender)}", params=params, json=body,
                                timeout=30)
    assert response.status_code == 401
    assert secure.events(sender) == before
    assert "injected" not in json.dumps(secure.user_texts(sender))
    secure.no_leak(response)


def test_rasa_http_api_takes_the_token_as_a_query_parameter_only(secure, conversation):
    """Rasa 3.6 reads ``?token=``; an ``Authorization: Bearer`` header is for its JWT mode, not used here."""
    sender, _ = conversation
    url = f"{secure.rasa}/conversations/{sender}/tracker"
    assert requests.get(url, headers={"Authorization": f"Bearer {secure.api_token}"}, timeout=30).status_code == 401
    assert requests.get(url, params={"token": secure.api_token}, timeout=30).status_code == 200


# --- the action server --------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/webhook", "/actions"])
@pytest.mark.parametrize("token", [None, "", "wrong", ACTION_TOKEN[:-1]], ids=["none", "empty", "wrong", "prefix"])
def test_action_server_needs_its_token(secure, path, token):
    headers = {} if token is None else {"X-Action-Token": token}
    method = requests.post if path == "/webhook" else requests.get
    body = {"next_action": "action_answer", "sender_id": "x", "tracker": {"sender_id": "x", "events": []}}
    response = method(f"{secure.actions}{path}", json=body, headers=headers, timeout=30)
    assert response.status_code == 401
    secure.no_leak(response)


def test_action_server_health_is_open_and_says_nothing_else(secure):
    response = requests.get(f"{secure.actions}/health", timeout=30)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


# --- the console --------------------------------------------------------------------------------

class Browser:
    """A console user's browser on the secure stack's web app."""

    def __init__(self, secure, role: Optional[str]) -> None:
        self.base = secure.web
        self.session = requests.Session()
        self.name = f"{role or 'nobody'}-{uuid.uuid4().hex[:8]}"
        self.csrf = ""
        if role is not None:
            engine = open_engine(str(secure.engine.url))
            accounts.add_user(engine, self.name, role, PASSWORD)
            engine.dispose()
            page = self.session.get(f"{self.base}/console/login", timeout=10)
            data = {"csrf_token": csrf_from(page.text), "name": self.name, "password": PASSWORD}
            assert self.session.post(f"{self.base}/console/login", data=data, allow_redirects=False,
                                     timeout=30).status_code == 303
            page = self.session.get(f"{self.base}/console/conversations", timeout=30)
            self.csrf = csrf_from(page.text)


PAGES = ["/console/conversations", "/console/analytics", "/console/analytics.csv", "/console/inbox",
         "/console/unanswered", "/console/undelivered", "/console/users", "/console/audit"]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("cookie", [None, "forged-" + "a" * 40, "", "' OR 1=1 --"],
                         ids=["no-cookie", "forged", "empty", "sql"])
def test_console_pages_need_a_session(secure, page, cookie):
    cookies = {} if cookie is None else {"console_session": cookie}
    response = requests.get(f"{secure.web}{page}", cookies=cookies, allow_redirects=False, timeout=30)
    if page.endswith(".csv"):  # a download, not a page: no redirect to a form
        assert (response.status_code, error_of(response)["code"]) == (401, "not_signed_in")
    else:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/console/login?next=")
    secure.no_leak(response)


ADMIN_ONLY = [("GET", "/console/users", None), ("GET", "/console/audit", None),
              ("POST", "/console/users", {"name": "mallory", "role": "admin", "password": PASSWORD}),
              ("POST", "/console/locks/unlock", {"name": "someone"})]


@pytest.mark.parametrize(("method", "path", "form"), ADMIN_ONLY, ids=[f"{m} {p}" for m, p, _ in ADMIN_ONLY])
@pytest.mark.parametrize("role", ["viewer", "reviewer"])
def test_console_admin_pages_refuse_lower_roles(secure, method, path, form, role):
    browser = Browser(secure, role)
    data = None if form is None else {**form, "csrf_token": browser.csrf}
    response = browser.session.request(method, f"{secure.web}{path}", data=data, allow_redirects=False, timeout=30)
    assert response.status_code == 403
    assert error_of(response)["code"] == "forbidden"
    engine = open_engine(str(secure.engine.url))
    assert accounts.get_user(engine, "mallory") is None
    engine.dispose()


REVIEWER_POSTS = ["/console/conversations/{s}/tags", "/console/conversations/{s}/notes",
                  "/console/conversations/{s}/review"]


@pytest.mark.parametrize("path", REVIEWER_POSTS)
def test_console_viewers_cannot_change_reviews(secure, conversation, path):
    sender, _ = conversation
    browser = Browser(secure, "viewer")
    response = browser.session.post(f"{secure.web}{path.format(s=sender)}",
                                    data={"csrf_token": browser.csrf, "tag": "x", "text": "note", "reviewed": "true"},
                                    allow_redirects=False, timeout=30)
    assert response.status_code == 403
    with secure.engine.connect() as connection:
        for table in ("console_tags", "console_notes", "console_reviews"):
            if sa.inspect(connection).has_table(table):
                query = sa.text(f"SELECT count(*) FROM {table} WHERE sender_id = :s")
                assert connection.execute(query, {"s": sender}).scalar_one() == 0


@pytest.mark.parametrize("token", [None, "", "forged-token"], ids=["none", "empty", "forged"])
def test_console_posts_need_the_csrf_token(secure, token):
    browser = Browser(secure, "admin")
    data = {"name": f"csrf-{uuid.uuid4().hex[:6]}", "role": "viewer", "password": PASSWORD}
    if token is not None:
        data["csrf_token"] = token
    response = browser.session.post(f"{secure.web}/console/users", data=data, allow_redirects=False, timeout=30)
    assert (response.status_code, error_of(response)["code"]) == (403, "csrf")
    engine = open_engine(str(secure.engine.url))
    assert accounts.get_user(engine, data["name"]) is None
    engine.dispose()


@pytest.mark.parametrize(
    "next_url",
    ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)", "/console/../admin",
     "/console/login"],
)
def test_console_sign_in_never_redirects_away(secure, next_url):
    name = f"redirect-{uuid.uuid4().hex[:8]}"
    engine = open_engine(str(secure.engine.url))
    accounts.add_user(engine, name, "viewer", PASSWORD)
    engine.dispose()
    session = requests.Session()
    page = session.get(f"{secure.web}/console/login", timeout=10)
    data = {"csrf_token": csrf_from(page.text), "name": name, "password": PASSWORD, "next": next_url}
    response = session.post(f"{secure.web}/console/login", data=data, allow_redirects=False, timeout=30)
    assert response.status_code == 303
    assert response.headers["Location"] == "/console/conversations"


@pytest.mark.parametrize("path", ["/console/static/../../bot/settings.py", "/console/static/%2e%2e/%2e%2e/README.md",
                                  "/widget/../../credentials.yml", "/vendor/..%2f..%2fMakefile"])
def test_static_files_stay_in_their_folder(secure, path):
    response = requests.get(f"{secure.web}{path}", timeout=30)
    assert response.status_code in (400, 404)
    assert "WEBHOOK" not in response.text and "def " not in response.text


def test_rasa_root_version_and_channel_health_show_nothing_private(secure):
    root = requests.get(f"{secure.rasa}/", timeout=30)
    assert (root.status_code, root.text.strip()) == (200, "Hello from Rasa: 3.6.21")
    version = requests.get(f"{secure.rasa}/version", timeout=30)
    assert version.status_code == 200
    assert set(version.json()) == {"version", "minimum_compatible_version"}
    health = requests.get(f"{secure.rasa}/webhooks/rest/", timeout=30)
    assert (health.status_code, health.json()) == (200, {"status": "ok"})
    for response in (root, version, health):
        secure.no_leak(response)
