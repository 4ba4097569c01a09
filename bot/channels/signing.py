"""HMAC-SHA256 request signatures of the signed webhook and its callbacks (``docs/integrators.md, "Signed webhook"``).

A signed request carries four headers:

* ``X-Signature-Key-Id``: which key signed it (several keys may be valid at once, for rotation);
* ``X-Signature-Timestamp``: unix time in seconds, at most :data:`MAX_SKEW_SECONDS` from ours;
* ``X-Signature-Nonce``: 16-64 characters from ``A-Z a-z 0-9 _ -``, never used twice;
* ``X-Signature``: ``v1=`` + hex HMAC-SHA256 of ``"{timestamp}.{nonce}.{raw body}"`` with the
  key's secret.

This module only computes and checks signatures; whether a nonce was seen before is the nonce
store's job (:mod:`bot.channels.nonces`).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass
from typing import Dict, Mapping, Optional

KEY_ID_HEADER = "X-Signature-Key-Id"
TIMESTAMP_HEADER = "X-Signature-Timestamp"
NONCE_HEADER = "X-Signature-Nonce"
SIGNATURE_HEADER = "X-Signature"
VERSION = "v1"
#: Requests whose timestamp is further than this from the server's clock are refused.
MAX_SKEW_SECONDS = 300

_NONCE = re.compile(r"[A-Za-z0-9_-]{16,64}")
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"v1=([0-9a-f]{64})")


class SignatureError(Exception):
    """A request failed verification; ``code`` is the JSON error code (the HTTP status is 401)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Verified:
    """A request whose signature is valid and whose timestamp is fresh."""

    key_id: str
    timestamp: int
    nonce: str


def signature(secret: str, timestamp: str, nonce: str, body: bytes) -> str:
    """The ``X-Signature`` value of a request.

    Args:
        secret: The key's secret.
        timestamp: The ``X-Signature-Timestamp`` value, exactly as sent.
        nonce: The ``X-Signature-Nonce`` value.
        body: The raw request body.

    Returns:
        ``"v1="`` followed by 64 lowercase hex digits.
    """
    message = timestamp.encode("ascii") + b"." + nonce.encode("ascii") + b"." + body
    digest = hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()
    return f"{VERSION}={digest}"


def sign(
    key_id: str, secret: str, body: bytes, timestamp: Optional[int] = None, nonce: Optional[str] = None
) -> Dict[str, str]:
    """The four signature headers for a body.

    Args:
        key_id: The key's id.
        secret: The key's secret.
        body: The raw body that will be sent.
        timestamp: Unix seconds; now when omitted.
        nonce: The nonce; 32 random hex characters when omitted.

    Returns:
        The headers, ready to send.
    """
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    nonce = nonce or secrets.token_hex(16)
    return {
        KEY_ID_HEADER: key_id,
        TIMESTAMP_HEADER: stamp,
        NONCE_HEADER: nonce,
        SIGNATURE_HEADER: signature(secret, stamp, nonce, body),
    }


def verify(headers: Mapping[str, str], body: bytes, keys: Mapping[str, str], now: Optional[float] = None) -> Verified:
    """Check a request's signature headers against its raw body.

    The signature is checked before the timestamp, so an unsigned caller learns nothing about the
    server's clock; the comparison takes constant time.

    Args:
        headers: The request headers (a case-insensitive mapping, as Sanic's).
        body: The raw request body.
        keys: Valid secrets by key id.
        now: The current unix time; the clock when omitted.

    Returns:
        The key id, timestamp and nonce of the request.

    Raises:
        SignatureError: ``missing_signature`` (a header is absent or malformed), ``unknown_key``,
            ``bad_signature`` or ``stale_timestamp``.
    """
    key_id = headers.get(KEY_ID_HEADER) or ""
    stamp = headers.get(TIMESTAMP_HEADER) or ""
    nonce = headers.get(NONCE_HEADER) or ""
    sent = headers.get(SIGNATURE_HEADER) or ""
    missing = [
        name
        for name, value in ((KEY_ID_HEADER, key_id), (TIMESTAMP_HEADER, stamp), (NONCE_HEADER, nonce),
                            (SIGNATURE_HEADER, sent))
        if not value
    ]
    if missing:
        raise SignatureError("missing_signature", f"missing header(s): {', '.join(missing)}")
    if not _TIMESTAMP.fullmatch(stamp):
        raise SignatureError("missing_signature", f"{TIMESTAMP_HEADER} must be unix time in whole seconds")
    if not _NONCE.fullmatch(nonce):
        raise SignatureError("missing_signature", f"{NONCE_HEADER} must be 16-64 characters from A-Z a-z 0-9 _ -")
    match = _SIGNATURE.fullmatch(sent)
    if not match:
        raise SignatureError("missing_signature", f"{SIGNATURE_HEADER} must be 'v1=' and 64 lowercase hex digits")
    secret = keys.get(key_id)
    if secret is None:
        raise SignatureError("unknown_key", f"unknown key id in {KEY_ID_HEADER}")
    if not hmac.compare_digest(signature(secret, stamp, nonce, body), sent):
        raise SignatureError("bad_signature", "the signature does not match the body")
    current = time.time() if now is None else now
    if abs(current - int(stamp)) > MAX_SKEW_SECONDS:
        raise SignatureError(
            "stale_timestamp", f"the timestamp is more than {MAX_SKEW_SECONDS} seconds from the server's clock"
        )
    return Verified(key_id, int(stamp), nonce)
