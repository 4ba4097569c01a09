"""Answers that may have been wrong: the console's suspect queue (issue #21).

Non-answers (``bot.console.non_answers``) are visible by their class. A confident wrong answer
is not: "Where is the nearest hospital?" got the life-science sector's description at 0.97. A
turn is *suspect* when one of these signals holds (each with the words a reviewer needs):

* ``thumbs_down``: the answer was rated down;
* ``rephrased``: the user asked the same again within three minutes;
* ``no_such_fact``: a where/when/who question (``ask_address``, ``ask_hours``, ``ask_contact``)
  answered about an entry that has no address, opening hours or contact, and that the message did
  not name (the topic came from the learned model alone, not from a name or synonym);
* ``unsure``: an answer from the learned topic model alone with a confidence below
  :data:`UNSURE_BELOW`;
* ``ignored_words``: a small-talk reply ("what can I help with?") to a message with words that no
  small-talk example of its language has ("Can you help me find an **apartment**?").

Rejected: "the conversation ended right after the answer". Most conversations end after a good
answer; as a signal it would bury the others. A reviewer marks a turn "fine" to take it out of
the queue (``bot.console.dismissals``, deleted with its conversation).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, FrozenSet, List, Mapping, Optional, Sequence, Set, Tuple

from sqlalchemy.engine import Engine

from bot.console import dismissals, non_answers
from bot.console.transcripts import Turn
from bot.yaml_files import read_yaml

THUMBS_DOWN = "thumbs_down"
REPHRASED = "rephrased"
NO_SUCH_FACT = "no_such_fact"
UNSURE = "unsure"
IGNORED_WORDS = "ignored_words"
SIGNALS = (THUMBS_DOWN, REPHRASED, NO_SUCH_FACT, UNSURE, IGNORED_WORDS)
LABELS = {
    THUMBS_DOWN: "rated down",
    REPHRASED: "asked again",
    NO_SUCH_FACT: "no such fact in the answer",
    UNSURE: "unsure topic",
    IGNORED_WORDS: "words ignored",
}
#: A topic confidence below this, from the learned model alone, makes an answer suspect.
UNSURE_BELOW = 0.6
#: Topic scores of 1.0 and more mean the gazetteer found the entry's name in the message.
NAMED_SCORE = 1.0
FACT_OF_INTENT = {"ask_address": "address", "ask_hours": "opening hours", "ask_contact": "contact"}
WORD = re.compile(r"[^\W\d_]{4,}", re.UNICODE)

@dataclass(frozen=True)
class Suspect:
    """A turn whose answer may have been wrong, and why."""

    sender_id: str
    turn: Turn
    signals: Tuple[Tuple[str, str], ...]

    @property
    def language(self) -> str:
        """The language the turn was answered in."""
        return self.turn.language


@lru_cache(maxsize=1)
def small_talk_words(nlu_dir: str) -> Mapping[str, FrozenSet[str]]:
    """Every word of the small-talk examples (``non_answers.CHITCHAT_INTENTS``), per language."""
    found: Dict[str, Set[str]] = {}
    for path in sorted(Path(nlu_dir).glob("*/*.yml")):
        language = path.parent.name
        data = read_yaml(path) or {}
        for block in data.get("nlu") or []:
            if block.get("intent") in non_answers.CHITCHAT_INTENTS:
                words = found.setdefault(language, set())
                words.update(word.lower() for word in WORD.findall(str(block.get("examples") or "")))
    return {language: frozenset(words) for language, words in found.items()}


def _answered_entry(turn: Turn) -> Optional[str]:
    for item in turn.reply_metadata:
        entry = non_answers._field(item, "entry")
        if non_answers._field(item, "outcome") == "answer" and isinstance(entry, str):
            return entry
    return None


def _top_score(turn: Turn, entry: str) -> float:
    for item in turn.topic_ranking.get("entries") or []:
        if isinstance(item, dict) and item.get("entry") == entry:
            return float(item.get("score") or 0.0)
    return 0.0


def signals_of(turn: Turn, facts: Mapping[str, FrozenSet[str]], small_talk: Mapping[str, FrozenSet[str]],
               ) -> List[Tuple[str, str]]:
    """The suspect signals of one turn, each with its explanation.

    Args:
        turn: A classified turn (``non_answers.classify_turns`` ran).
        facts: Per entry id, which facts it has: ``address``, ``opening hours``, ``contact``.
        small_talk: Per language, the words of its small-talk examples.

    Returns:
        ``(signal, explanation)`` pairs, in the order of :data:`SIGNALS`.
    """
    found: List[Tuple[str, str]] = []
    if turn.answer_class == non_answers.THUMBS_DOWN:
        found.append((THUMBS_DOWN, "the user rated the answer down"))
    if turn.answer_class == non_answers.REPHRASED:
        found.append((REPHRASED, "the user asked the same again"))
    entry = _answered_entry(turn)
    if entry is not None:
        named = _top_score(turn, entry) >= NAMED_SCORE
        fact = FACT_OF_INTENT.get(turn.intent or "")
        if fact and not named and fact not in facts.get(entry, frozenset()):
            found.append((NO_SUCH_FACT, f"asked for an {fact} ({turn.intent}); answered with {entry}, "
                                        f"which has none and was not named in the message"))
        confidence = turn.topic_ranking.get("confidence")
        if not named and isinstance(confidence, (int, float)) and confidence < UNSURE_BELOW:
            found.append((UNSURE, f"answered with {entry} at a topic confidence of {confidence:.2f}"))
    if turn.intent in non_answers.CHITCHAT_INTENTS:
        language = turn.detected_language or turn.language
        known = small_talk.get(language, frozenset())
        ignored = sorted({word for word in WORD.findall(turn.text.lower()) if word not in known})
        if known and ignored:
            found.append((IGNORED_WORDS, f"a small-talk reply ({turn.intent}) to a message with: {', '.join(ignored)}"))
    return found


def find_suspects(turns: Mapping[str, Sequence[Turn]], facts: Mapping[str, FrozenSet[str]],
                  small_talk: Mapping[str, FrozenSet[str]], fine: Set[int]) -> List[Suspect]:
    """Every suspect turn not marked fine, oldest first."""
    found: List[Suspect] = []
    for sender_id, items in turns.items():
        for turn in items:
            if turn.event_id in fine:
                continue
            signals = signals_of(turn, facts, small_talk)
            if signals:
                found.append(Suspect(sender_id, turn, tuple(signals)))
    return sorted(found, key=lambda suspect: suspect.turn.timestamp)


def entry_facts(knowledge_base: object) -> Dict[str, FrozenSet[str]]:
    """Per entry, the facts a where/when/who question can be answered with."""
    from bot.answers import contact_of

    facts: Dict[str, FrozenSet[str]] = {}
    for entry in knowledge_base:  # type: ignore[attr-defined]
        contact = contact_of(knowledge_base, entry)  # type: ignore[arg-type]
        has = set()
        if contact is not None and getattr(contact, "address", None):
            has.add("address")
        if contact is not None and (getattr(contact, "phone", None) or getattr(contact, "email", None)):
            has.add("contact")
        if entry.hours is not None:
            has.add("opening hours")
        facts[entry.id] = frozenset(has)
    return facts


def fine_event_ids(engine: Engine) -> Set[int]:
    """The turns reviewers marked fine."""
    return dismissals.dismissed(engine, dismissals.SUSPECTS)


def mark_fine(engine: Engine, sender_id: str, event_id: int, user: str) -> None:
    """Take a turn out of the suspect queue (idempotent)."""
    dismissals.dismiss(engine, dismissals.SUSPECTS, [(sender_id, event_id)], user)

Context = Tuple[Mapping[str, FrozenSet[str]], Mapping[str, FrozenSet[str]]]


def load_context(project_dir: Path) -> Context:
    """What the signals need: each entry's facts (the content) and the small-talk words (the NLU data)."""
    from bot.content.loader import get_knowledge_base

    return entry_facts(get_knowledge_base()), small_talk_words(str(project_dir / "data" / "nlu"))


def counts_by(found: Sequence[Suspect]) -> Tuple[Dict[str, int], Dict[dt.date, int]]:
    """How many suspects per language and per day (UTC) of the user message."""
    per_language: Dict[str, int] = {}
    per_day: Dict[dt.date, int] = {}
    for suspect in found:
        per_language[suspect.language] = per_language.get(suspect.language, 0) + 1
        day = suspect.turn.at.date()
        per_day[day] = per_day.get(day, 0) + 1
    return per_language, per_day
