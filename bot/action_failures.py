"""Which custom actions failed during the current turn.

The channel guard (``bot.channels.guard``) apologises when a turn produced no reply because the
action server is away. It used to decide that from the action server's health check alone, which
is cached for a few seconds: when the action server died right after a successful check, the
cached "up" hid the failure and the user got silence (seen in ``tests/e2e/test_supervision.py``).
The failed call itself is the first-hand evidence, so the Rasa server's wrapper of
``RemoteAction.run`` (``bot.rasa_server.install_operability``) records it here, and the guard
reads it.

The record is a list held in a context variable: the guard opens one per message, and Rasa runs
the turn in the same asyncio task (awaited, not spawned), so the wrapper appends to that list.
Outside a guarded turn (``rasa shell``, tests calling the processor directly) nothing is kept.
"""

from __future__ import annotations

import contextvars
from typing import List, Optional

_FAILED: contextvars.ContextVar[Optional[List[str]]] = contextvars.ContextVar("failed_actions", default=None)


def start_turn() -> List[str]:
    """Open an empty record for the turn about to run in this task, and return it."""
    record: List[str] = []
    _FAILED.set(record)
    return record


def record_failure(action_name: str) -> None:
    """Note that ``action_name`` could not be run by the action server in the current turn."""
    record = _FAILED.get()
    if record is not None:
        record.append(action_name)
