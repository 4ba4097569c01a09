"""Signed callbacks: retries with backoff against a real local receiver, and undeliverable replies
recorded in ``undelivered_replies`` (SQLite and PostgreSQL) and logged."""

from __future__ import annotations

import datetime
import json
import logging
import socket
import ssl

import pytest
import requests.adapters
import sqlalchemy as sa
import urllib3.util.connection
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from bot.channels.callbacks import (
    CallbackDispatcher,
    CallbackJob,
    check_callback_url,
    check_public_host,
    deliver,
    list_undelivered,
    record_undelivered,
)
from bot.channels.guard import InvalidMessage
from bot.channels.signing import verify
from bot.settings import Settings
from tests.channels.webhook_receiver import header, receiver
from tests.databases import database_url
from tests.e2e.conftest import free_port

SECRET = "s" * 40
MESSAGES = [{"text": "International House is open Monday 9-15."}]


def settings(db_url: str = "sqlite://", attempts: int = 5, allowed: str = "127.0.0.1") -> Settings:
    return Settings.from_env({
        "TRACKER_DB_URL": db_url, "WEBHOOK_CALLBACK_ATTEMPTS": str(attempts),
        "WEBHOOK_CALLBACK_BACKOFF_SECONDS": "0.01", "WEBHOOK_CALLBACK_TIMEOUT_SECONDS": "2",
        "WEBHOOK_CALLBACK_ALLOWED_HOSTS": allowed,
    })


def job(url: str) -> CallbackJob:
    return CallbackJob(url=url, key_id="k1", secret=SECRET, sender="user-1", messages=MESSAGES,
                       in_reply_to="n" * 16)


def test_fails_twice_then_accepts_with_backoff_and_fresh_signatures():
    sleeps = []
    with receiver([503, 500, 200]) as callback:
        result = deliver(job(callback.url), settings(), sleep=sleeps.append)
    assert (result.delivered, result.attempts, result.last_error) == (True, 3, None)
    assert sleeps == [0.01, 0.02]
    bodies = {received.body for received in callback.requests}
    assert len(bodies) == 1
    body = json.loads(bodies.pop())
    assert body["sender"] == "user-1" and body["messages"] == MESSAGES and body["in_reply_to"] == "n" * 16
    assert len(body["delivery_id"]) == 32
    nonces = {header(received, "X-Signature-Nonce") for received in callback.requests}
    assert len(nonces) == 3
    for received in callback.requests:
        assert header(received, "Content-Type") == "application/json"
        assert verify(received.headers, received.body, {"k1": SECRET}).key_id == "k1"


def test_429_is_retried_and_404_is_not():
    with receiver([429, 200]) as callback:
        assert deliver(job(callback.url), settings(), sleep=lambda _: None).attempts == 2
    with receiver([404, 200]) as callback:
        result = deliver(job(callback.url), settings(), sleep=lambda _: None)
    assert (result.delivered, result.attempts, result.last_error) == (False, 1, "attempt 1: HTTP 404")
    assert len(callback.requests) == 1


def test_redirects_are_not_followed():
    with receiver([302]) as callback:
        callback.headers_for_status[302] = {"Location": "http://169.254.169.254/latest/meta-data/"}
        result = deliver(job(callback.url), settings(), sleep=lambda _: None)
    assert (result.delivered, result.attempts, result.last_error) == (False, 1, "attempt 1: HTTP 302")


def test_connection_refused_is_retried_until_the_last_attempt():
    sleeps = []
    result = deliver(job(f"http://127.0.0.1:{free_port()}/cb"), settings(attempts=4), sleep=sleeps.append)
    assert (result.delivered, result.attempts, result.last_error) == (False, 4, "attempt 4: ConnectionError")
    assert sleeps == [0.01, 0.02, 0.04]


