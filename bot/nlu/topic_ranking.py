"""One ranking of content entries from the gazetteer's matches and the learned topic model.

The gazetteer is precise (it found the entry's own name or synonym in the message); the model
understands situations ("my wife came with me and has nothing to do"). Each entry's score is the
model's probability, plus a bonus when the gazetteer found the entry's name. When a message names
several entries in different clauses, only the names in its last clause (where the question is)
get the bonus: "the bank needs a CPR number for my NemKonto, so where do I get the CPR?" asks
about the CPR number; the NemKonto is context (:func:`final_clause_start`). Then:

* **answer** the top entry when it is clearly ahead (its score leads the next by ``margin``);
* **clarify** when two or three entries are close to the top (the user picks among exactly those);
* **none** when the model thinks no entry is near (its "none", "chat" or "follow-up" label
  outranks every entry) and the message names nothing, or when nothing reaches ``min_candidate``:
  the message is left to the intent classifier and the dialogue (chit-chat, out of scope, a
  follow-up about the current topic). The probabilities of those three labels go with the
  decision (``other``: ``none``, ``chat``, ``follow_up``).

Thresholds are chosen on a development split of the example questions (``docs/nlu.md``), never
on the user-voice evaluation set.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Dict, Mapping, Optional, Sequence, Tuple

from bot.nlu.topic_examples import CHAT_LABEL, FOLLOW_UP_LABEL, NONE_LABEL, OTHER_LABELS

NAMES = {NONE_LABEL: "none", CHAT_LABEL: "chat", FOLLOW_UP_LABEL: "follow_up"}
ANSWER = "answer"
CLARIFY = "clarify"
NONE = "none"

DEFAULTS: Dict[str, float] = {
    "name_bonus": 0.3,
    "context_bonus": 0.0,
    "unfocused_bonus": 0.15,
    "margin": 0.12,
    "min_candidate": 0.15,
    "max_candidates": 3,
}


@dataclass(frozen=True)
class TopicDecision:
    """What the message is about.

    Attributes:
        outcome: ``answer`` (one entry), ``clarify`` (2-3 close entries) or ``none``.
        entries: The entry answered, or the candidates, best first.
        confidence: The top entry's share of the scores (0-1).
        ranking: The best entries with their scores, for the parse data and the console.
        other: The probabilities of the labels that are not entries (``none``, ``chat``,
            ``follow_up``).
    """

    outcome: str
    entries: Tuple[str, ...]
    confidence: float
    ranking: Tuple[Tuple[str, float], ...]
    other: Mapping[str, float] = field(default_factory=dict)


#: Where one clause ends and the next begins: sentence and clause punctuation (Latin and Arabic)
#: followed by a space, a dash between spaces, a line break.
_CLAUSE_BOUNDARY = re.compile(r"[.!?;:,\u060c\u061b\u061f]+\s+|\s[-\u2013\u2014]+\s+|\n+")
_TRAILING = " \t\n.!?\u061f\u2026"


def final_clause_start(text: str) -> int:
    """The offset where the message's last clause begins (0 for a one-clause message).

    Trailing punctuation does not start a clause: "where do I get it?" is one clause.
    """
    stripped = text.rstrip(_TRAILING)
    start = 0
    for match in _CLAUSE_BOUNDARY.finditer(stripped):
        if stripped[match.end():].strip():
            start = match.end()
    return start


def decide(
    model: Sequence[Tuple[str, float]],
    named: Sequence[str],
    settings: Mapping[str, float] = DEFAULTS,
    focus: Optional[Sequence[str]] = None,
) -> TopicDecision:
    """Combine the model's ranking and the gazetteer's matches into one decision.

    Args:
        model: Labels with probabilities from the topic model (entries and :data:`NONE_LABEL`).
        named: Entry ids the gazetteer found in the message, in order of appearance.
        settings: Thresholds (see :data:`DEFAULTS`).
        focus: The named entries found in the message's last clause. When some but not all named
            entries are there, the others get only ``context_bonus``; when none is (the last clause
            names nothing), every named entry gets ``unfocused_bonus``.

    Returns:
        The decision.
    """
    config = {**DEFAULTS, **settings}
    probabilities = {label: probability for label, probability in model}
    other = {NAMES[label]: probabilities.pop(label, 0.0) for label in OTHER_LABELS}
    none = max(other.values())
    scores: Dict[str, float] = dict(probabilities)
    # A named entry the model does not know (the three areas: "newcomers", "business") is a hint,
    # not a topic: it counts only when the model finds no entry of its own.
    model_has_one = any(probability >= config["min_candidate"] for probability in probabilities.values())
    named = [entry_id for entry_id in named if entry_id in probabilities or not model_has_one]
    focused = {entry_id for entry_id in focus or () if entry_id in named}
    # The last clause (where the question is) names nothing: the names are the situation, not what
    # is asked ("no MitID without a CPR. who do I call?" asks for MitID Support, which it does not
    # name), so they count for less and the model's reading of the whole message weighs more.
    unfocused = focus is not None and not focused
    for entry_id in named:
        in_focus = not focused or entry_id in focused
        bonus = "unfocused_bonus" if unfocused else "name_bonus" if in_focus else "context_bonus"
        scores[entry_id] = scores.get(entry_id, 0.0) + config[bonus]
    ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    total = sum(scores.values()) + sum(other.values())
    ranking = tuple((entry_id, round(score, 4)) for entry_id, score in ranked[:5])
    if not ranked:
        return TopicDecision(NONE, (), 0.0, ranking, other)
    top_id, top = ranked[0]
    confidence = top / total if total else 0.0
    if not named and (none >= top or top < config["min_candidate"]):
        return TopicDecision(NONE, (), confidence, ranking, other)
    close = [entry_id for entry_id, score in ranked[1:] if top - score < config["margin"]
             and score >= config["min_candidate"]]
    if not close:
        return TopicDecision(ANSWER, (top_id,), confidence, ranking, other)
    return TopicDecision(CLARIFY, tuple([top_id, *close][: int(config["max_candidates"])]), confidence, ranking,
                         other)
