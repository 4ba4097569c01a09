r"""Send one signed request to the signed webhook, and check the signature of a callback.

Standalone (Python 3.8+, ``requests``); the scheme is in ``docs/integrators.md, "Signed webhook"``::

    WEBHOOK_SECRET=... python docs/examples/sign_request.py \\
        http://localhost:5005/webhooks/signed/webhook crm-2026 crm-42 \\
        "What are the opening hours of International House?"

Prints the HTTP status on the first line, then the response body. ``--callback-url URL`` asks
for the replies to be POSTed there instead (the answer is then 202). The secret is read from the
environment, never from the command line.

A callback receiver checks the same four headers with :func:`verify` (see the end of the file).
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import secrets
import sys
import time
from typing import Dict, Mapping, Optional

import requests

MAX_SKEW_SECONDS = 300


def sign(key_id: str, secret: str, body: bytes) -> Dict[str, str]:
    """The signature headers for ``body``: HMAC-SHA256 of ``"{timestamp}.{nonce}.{body}"``."""
    timestamp = str(int(time.time()))
    nonce = secrets.token_hex(16)
    digest = hmac.new(secret.encode(), f"{timestamp}.{nonce}.".encode() + body, hashlib.sha256).hexdigest()
    return {
        "X-Signature-Key-Id": key_id,
        "X-Signature-Timestamp": timestamp,
        "X-Signature-Nonce": nonce,
        "X-Signature": f"v1={digest}",
    }


def verify(headers: Mapping[str, str], body: bytes, secrets_by_key: Mapping[str, str]) -> bool:
    """Whether a callback's signature is valid and fresh (a receiver must also refuse reused nonces).

    Args:
        headers: The callback's headers (look them up case-insensitively in your framework).
        body: Its raw body, before any JSON parsing.
        secrets_by_key: Your secrets by key id.

    Returns:
        True if the signature matches and the timestamp is within five minutes.
    """
    secret: Optional[str] = secrets_by_key.get(headers.get("X-Signature-Key-Id", ""))
    timestamp = headers.get("X-Signature-Timestamp", "")
    nonce = headers.get("X-Signature-Nonce", "")
    if secret is None or not timestamp.isdigit() or abs(time.time() - int(timestamp)) > MAX_SKEW_SECONDS:
        return False
    expected = hmac.new(secret.encode(), f"{timestamp}.{nonce}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(f"v1={expected}", headers.get("X-Signature", ""))


def main(argv: Optional[list] = None) -> int:
    """Send the request given on the command line; print the status and the body."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("key_id")
    parser.add_argument("sender")
    parser.add_argument("message")
    parser.add_argument("--callback-url")
    parser.add_argument("--language", help="metadata.language, e.g. da")
    args = parser.parse_args(argv)
    secret = os.environ.get("WEBHOOK_SECRET")
    if not secret:
        parser.error("set WEBHOOK_SECRET to the key's secret")
    payload: Dict[str, object] = {"sender": args.sender, "message": args.message}
    if args.language:
        payload["metadata"] = {"language": args.language}
    if args.callback_url:
        payload["callback_url"] = args.callback_url
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")  # sign exactly the bytes you send
    headers = {"Content-Type": "application/json", **sign(args.key_id, secret, body)}
    response = requests.post(args.url, data=body, headers=headers, timeout=60)
    print(response.status_code)
    print(response.text)
    return 0 if response.ok else 1


if __name__ == "__main__":
    sys.exit(main())
