"""Small privacy helpers shared by the channels and the web app."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any, Dict, Optional
from urllib.parse import urlsplit, urlunsplit

SECRET_FIELD = "session_secret"
SECRET_HASH_FIELD = "session_secret_hash"
MAX_SECRET_LENGTH = 128


def hash_secret(secret: str) -> str:
    """The SHA-256 of a widget's session secret (only the hash is ever stored)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def secret_matches(secret: str, stored_hash: str) -> bool:
    """Whether ``secret`` hashes to ``stored_hash`` (constant-time comparison)."""
    return hmac.compare_digest(hash_secret(secret), stored_hash)


def constant_time_equal(given: Optional[str], expected: str) -> bool:
    """Whether ``given`` equals ``expected``, compared in constant time.

    Args:
        given: What the caller sent (a secret, token or signature); None when absent.
        expected: The value it must equal.

    Returns:
        False when either is absent or empty, else whether they are equal.
    """
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def redact_url(url: str) -> str:
    """The URL with its password replaced by ``***``, for messages and logs.

    ``amqp://bot:pw@mq:5672/v`` becomes ``amqp://bot:***@mq:5672/v``; user info without a colon
    (some clients read it as the password) becomes ``***``. A URL without user info is unchanged.

    Args:
        url: A service URL (broker, Redis, database), possibly with ``user:password@``.

    Returns:
        The URL without the password.
    """
    parts = urlsplit(url)
    userinfo, at, hosts = parts.netloc.rpartition("@")
    if not at:
        return url
    user, colon, _ = userinfo.partition(":")
    shown = f"{user}:***" if colon else "***"
    return urlunsplit(parts._replace(netloc=f"{shown}@{hosts}"))


def protect_metadata(metadata: Dict[str, Any]) -> Dict[str, Any]:
    """Replace a session secret in message metadata by its hash, before anything stores it.

    The widget sends its secret with each message; the tracker store keeps only the hash, which
    later proves that a "delete my conversation" request comes from the same browser. A hash the
    client sent itself is dropped: only the channel computes it, or anyone who saw a stored hash
    (the console, the event stream) could pass as the owner.
    """
    secret = metadata.get(SECRET_FIELD)
    if secret is None and SECRET_HASH_FIELD not in metadata:
        return metadata
    cleaned = {key: value for key, value in metadata.items() if key not in (SECRET_FIELD, SECRET_HASH_FIELD)}
    if isinstance(secret, str) and 0 < len(secret) <= MAX_SECRET_LENGTH:
        cleaned[SECRET_HASH_FIELD] = hash_secret(secret)
    return cleaned
