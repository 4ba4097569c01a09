"""Signatures, keys and nonce stores of the signed webhook (bot.channels.signing, bot.channels.nonces)."""

from __future__ import annotations

import asyncio
import uuid

import pytest
import redis

from bot.channels.nonces import MemoryNonceStore, NonceStoreUnavailable, RedisNonceStore, nonce_store_for
from bot.channels.signing import SignatureError, sign, signature, verify
from bot.settings import Settings

SECRET = "0123456789abcdef0123456789abcdef"
BODY = b'{"sender":"a","message":"hi"}'
# printf '%s' '1700000000.abcdefghijklmnop.{"sender":"a","message":"hi"}' \
#   | openssl dgst -sha256 -hmac 0123456789abcdef0123456789abcdef
VECTOR = "v1=34181f33b57cbc466ad5b26b13f175f7ab8fa6da13aef46b0cd1701188b15fe2"
KEYS = {"k1": SECRET, "k2": "z" * 40}
REDIS_URL = "redis://127.0.0.1:6379/0"


def headers(**changes):
    base = {
        "X-Signature-Key-Id": "k1",
        "X-Signature-Timestamp": "1700000000",
        "X-Signature-Nonce": "abcdefghijklmnop",
        "X-Signature": VECTOR,
    }
    base.update(changes)
    return {name: value for name, value in base.items() if value is not None}


def test_signature_matches_openssl_vector():
    assert signature(SECRET, "1700000000", "abcdefghijklmnop", BODY) == VECTOR


def test_sign_builds_the_four_headers():
    assert sign("k1", SECRET, BODY, timestamp=1700000000, nonce="abcdefghijklmnop") == headers()
    made = sign("k1", SECRET, BODY)
    assert len(made["X-Signature-Nonce"]) == 32
    assert verify(made, BODY, KEYS).key_id == "k1"


def test_verify_accepts_a_good_request_within_five_minutes():
    for now in (1700000000, 1700000000 + 300, 1700000000 - 300):
        verified = verify(headers(), BODY, KEYS, now=now)
        assert (verified.key_id, verified.timestamp, verified.nonce) == ("k1", 1700000000, "abcdefghijklmnop")


def test_verify_with_the_second_key_of_a_rotation():
    sent = sign("k2", "z" * 40, BODY, timestamp=1700000000, nonce="n" * 16)
    assert verify(sent, BODY, KEYS, now=1700000000).key_id == "k2"


@pytest.mark.parametrize(
    ("changes", "body", "now", "code"),
    [
        ({"X-Signature": None}, BODY, 1700000000, "missing_signature"),
        ({"X-Signature-Key-Id": None}, BODY, 1700000000, "missing_signature"),
        ({"X-Signature-Nonce": "short"}, BODY, 1700000000, "missing_signature"),
        ({"X-Signature-Nonce": "n" * 65}, BODY, 1700000000, "missing_signature"),
        ({"X-Signature-Nonce": "abcdefghijklmno/"}, BODY, 1700000000, "missing_signature"),
        ({"X-Signature-Timestamp": "1700000000.5"}, BODY, 1700000000, "missing_signature"),
        ({"X-Signature": VECTOR[3:]}, BODY, 1700000000, "missing_signature"),
        ({"X-Signature": VECTOR.upper()}, BODY, 1700000000, "missing_signature"),
        ({"X-Signature-Key-Id": "k9"}, BODY, 1700000000, "unknown_key"),
        ({"X-Signature-Key-Id": "k2"}, BODY, 1700000000, "bad_signature"),
        ({}, BODY + b" ", 1700000000, "bad_signature"),
        ({"X-Signature-Nonce": "abcdefghijklmnoq"}, BODY, 1700000000, "bad_signature"),
        ({"X-Signature-Timestamp": "1700000001"}, BODY, 1700000001, "bad_signature"),
        ({}, BODY, 1700000000 + 301, "stale_timestamp"),
        ({}, BODY, 1700000000 - 301, "stale_timestamp"),
    ],
)
def test_verify_refuses(changes, body, now, code):
    with pytest.raises(SignatureError) as error:
        verify(headers(**changes), body, KEYS, now=now)
    assert error.value.code == code