def test_without_allow_list_private_addresses_are_refused_at_delivery():
    with receiver([200]) as callback:
        result = deliver(job(callback.url.replace("127.0.0.1", "localhost")), settings(allowed=""),
                         sleep=lambda _: None)
    assert result.delivered is False and result.attempts == 0
    assert "resolves to a non-public address" in (result.last_error or "")
    assert callback.requests == []
    assert check_public_host("http://localhost/") is not None


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_always_failing_callback_is_recorded_and_logged(kind, tmp_path, caplog):
    with database_url(kind, tmp_path) as url, receiver([500]) as callback:
        dispatcher = CallbackDispatcher(settings(url, attempts=3))
        with caplog.at_level(logging.ERROR, logger="bot.channels.callbacks"):
            result = dispatcher.submit(job(callback.url)).result(timeout=30)
            dispatcher.shutdown()
        assert (result.delivered, result.attempts) == (False, 3)
        assert len(callback.requests) == 3
        engine = sa.create_engine(url, future=True)
        try:
            rows = list_undelivered(engine, limit=10)
        finally:
            engine.dispose()
    assert len(rows) == 1
    row = rows[0]
    assert (row["sender_id"], row["callback_url"], row["attempts"], row["last_error"]) == (
        "user-1", callback.url, 3, "attempt 3: HTTP 500")
    assert row["payload"]["messages"] == MESSAGES and row["payload"]["sender"] == "user-1"
    assert row["created_at"] is not None
    assert [record.getMessage() for record in caplog.records] == [
        "undeliverable webhook reply for sender user-1 to host 127.0.0.1 after 3 attempt(s): attempt 3: HTTP 500"
    ]


def test_list_undelivered_newest_first_with_limit(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 't.db'}", future=True)
    assert list_undelivered(engine, 5) == []
    for number in range(3):
        record_undelivered(engine, f"s{number}", "https://example.org/cb", 5, "HTTP 500", {"n": number})
    assert [row["sender_id"] for row in list_undelivered(engine, 2)] == ["s2", "s1"]
    engine.dispose()


@pytest.mark.parametrize(
    ("url", "allowed", "code"),
    [
        ("ftp://example.org/x", (), "invalid_field"),
        ("file:///etc/passwd", (), "invalid_field"),
        ("https://", (), "invalid_field"),
        (5, (), "invalid_field"),
        ("https://user:pw@example.org/", (), "invalid_field"),
        ("https://example.org/a b", (), "invalid_field"),
        ("https://example.org:99999/", (), "invalid_field"),
        ("http://127.0.0.1:8000/cb", (), "callback_not_allowed"),
        ("http://10.1.2.3/cb", (), "callback_not_allowed"),
        ("http://[::1]/cb", (), "callback_not_allowed"),
        ("http://localhost/cb", (), "callback_not_allowed"),
        ("https://other.org/cb", ("example.org",), "callback_not_allowed"),
        ("https://evilexample.org/cb", (".example.org",), "callback_not_allowed"),
    ],
)
def test_check_callback_url_refuses(url, allowed, code):
    with pytest.raises(InvalidMessage) as error:
        check_callback_url(url, allowed)
    assert (error.value.code, error.value.field, error.value.status) == (code, "callback_url", 400)


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://example.org/cb?token=1", ()),
        ("http://127.0.0.1:8000/cb", ("127.0.0.1",)),
        ("https://hooks.example.org/cb", (".example.org",)),
        ("https://EXAMPLE.org/cb", ("example.org",)),
    ],
)
def test_check_callback_url_accepts(url, allowed):
    assert check_callback_url(url, allowed) == url


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_delete_undelivered_by_sender_and_age(kind, tmp_path):
    from datetime import datetime, timedelta, timezone

    from bot.channels.callbacks import delete_undelivered

    with database_url(kind, tmp_path) as url:
        engine = sa.create_engine(url, future=True)
        assert delete_undelivered(engine, sender_id="a") == 0
        for sender in ("a", "a", "b"):
            record_undelivered(engine, sender, "https://example.org/cb", 5, "HTTP 500", {"sender": sender})
        assert delete_undelivered(engine, sender_id="a") == 2
        assert delete_undelivered(engine, before=datetime.now(timezone.utc) - timedelta(days=1)) == 0
        assert delete_undelivered(engine, before=datetime.now(timezone.utc) + timedelta(seconds=1)) == 1
        assert list_undelivered(engine) == []
        engine.dispose()


PUBLIC = "93.184.216.34"  # a public address; tests never let a connection reach it


