"""Small privacy helpers shared by the channels and the web app."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any, Dict

SECRET_FIELD = "session_secret"
SECRET_HASH_FIELD = "session_secret_hash"
MAX_SECRET_LENGTH = 128


def hash_secret(secret: str) -> str:
    """The SHA-256 of a widget's session secret (only the hash is ever stored)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def secret_matches(secret: str, stored_hash: str) -> bool:
    """Whether ``secret`` hashes to ``stored_hash`` (constant-time comparison)."""
    return hmac.compare_digest(hash_secret(secret), stored_hash)


def protect_metadata(metadata: Dict[str, Any]) -> Dict[str, Any]:
    """Replace a session secret in message metadata by its hash, before anything stores it.

    The widget sends its secret with each message; the tracker store keeps only the hash, which
    later proves that a "delete my conversation" request comes from the same browser.
    """
    secret = metadata.get(SECRET_FIELD)
    if secret is None:
        return metadata
    cleaned = {key: value for key, value in metadata.items() if key != SECRET_FIELD}
    if isinstance(secret, str) and 0 < len(secret) <= MAX_SECRET_LENGTH:
        cleaned[SECRET_HASH_FIELD] = hash_secret(secret)
    return cleaned
