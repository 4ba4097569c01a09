"""The supported languages and the rule that decides a conversation's language.

Order of authority (issues #4 and #12), each branch tested in ``tests/test_languages.py``:

1. an explicit request ("can you answer in Danish?", a language button);
2. a language the user chose: the widget's picker once the visitor changed it, or the language an
   integrator's client sends in the message metadata;
3. the language of the message, when it is long and clear enough (three words or more, confident
   detection, content names such as "Skattestyrelsen" ignored), so a Danish sentence typed into a
   widget whose picker still shows its default English is answered in Danish. Later in a
   conversation, a message of fewer than ``SHORT_MESSAGE_WORDS`` words leaves the conversation's
   language only when detection is at least ``SHORT_SWITCH_CONFIDENCE`` sure: "trb programare
   inainte?" in a Romanian conversation was read as Danish (0.65), "من شحال العمر؟" in an Arabic one
   as Persian (0.81, answered in English with "I can't write in that language");
4. the widget's default language (a picker nobody touched), only on the conversation's first
   message: it is a better guess than English for a first "hej";
5. otherwise the conversation keeps its language: short or mixed messages change nothing. A
   conversation with no signal at all stays in the default language (the first in
   ``data/i18n/languages.yml``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple

from bot.settings import get_settings
from bot.yaml_files import read_yaml

SWITCH_INTENT = "switch_language"
#: Later in a conversation, a message with fewer words than this changes its language only when the
#: detection is at least SHORT_SWITCH_CONFIDENCE sure. Of the ~3,000 later turns of the user-voice
#: set (all written in their conversation's language), 10 were detected as another language, all
#: wrongly, 9 of them under 7 words and 0.9 (docs/nlu.md); the widget's picker and an explicit
#: request still switch at once.
SHORT_MESSAGE_WORDS = 7
SHORT_SWITCH_CONFIDENCE = 0.9
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


@dataclass(frozen=True)
class Language:
    """A supported language: its code, its name in itself, and its writing direction."""

    code: str
    name: str
    direction: str = "ltr"


def parse_languages(path: Path) -> Tuple[Language, ...]:
    """Parse a languages file (``data/i18n/languages.yml``); the one reader of that file."""
    if not path.exists():
        return (Language("en", "English"),)
    raw = read_yaml(path) or {}
    languages = tuple(
        Language(str(item["code"]), str(item.get("name") or item["code"]), str(item.get("direction") or "ltr"))
        for item in raw.get("languages", [])
        if isinstance(item, dict) and item.get("code")
    )
    return languages or (Language("en", "English"),)


@lru_cache(maxsize=4)
def load_languages(path: Optional[Path] = None) -> Tuple[Language, ...]:
    """The project's supported languages, read once per process."""
    return parse_languages(path or get_settings().project_dir / "data" / "i18n" / "languages.yml")


@dataclass(frozen=True)
class LanguageDecision:
    """The conversation's language after a message.

    Attributes:
        language: The language to answer in.
        changed: Whether it differs from the language before the message.
        reason: ``request``, ``widget``, ``detected``, ``unsupported``, ``widget_default`` or ``kept``.
        unsupported: The code of an unsupported language the message was written in, if any.
    """

    language: str
    changed: bool
    reason: str
    unsupported: Optional[str] = None


def _first(entities: Iterable[Mapping[str, Any]], entity: str, **extra: Any) -> Optional[Mapping[str, Any]]:
    for item in entities:
        if item.get("entity") == entity and all(item.get(k) == v for k, v in extra.items()):
            return item
    return None


