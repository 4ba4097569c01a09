"""Replies that a platform does not accept are logged, not raised.

Rasa saves a conversation turn only after every reply was sent: when a platform's API is down
(or unreachable), the exception from the output channel loses the user's message with the turn.
The verified channels' output channels mix this in, so the turn is stored and the failure is
logged, without the exception's text (it can contain an access token, e.g. in a Graph API URL).
"""

from __future__ import annotations

import logging
from typing import Any, Dict

logger = logging.getLogger(__name__)


class BestEffortDelivery:
    """Mixin for a Rasa ``OutputChannel``: ``send_response`` logs delivery failures."""

    async def send_response(self, recipient_id: str, message: Dict[str, Any]) -> None:
        """Send one response through the platform; log (by type only) when it fails."""
        try:
            await super().send_response(recipient_id, message)  # type: ignore[misc]
        except Exception as error:
            logger.error("%s: a reply could not be delivered (%s)", self.name(), type(error).__name__)  # type: ignore[attr-defined]
