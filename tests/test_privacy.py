"""The shared privacy helpers: constant-time comparison and password-free URLs."""

from __future__ import annotations

import pytest

from bot.privacy import constant_time_equal, redact_url


@pytest.mark.parametrize(("given", "expected", "equal"), [
    ("s3cret", "s3cret", True),
    ("s3cret", "s3cret ", False),
    ("", "", False),
    (None, "s3cret", False),
    ("", "s3cret", False),
    ("s3cret", "", False),
    ("æøå", "æøå", True),
])
def test_constant_time_equal(given, expected, equal):
    assert constant_time_equal(given, expected) is equal


@pytest.mark.parametrize(("url", "shown"), [
    ("amqp://bot:pw@mq:5672/v", "amqp://bot:***@mq:5672/v"),
    ("redis://:s3cret-password@127.0.0.1:1/0", "redis://:***@127.0.0.1:1/0"),
    ("kafka://bot:p%40ss@k1:9092,k2:9092", "kafka://bot:***@k1:9092,k2:9092"),
    ("redis://onlysecret@host:6379/0", "redis://***@host:6379/0"),
    ("kafka://k1:9092,k2:9092", "kafka://k1:9092,k2:9092"),
    ("postgresql://u:p@db/x?sslmode=require", "postgresql://u:***@db/x?sslmode=require"),
])
def test_redact_url(url, shown):
    assert redact_url(url) == shown


def test_a_secret_hash_sent_by_the_client_is_dropped():
    from bot.privacy import SECRET_HASH_FIELD, hash_secret, protect_metadata

    assert protect_metadata({SECRET_HASH_FIELD: "0" * 64, "language": "da"}) == {"language": "da"}
    assert protect_metadata({SECRET_HASH_FIELD: "0" * 64, "session_secret": "mine"}) == {
        SECRET_HASH_FIELD: hash_secret("mine")
    }
