"""Small helpers the verified channels share: JSON refusals and JSON bodies.

Secrets are compared with :func:`bot.privacy.constant_time_equal`.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Dict

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.guard import InvalidMessage

logger = logging.getLogger(__name__)


def refuse(status: int, code: str, message: str, channel: str) -> HTTPResponse:
    """Log a refused request and answer it with ``{"error": {"code", "message"}}``.

    Args:
        status: The HTTP status (400, 401, 403).
        code: A machine-readable reason, e.g. ``bad_signature``.
        message: A human-readable reason (never containing a secret).
        channel: The channel's name, for the log line.

    Returns:
        The JSON response.
    """
    logger.warning("channel %s refused a request (%s): %s", channel, status, message)
    return response.json({"error": {"code": code, "message": message}}, status=status)


def json_object(request: Request) -> Dict[str, Any]:
    """The request body as a JSON object.

    Args:
        request: The incoming request.

    Returns:
        The parsed object.

    Raises:
        InvalidMessage: 400 when the body is not valid JSON or not an object.
    """
    try:
        data = json.loads(request.body or b"")
    except (ValueError, UnicodeDecodeError):
        raise InvalidMessage("invalid_json", "the request body is not valid JSON") from None
    if not isinstance(data, dict):
        raise InvalidMessage("invalid_body", "the request body must be a JSON object")
    return data


def invalid(error: InvalidMessage, channel: str) -> HTTPResponse:
    """Answer a request whose body was refused by a check, with the check's status."""
    logger.warning("channel %s refused a request body: %s", channel, error)
    return response.json(error.as_dict(), status=error.status)
