"""A reviewed conversation as a Rasa test story, so what staff fixed stays fixed (issue #21).

``GET /console/conversations/<id>/story.yml`` gives the conversation as a ``stories:`` file for
``tests/stories/`` (``rasa test core``): each user message with its intent, and the actions the
assistant took. A reviewer's correction replaces the intent the assistant had, and its
entities are written in the message the way Rasa reads them (``[words](entity)``). The text is
the stored, masked text. Slots are left to the actions, as in the project's own stories; review
the file before committing it (the header says so).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Dict, List, Mapping

import yaml

from bot.console.inbox import annotate
from bot.console.review_db import Correction
from bot.console.transcripts import Transcript

#: Actions that are bookkeeping, not behaviour a story should pin down.
SKIPPED_ACTIONS = frozenset({"action_listen", "action_session_start", "action_validate_slot_mappings"})


def story_name(sender_id: str) -> str:
    """A file-name-safe form of the conversation id."""
    return re.sub(r"[^A-Za-z0-9_-]+", "_", sender_id)[:64] or "conversation"


def test_story(transcript: Transcript, corrections: Mapping[int, Correction], exported_by: str,
               now: dt.datetime) -> str:
    """The conversation as a Rasa 3.x test-stories YAML file.

    Args:
        transcript: The conversation.
        corrections: Reviewers' corrections by user event id (the newest per message).
        exported_by: Who downloads it (named in the header).
        now: When (UTC, named in the header).

    Returns:
        The file's text.
    """
    steps: List[Dict[str, Any]] = []
    for turn in transcript.turns:
        correction = corrections.get(turn.event_id)
        if correction is not None:
            text = annotate(turn.text, correction.corrected_entities)
            intent = correction.corrected_intent
        else:
            text, intent = turn.text, turn.intent or "nlu_fallback"
        steps.append({"user": text, "intent": intent})
        steps.extend({"action": action} for action in turn.actions if action not in SKIPPED_ACTIONS)
    body = {"version": "3.1", "stories": [{"story": f"reviewed conversation {transcript.sender_id}",
                                           "steps": steps}]}
    header = (
        f"# Conversation {transcript.sender_id} ({transcript.language}), exported from the staff console "
        f"on {now.replace(microsecond=0).isoformat()}Z by {exported_by}.\n"
        "# Check the intents and actions, then save it under tests/stories/ so that `make test` keeps it.\n"
    )
    return header + yaml.safe_dump(body, allow_unicode=True, sort_keys=False, width=1000)