@pytest.fixture
def dns(monkeypatch):
    """Fake DNS for chosen names (a list of answers, the last repeating); real DNS for the rest."""
    real = socket.getaddrinfo
    answers: dict = {}
    asked: list = []

    def getaddrinfo(host, port, *args, **kwargs):
        if host in answers:
            asked.append(host)
            queue = answers[host]
            address = queue.pop(0) if len(queue) > 1 else queue[0]
            return real(address, port, *args, **kwargs)
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    answers["asked"] = asked
    return answers


@pytest.fixture
def network(monkeypatch):
    """Connections to PUBLIC go to ``network["PUBLIC"]`` (a local port) or are refused; all are recorded."""
    real = urllib3.util.connection.create_connection
    state: dict = {"connected": [], PUBLIC: None}

    def create_connection(address, *args, **kwargs):
        state["connected"].append(address[0])
        if address[0] == PUBLIC:
            if state[PUBLIC] is None:
                raise ConnectionRefusedError("no internet in tests")
            address = ("127.0.0.1", state[PUBLIC])
        return real(address, *args, **kwargs)

    monkeypatch.setattr(urllib3.util.connection, "create_connection", create_connection)
    return state


def test_dns_rebinding_is_refused_and_nothing_is_sent(dns, network):
    with receiver([200]) as callback:
        port = callback.url.rsplit(":", 1)[1].split("/")[0]
        # public when checked, then loopback (where the receiver listens) for any later lookup
        dns["rebind.example"] = [PUBLIC, "127.0.0.1"]
        result = deliver(job(f"http://rebind.example:{port}/cb"), settings(attempts=3, allowed=""),
                         sleep=lambda _: None)
    assert callback.requests == []
    assert network["connected"] == [PUBLIC]  # only the checked address; the name was not resolved again
    assert dns["asked"] == ["rebind.example", "rebind.example"]  # one lookup per attempt, by the check
    assert (result.delivered, result.attempts) == (False, 1)
    assert result.last_error == (
        "rebind.example resolves to a non-public address (127.0.0.1); only WEBHOOK_CALLBACK_ALLOWED_HOSTS may")


def test_pinned_delivery_keeps_the_host_header(dns, network):
    with receiver([200]) as callback:
        port = int(callback.url.rsplit(":", 1)[1].split("/")[0])
        network[PUBLIC] = port
        dns["hooks.example"] = [PUBLIC]
        result = deliver(job(f"http://hooks.example:{port}/cb?token=t"), settings(allowed=""), sleep=lambda _: None)
    assert (result.delivered, result.attempts) == (True, 1)
    assert network["connected"] == [PUBLIC]
    [received] = callback.requests
    assert (received.path, header(received, "Host")) == ("/cb?token=t", f"hooks.example:{port}")
    assert verify(received.headers, received.body, {"k1": SECRET}).key_id == "k1"


def self_signed(tmp_path, name: str):
    """A certificate for ``name`` and its key, written as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / f"{name}.crt", tmp_path / f"{name}.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


@pytest.mark.parametrize(("certificate_for", "delivered", "last_error"), [
    ("hooks.example", True, None),
    ("other.example", False, "attempt 2: SSLError"),
])
def test_pinned_https_checks_the_certificate_against_the_host_name(
    tmp_path, monkeypatch, dns, network, certificate_for, delivered, last_error
):
    cert_file, key_file = self_signed(tmp_path, certificate_for)
    monkeypatch.setattr(requests.adapters, "DEFAULT_CA_BUNDLE_PATH", str(cert_file))  # trust only this cert
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    server_names: list = []
    context.sni_callback = lambda sock, name, ctx: server_names.append(name)
    with receiver([200], tls=context) as callback:
        port = int(callback.url.rsplit(":", 1)[1].split("/")[0])
        network[PUBLIC] = port
        dns["hooks.example"] = [PUBLIC]
        result = deliver(job(f"https://hooks.example:{port}/cb"), settings(attempts=2, allowed=""),
                         sleep=lambda _: None)
    assert (result.delivered, result.last_error) == (delivered, last_error)
    assert set(server_names) == {"hooks.example"}  # SNI names the host, not the address
    assert len(callback.requests) == (1 if delivered else 0)
    if delivered:
        assert header(callback.requests[0], "Host") == f"hooks.example:{port}"
