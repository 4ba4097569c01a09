"""Masked copies of Rasa events, for the tracker store and the event broker.

Every string an event carries (a user's text, ``parse_data`` with its entity values, metadata,
a slot's value, a bot's text and its buttons) goes through :func:`bot.masking.mask_text`; only
the fields that name things rather than quote people (``event``, ``name``, ``policy``,
``input_channel``, ``message_id``) are left as they are. Events without personal data are
returned unchanged (the same object), so nothing is rebuilt needlessly.

The public contact details of the content (phone numbers and e-mail addresses of offices) are
not personal data: :func:`public_values` lists them so that answers quoting them stay readable.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import AbstractSet, Any, Dict, FrozenSet, List

from rasa.shared.core.events import Event

from bot.masking import keep_set, mask_text

logger = logging.getLogger(__name__)

#: Top-level event fields that identify things and never hold what a person wrote.
STRUCTURAL_FIELDS = frozenset({"event", "timestamp", "name", "policy", "input_channel", "message_id", "confidence"})


def mask_value(value: Any, keep: AbstractSet[str] = frozenset()) -> Any:
    """``value`` with every string in it masked, through dictionaries and lists.

    Args:
        value: A JSON-like value.
        keep: Canonical forms of public values to leave unmasked.

    Returns:
        A masked copy (strings, dictionaries and lists are rebuilt; other values are returned as they are).
    """
    if isinstance(value, str):
        return mask_text(value, keep).text
    if isinstance(value, dict):
        return {key: mask_value(item, keep) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [mask_value(item, keep) for item in value]
    return value


def mask_event_dict(data: Dict[str, Any], keep: AbstractSet[str] = frozenset()) -> Dict[str, Any]:
    """A serialised event with personal data masked in every field that can hold it.

    Args:
        data: An event as produced by ``Event.as_dict()``.
        keep: Canonical forms of public values to leave unmasked.

    Returns:
        A masked copy; ``data`` is not changed.
    """
    return {key: value if key in STRUCTURAL_FIELDS else mask_value(value, keep) for key, value in data.items()}


def mask_event(event: Event, keep: AbstractSet[str] = frozenset()) -> Event:
    """``event`` itself when it holds no personal data, otherwise a masked copy.

    Args:
        event: Any Rasa event.
        keep: Canonical forms of public values to leave unmasked.

    Returns:
        The event to store or publish.
    """
    data = event.as_dict()
    masked = mask_event_dict(data, keep)
    if masked == data:
        return event
    copy = Event.from_parameters(masked)
    if copy is None:  # an event type Rasa cannot rebuild: fail rather than store the raw text
        raise ValueError(f"cannot rebuild a masked copy of event {data.get('event')!r}")
    return copy


def mask_events(events: List[Event], keep: AbstractSet[str] = frozenset()) -> List[Event]:
    """Masked copies of ``events`` (see :func:`mask_event`), in the same order and number."""
    return [mask_event(event, keep) for event in events]


@lru_cache(maxsize=1)
def public_values() -> FrozenSet[str]:
    """Canonical forms of the content's public phone numbers and e-mail addresses.

    Returns:
        The set to pass as ``keep``; empty when the content cannot be read (then everything is masked).
    """
    from bot.content.loader import get_knowledge_base  # the content is read on first use only

    try:
        knowledge_base = get_knowledge_base()
    except Exception as error:  # masking must never fail because of the content
        logger.warning("masking: the content's public contact details could not be read (%s); masking all", error)
        return frozenset()
    values: List[str] = []
    for entry in knowledge_base:
        contact = entry.contact
        if contact is None:
            continue
        values.extend(value for value in (contact.phone, contact.email) if value)
        values.extend(contact.lines.values())
    return keep_set(values)