def decide_language(
    current: Optional[str],
    intent: Optional[str],
    entities: List[Dict[str, Any]],
    supported: Tuple[str, ...],
    first_message: bool = False,
    text: Optional[str] = None,
) -> LanguageDecision:
    """Decide the conversation's language after a message.

    Args:
        current: The language so far (None at the start).
        intent: The message's intent.
        entities: The message's entities (``language``, ``detected_language``, ``unsupported_language``).
        supported: The supported language codes; the first is the default.
        first_message: Whether this is the conversation's first user message.
        text: The message as written, for its length (None: the length is not known and not used).

    Returns:
        The decision.
    """
    before = current if current in supported else supported[0]

    def result(language: str, reason: str, unsupported: Optional[str] = None) -> LanguageDecision:
        return LanguageDecision(language, language != before, reason, unsupported)

    requested = _first(entities, "language")
    if intent == SWITCH_INTENT and requested is not None and requested.get("value") in supported:
        return result(str(requested["value"]), "request")
    widget = _first(entities, "detected_language", source="metadata")
    if widget is not None and widget.get("value") in supported:
        return result(str(widget["value"]), "widget")
    detected = _first(entities, "detected_language", source="text")
    unsupported = _first(entities, "unsupported_language")
    leaving = unsupported if detected is None or detected.get("value") == current else detected
    if not first_message and current in supported and text is not None and short_and_unsure(text, leaving):
        return result(before, "kept")
    if detected is not None and detected.get("value") in supported:
        return result(str(detected["value"]), "detected")
    if unsupported is not None:
        return result(supported[0], "unsupported", str(unsupported.get("value")))
    default = _first(entities, "detected_language", source="widget_default")
    if first_message and default is not None and default.get("value") in supported:
        return result(str(default["value"]), "widget_default")
    return result(before, "kept")


def short_and_unsure(text: str, detection: Optional[Mapping[str, Any]]) -> bool:
    """Whether a detection on a short message is too unsure to leave the conversation's language."""
    if detection is None:
        return False
    return len(_WORD.findall(text)) < SHORT_MESSAGE_WORDS \
        and float(detection.get("confidence") or 0.0) < SHORT_SWITCH_CONFIDENCE


@dataclass(frozen=True)
class LanguageTurn:
    """What the conversation's language step does after a user message.

    Attributes:
        slot: The value to set the ``language`` slot to; None: leave the slot as it is.
        notice: A message to say first (the message is in a language the assistant does not speak).
    """

    slot: Optional[str]
    notice: Optional[str]


def payload_language(message: Mapping[str, Any], supported: Iterable[str]) -> List[Dict[str, Any]]:
    """The language a button or init payload (``/greet``) was sent in, from the message's metadata.

    A payload skips the NLU pipeline, so the language detector never sees its metadata; the
    widget's greeting in a picked language was answered in English. A language the client chose
    (the widget's ``language_chosen``, true for other clients) counts as the widget branch of
    :func:`decide_language`; an untouched picker as its default.

    Args:
        message: The message's parse data (``text``, ``metadata``).
        supported: The supported language codes.

    Returns:
        A ``detected_language`` entity, or nothing (a typed message, or no usable metadata).
    """
    text = message.get("text")
    metadata = message.get("metadata")
    if not isinstance(text, str) or not text.startswith("/") or not isinstance(metadata, dict):
        return []
    language = metadata.get("language")
    if language not in set(supported):
        return []
    chosen = metadata.get("language_chosen", True) is not False
    return [{"entity": "detected_language", "value": language, "confidence": 1.0 if chosen else 0.0,
             "source": "metadata" if chosen else "widget_default"}]


def language_turn(
    current: Optional[str], latest_message: Mapping[str, Any], user_messages: int
) -> LanguageTurn:
    """The language step of every user message (``action_validate_slot_mappings``).

    Run by the Rasa server itself (``bot/rasa_server.py``) and, when Rasa runs stock, by the action
    server (``actions/language.py``); both adapt this one function to their kind of events.

    Args:
        current: The ``language`` slot before the message.
        latest_message: The message's parse data (``intent``, ``entities``; ``text`` and
            ``metadata`` for a payload, see :func:`payload_language`).
        user_messages: How many user messages the conversation holds, this one included.

    Returns:
        The slot value to set, if any, and the notice to say, if any.
    """
    from bot.i18n import translate

    languages = load_languages()
    supported = tuple(language.code for language in languages)
    entities = list(latest_message.get("entities") or [])
    entities += payload_language(latest_message, supported)
    decision = decide_language(
        current,
        (latest_message.get("intent") or {}).get("name"),
        entities,
        supported,
        first_message=user_messages <= 1,
        text=str(latest_message.get("text") or ""),
    )
    notice = None
    if decision.unsupported:
        names = translate("language_list_join", supported[0]).join(language.name for language in languages)
        notice = translate("unsupported_language", supported[0], languages=names)
    changed = decision.changed or current is None
    return LanguageTurn(slot=decision.language if changed else None, notice=notice)
