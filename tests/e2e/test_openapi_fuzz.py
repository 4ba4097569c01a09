"""``docs/openapi.yaml``: a valid OpenAPI 3.0.3 document, true of the running servers, and fuzzed.

The fuzz tests (schemathesis, positive and negative data from the document) send every operation
at most ``MAX_EXAMPLES`` generated requests and accept no 5xx and no response the document does
not describe (status, content type, body schema). The signed webhook is fuzzed twice: with the
generated (so unsigned) signature headers, and with the generated body signed correctly, so the
fuzzer also reaches the JSON validation behind the signature check.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter

import pytest
import requests
import schemathesis
import yaml
from hypothesis import HealthCheck, Phase, settings
from openapi_spec_validator import validate_spec
from schemathesis import DataGenerationMethod
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.constants import NOT_SET

from bot.channels.signing import sign
from tests.e2e.conftest import ROOT, start_stack, stop_stack

pytestmark = pytest.mark.e2e

SCHEMA_PATH = ROOT / "docs" / "openapi.yaml"
SECRET = uuid.uuid4().hex + uuid.uuid4().hex
MAX_EXAMPLES = 100
CHECKS = (not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance)
FUZZ = settings(
    max_examples=MAX_EXAMPLES, deadline=None, database=None, phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
METHODS = [DataGenerationMethod.positive, DataGenerationMethod.negative]
#: Status codes the signed fuzzing got, to check that it went past the signature.
SIGNED_STATUSES: Counter = Counter()


@pytest.fixture(scope="module")
def api_stack(tmp_path_factory):
    stack = start_stack(tmp_path_factory.mktemp("openapi"), {
        "WEBHOOK_KEYS": f"fuzz:{SECRET}", "WEBHOOK_CALLBACK_ALLOWED_HOSTS": "127.0.0.1",
        "WEBHOOK_CALLBACK_ATTEMPTS": "1", "WEBHOOK_CALLBACK_TIMEOUT_SECONDS": "1",
    })
    yield stack
    code = stop_stack(stack)
    assert code == 0, "\n".join(stack.lines[-20:])


@pytest.fixture(scope="module")
def rasa_schema(api_stack):
    return schemathesis.from_path(str(SCHEMA_PATH), base_url=api_stack.rasa, endpoint="^/webhooks/",
                                  data_generation_methods=METHODS)


@pytest.fixture(scope="module")
def web_schema(api_stack):
    return schemathesis.from_path(str(SCHEMA_PATH), base_url=api_stack.web, endpoint="^/(api/|health)",
                                  data_generation_methods=METHODS)


rasa = schemathesis.from_pytest_fixture("rasa_schema")
web = schemathesis.from_pytest_fixture("web_schema")


def test_document_is_valid_openapi_3_0_3():
    document = yaml.safe_load(SCHEMA_PATH.read_text(encoding="utf-8"))
    validate_spec(document)
    assert document["openapi"] == "3.0.3"
    operations = {(path, method) for path, item in document["paths"].items() for method in item if method != "servers"}
    assert operations == {
        ("/webhooks/signed/webhook", "post"), ("/health", "get"), ("/api/feedback", "post"),
        ("/api/conversations/{session_id}/delete", "post"),
    }
    webhook = document["paths"]["/webhooks/signed/webhook"]["post"]
    assert set(webhook["responses"]) == {"200", "202", "400", "401", "403", "413", "503"}
    assert [p["name"] for p in webhook["parameters"]] == [
        "X-Signature-Key-Id", "X-Signature-Timestamp", "X-Signature-Nonce", "X-Signature"]


def signed_call(case, base_url):
    """Send the case with its body signed correctly (serialised here, so the signed bytes are sent)."""
    kwargs = case.as_requests_kwargs(base_url=base_url)
    body = kwargs.pop("json", NOT_SET)
    raw = kwargs.pop("data", None)
    if raw is None:
        raw = b"" if body is NOT_SET else json.dumps(body).encode()
    elif isinstance(raw, str):
        raw = raw.encode()
    headers = dict(kwargs.pop("headers", None) or {})
    headers.update(sign("fuzz", SECRET, raw))
    headers.setdefault("Content-Type", "application/json")
    return requests.request(data=raw, headers=headers, timeout=60, **kwargs)


def check(case, response):
    case.validate_response(response, checks=CHECKS)


# --- The document is true of the running servers (fixed examples) --------------------------------


def test_examples_match_the_document(api_stack, rasa_schema, web_schema):
    webhook = rasa_schema["/webhooks/signed/webhook"]["POST"]
    good = webhook.make_case(body={"sender": uuid.uuid4().hex, "message": "Where is International House?"},
                             headers={"Content-Type": "application/json"})
    response = signed_call(good, api_stack.rasa)
    assert response.status_code == 200
    check(good, response)
    accepted = webhook.make_case(body={"sender": "s", "message": "hi", "callback_url": "http://127.0.0.1:9/cb"})
    response = signed_call(accepted, api_stack.rasa)
    assert response.status_code == 202
    check(accepted, response)
    unsigned = webhook.make_case(body={"sender": "s", "message": "hi"})
    response = unsigned.call()
    assert response.status_code == 401
    check(unsigned, response)
    for body, status in ((b"x" * 20_000, 413), ({"sender": "s", "message": "hi", "extra": 1}, 400)):
        case = webhook.make_case(body=body if isinstance(body, dict) else NOT_SET)
        if not isinstance(body, dict):
            response = requests.post(f"{api_stack.rasa}/webhooks/signed/webhook", data=body,
                                     headers=sign("fuzz", SECRET, body), timeout=30)
        else:
            response = signed_call(case, api_stack.rasa)
        assert response.status_code == status
        check(case, response)

    health = web_schema["/health"]["GET"].make_case()
    response = health.call()
    assert (response.status_code, response.json()) == (200, {"status": "ok"})
    check(health, response)
    feedback = web_schema["/api/feedback"]["POST"]
    for body, headers, status in (
        ({"session_id": "nobody", "rating": "up"}, {}, 401),
        ({"session_id": "nobody", "rating": "up"}, {"X-Session-Secret": "x"}, 404),
        ({"session_id": "nobody", "rating": "sideways"}, {"X-Session-Secret": "x"}, 400),
    ):
        case = feedback.make_case(body=body, headers=headers)
        response = case.call()
        assert response.status_code == status
        check(case, response)
    case = feedback.make_case(body={"session_id": "s", "rating": "up", "text": "x" * 20_000},
                              headers={"X-Session-Secret": "x"})
    response = case.call()
    assert response.status_code == 413
    check(case, response)
    delete = web_schema["/api/conversations/{session_id}/delete"]["POST"]
    case = delete.make_case(path_parameters={"session_id": "nobody"}, headers={"X-Session-Secret": "x"})
    response = case.call()
    assert response.status_code == 404
    check(case, response)


# --- Fuzzing ---------------------------------------------------------------------------------------


@web.parametrize()
@FUZZ
def test_fuzz_web_api(case):
    check(case, case.call())


@rasa.parametrize()
@FUZZ
def test_fuzz_webhook_unsigned(case):
    response = case.call()
    assert response.status_code in (400, 401, 413), response.text
    check(case, response)


@rasa.parametrize()
@FUZZ
def test_fuzz_webhook_signed(case, api_stack):
    response = signed_call(case, api_stack.rasa)
    SIGNED_STATUSES[response.status_code] += 1
    check(case, response)


def test_signed_fuzzing_reached_the_body_checks_and_the_assistant():
    if not SIGNED_STATUSES:
        pytest.skip("runs after test_fuzz_webhook_signed")
    assert SIGNED_STATUSES[400] > 0 and SIGNED_STATUSES[200] > 0, SIGNED_STATUSES
    assert set(SIGNED_STATUSES) <= {200, 202, 400, 413}, SIGNED_STATUSES
