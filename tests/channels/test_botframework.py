"""Bot Framework: only activities with a token signed by a key of the published key set get in.

The key set is served from a local HTTP server (an OpenID configuration pointing to a JWKS), as
login.botframework.com serves Microsoft's; the tokens are signed with RSA keys made here.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, Dict, Iterator, List

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from bot.channels.botframework import ISSUER, VerifiedBotFrameworkInput

APP_ID = "3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b"
SERVICE_URL = "https://smba.trafficmanager.net/emea/"
HMAC_SECRET = "an-app-password-of-at-least-32-bytes!"
ACTIVITY = {
    "type": "message",
    "id": "1764280000123",
    "timestamp": "2026-11-27T22:00:00.123Z",
    "serviceUrl": SERVICE_URL,
    "channelId": "msteams",
    "from": {"id": "29:1AbCdEfGhIjKlMnOp", "name": "Jonas Nielsen", "aadObjectId": "6b1f0c2d"},
    "conversation": {"conversationType": "personal", "tenantId": "72f988bf", "id": "a:1XyZ"},
    "recipient": {"id": f"28:{APP_ID}", "name": "Aalborg assistant"},
    "text": "When is International House open?",
    "textFormat": "plain",
    "locale": "en-US",
}


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


SIGNING_KEY = new_key()
OTHER_KEY = new_key()


def jwk(key: rsa.RSAPrivateKey, kid: str, endorsements: List[str]) -> Dict[str, Any]:
    data = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    return {**data, "kid": kid, "use": "sig", "endorsements": endorsements}


@pytest.fixture(scope="module")
def key_server() -> Iterator[Dict[str, Any]]:
    state: Dict[str, Any] = {"keys": [jwk(SIGNING_KEY, "key-1", ["msteams", "webchat"])], "requests": []}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state["requests"].append(self.path)
            base = f"http://127.0.0.1:{self.server.server_port}"
            body = {"issuer": ISSUER, "jwks_uri": f"{base}/keys", "id_token_signing_alg_values_supported": ["RS256"]}
            if self.path == "/keys":
                body = {"keys": state["keys"]}
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    state["openid_url"] = f"http://127.0.0.1:{server.server_port}/.well-known/openidconfiguration"
    yield state
    server.shutdown()


@pytest.fixture
def botframework(serve, key_server):
    key_server["requests"].clear()
    return serve(VerifiedBotFrameworkInput(APP_ID, "app-password", openid_url=key_server["openid_url"]))


def token(key: rsa.RSAPrivateKey = SIGNING_KEY, kid: str = "key-1", **overrides: Any) -> str:
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": APP_ID, "exp": now + 3600, "nbf": now - 60, "serviceUrl": SERVICE_URL}
    claims.update(overrides)
    claims = {name: value for name, value in claims.items() if value is not None}
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


def post(served, activity: Dict[str, Any], authorization: str = "") -> requests.Response:
    headers = {"Authorization": authorization} if authorization else {}
    return requests.post(served.webhook("botframework"), json=activity, headers=headers, timeout=30)


def test_an_activity_signed_by_a_published_key_reaches_the_assistant(botframework, key_server):
    response = post(botframework, ACTIVITY, f"Bearer {token()}")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})
    [message] = botframework.collector.messages
    assert (message.text, message.sender_id, message.input_channel) == (
        "When is International House open?", "29:1AbCdEfGhIjKlMnOp", "botframework")
    assert key_server["requests"] == ["/.well-known/openidconfiguration", "/keys"]
    # the key set is cached: a second activity does not fetch it again
    assert post(botframework, ACTIVITY, f"Bearer {token()}").status_code == 200
    assert len(botframework.collector.messages) == 2
    assert key_server["requests"] == ["/.well-known/openidconfiguration", "/keys"]


@pytest.mark.parametrize(("case", "status", "code"), [
    ("no_header", 401, "missing_token"),
    ("not_bearer", 401, "missing_token"),
    ("not_a_jwt", 401, "bad_token"),
    ("other_key_same_kid", 401, "bad_token"),
    ("unknown_kid", 401, "unknown_key"),
    ("expired", 401, "bad_token"),
    ("not_yet_valid", 401, "bad_token"),
    ("no_exp", 401, "bad_token"),
    ("other_audience", 401, "bad_token"),
    ("other_issuer", 401, "bad_token"),
    ("hs256", 401, "bad_token"),
    ("other_service_url", 403, "service_url_mismatch"),
    ("channel_not_endorsed", 403, "channel_not_endorsed"),
])
def test_activities_without_a_valid_token_never_reach_the_assistant(botframework, case, status, code):
    now = int(time.time())
    activity = dict(ACTIVITY)
    authorization = {
        "no_header": "",
        "not_bearer": f"Basic {token()}",
        "not_a_jwt": "Bearer not.a.jwt",
        "other_key_same_kid": f"Bearer {token(OTHER_KEY)}",
        "unknown_kid": f"Bearer {token(OTHER_KEY, kid='key-2')}",
        "expired": f"Bearer {token(exp=now - 3600, nbf=now - 7200)}",
        "not_yet_valid": f"Bearer {token(nbf=now + 3600)}",
        "no_exp": f"Bearer {token(exp=None)}",
        "other_audience": f"Bearer {token(aud='another-bot')}",
        "other_issuer": f"Bearer {token(iss='https://sts.windows.net/attacker/')}",
        "hs256": "Bearer " + jwt.encode({"iss": ISSUER, "aud": APP_ID, "exp": now + 60, "serviceUrl": SERVICE_URL},
                                        HMAC_SECRET, algorithm="HS256", headers={"kid": "key-1"}),
        "other_service_url": f"Bearer {token(serviceUrl='https://attacker.example.org/')}",
        "channel_not_endorsed": f"Bearer {token()}",
    }[case]
    if case == "channel_not_endorsed":
        activity["channelId"] = "skype"
    response = post(botframework, activity, authorization)
    assert (response.status_code, response.json()["error"]["code"]) == (status, code)
    assert botframework.collector.messages == []


def test_a_valid_token_with_a_malformed_activity_is_a_400(botframework):
    activity = {k: v for k, v in ACTIVITY.items() if k != "from"}
    response = post(botframework, activity, f"Bearer {token()}")
    assert (response.status_code, response.json()["error"]["field"]) == (400, "from.id")
    assert botframework.collector.messages == []


def test_other_activity_types_are_acknowledged(botframework):
    update = {**ACTIVITY, "type": "conversationUpdate", "text": None}
    response = post(botframework, update, f"Bearer {token()}")
    assert (response.status_code, response.json()) == (200, {"status": "ignored"})
    assert botframework.collector.messages == []


def test_the_channel_starts_without_fetching_keys(key_server):
    key_server["requests"].clear()
    VerifiedBotFrameworkInput.from_credentials({"app_id": APP_ID, "app_password": "x"})
    assert key_server["requests"] == []