def test_a_bad_signature_is_reported_before_a_stale_timestamp():
    with pytest.raises(SignatureError) as error:
        verify(headers(**{"X-Signature": "v1=" + "0" * 64}), BODY, KEYS, now=1)
    assert error.value.code == "bad_signature"


def test_webhook_keys_from_the_environment():
    settings = Settings.from_env({"WEBHOOK_KEYS": f" k1:{SECRET} , k2:{'z' * 40},"})
    assert dict(settings.webhook_keys) == KEYS
    assert SECRET not in repr(settings)
    assert Settings.from_env({}).webhook_keys == ()


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("k1:short", "shorter than 32 characters"),
        (f"k1{SECRET}", "must be 'id:secret,...'"),
        (f"bad id:{SECRET}", "must be 'id:secret,...'"),
        (f"k1:{SECRET},k1:{SECRET}", "appears twice"),
    ],
)
def test_webhook_keys_refused(raw, problem):
    with pytest.raises(ValueError, match=problem):
        Settings.from_env({"WEBHOOK_KEYS": raw})


def test_memory_nonce_store_remembers_until_expiry():
    clock = [1000.0]
    store = MemoryNonceStore(clock=lambda: clock[0])

    async def scenario():
        results = [await store.claim("k1", "n1" * 8, 600), await store.claim("k1", "n1" * 8, 600),
                   await store.claim("k2", "n1" * 8, 600)]
        clock[0] += 599
        results.append(await store.claim("k1", "n1" * 8, 600))
        clock[0] += 2
        results.append(await store.claim("k1", "n1" * 8, 600))
        clock[0] += 10_000
        await store.claim("k3", "n3" * 8, 600)
        results.append(len(store))
        return results

    assert asyncio.run(scenario()) == [True, False, True, False, True, 1]


def test_redis_nonce_store_uses_set_nx_ex():
    nonce = uuid.uuid4().hex
    store = RedisNonceStore(REDIS_URL)

    async def scenario():
        try:
            return [await store.claim("k1", nonce, 600), await store.claim("k1", nonce, 600),
                    await store.claim("k2", nonce, 600)]
        finally:
            await store.close()

    assert asyncio.run(scenario()) == [True, False, True]
    client = redis.Redis.from_url(REDIS_URL)
    try:
        assert 590 <= client.ttl(f"webhook-nonce:k1:{nonce}") <= 600
        assert client.get(f"webhook-nonce:k1:{nonce}") == b"1"
    finally:
        client.delete(f"webhook-nonce:k1:{nonce}", f"webhook-nonce:k2:{nonce}")
        client.close()


def test_redis_nonce_store_shared_by_two_workers():
    nonce = uuid.uuid4().hex
    first, second = RedisNonceStore(REDIS_URL), RedisNonceStore(REDIS_URL)

    async def scenario():
        try:
            return await asyncio.gather(*(store.claim("k1", nonce, 600) for store in (first, second, first)))
        finally:
            await first.close()
            await second.close()

    assert sorted(asyncio.run(scenario())) == [False, False, True]
    redis.Redis.from_url(REDIS_URL).delete(f"webhook-nonce:k1:{nonce}")


def test_redis_down_is_reported_not_treated_as_new():
    store = RedisNonceStore("redis://127.0.0.1:1/0")
    with pytest.raises(NonceStoreUnavailable, match="Redis did not answer"):
        asyncio.run(store.claim("k1", "n" * 16, 600))


def test_store_choice_follows_redis_url_and_the_workers(tmp_path):
    from bot.stores.sqlite_locks import SQLiteNonceStore

    one = {"RASA_WORKERS": "1", "VAR_DIR": str(tmp_path)}
    assert isinstance(nonce_store_for(Settings.from_env(one)), MemoryNonceStore)
    assert isinstance(nonce_store_for(Settings.from_env({"REDIS_URL": REDIS_URL})), RedisNonceStore)
    for workers in ("2", ""):  # several workers, or not known: the file they share
        store = nonce_store_for(Settings.from_env({"RASA_WORKERS": workers, "VAR_DIR": str(tmp_path)}))
        assert isinstance(store, SQLiteNonceStore)
