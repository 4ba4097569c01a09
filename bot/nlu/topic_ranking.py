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
  outranks every entry) and the message names nothing, or when nothing reaches ``min_candidate``,
  or when its "none" label outranks even a named entry with its name's bonus:
  the message is left to the intent classifier and the dialogue (chit-chat, out of scope, a
  follow-up about the current topic). The probabilities of those three labels go with the
  decision (``other``: ``none``, ``chat``, ``follow_up``).

Thresholds are chosen on a development split of the example questions (``docs/nlu.md``), never
on the user-voice evaluation set.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

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
        names_overruled: The message named entries, and the model's "none" outranked them all
            with their bonus: the names are not the topic either.
    """

    outcome: str
    entries: Tuple[str, ...]
    confidence: float
    ranking: Tuple[Tuple[str, float], ...]
    other: Mapping[str, float] = field(default_factory=dict)
    names_overruled: bool = False


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


#: Where a sentence ends: sentence punctuation (with the Arabic question mark and the ellipsis)
#: before a space or the end, or a line break. "39.5" and "kl.16" do not end a sentence.
_SENTENCE_END = re.compile(r"[.!?\u061f\u2026]+(?=\s|$)|\n+")
_QUESTION_MARKS = {"?", "\u061f"}


def question_span(text: str) -> Tuple[int, int]:
    """Where the message's question sentence is, as ``(start, end)`` offsets.

    When a message has sentences that end with a question mark and sentences that do not, the
    question is in the last one that does, wherever it stands: "Where is International House?
    I have an appointment with SIRI there." asks where the house is; SIRI is context. Otherwise
    (one sentence, no question mark, or only questions) the span is the whole message.
    """
    sentences: List[Tuple[int, int, bool]] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        if text[start:match.end()].strip():
            sentences.append((start, match.end(), bool(set(match.group()) & _QUESTION_MARKS)))
        start = match.end()
    if text[start:].strip():
        sentences.append((start, len(text), False))
    questions = [sentence for sentence in sentences if sentence[2]]
    if not questions or len(questions) == len(sentences):
        return 0, len(text)
    return questions[-1][0], questions[-1][1]


@dataclass(frozen=True)
class Focus:
    """Which part of a message holds its question, and the entries named there.

    Attributes:
        entries: The named entries found in that part (empty when it names none).
        start: Where that part begins.
        end: Where it ends.
    """

    entries: Tuple[str, ...]
    start: int
    end: int


def find_focus(text: str, found: Sequence[Tuple[str, int]]) -> Focus:
    """The part of the message where the question is, and the entries named in it.

    First the question sentence (:func:`question_span`), then its last clause
    (:func:`final_clause_start`). When that clause names nothing but the question sentence does
    ("Where do I get my yellow card? The bank wants to see it for my account"), the whole
    question sentence is the focus.

    Args:
        text: The message.
        found: The named entries with their start offsets, in order of appearance.
    """
    q_start, q_end = question_span(text)
    partial = (q_start, q_end) != (0, len(text))
    clause = q_start + final_clause_start(text[q_start:q_end])
    in_clause = _unique(entry_id for entry_id, offset in found if clause <= offset < q_end)
    if in_clause or not partial:
        return Focus(in_clause, clause, q_end)
    in_sentence = _unique(entry_id for entry_id, offset in found if q_start <= offset < q_end)
    return Focus(in_sentence, q_start, q_end)


def _unique(values: Iterable[str]) -> Tuple[str, ...]:
    return tuple(dict.fromkeys(values))


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
    # A name found in the message is strong evidence, but not when the model, which learned from
    # that name too, reads the whole message as none of ours even more strongly than the name's
    # bonus lifts the entry: "which internet subscription is best for a flat?" names the flat
    # (housing's word) and asks about something we do not cover.
    if named and other[NAMES[NONE_LABEL]] >= top:
        return TopicDecision(NONE, (), confidence, ranking, other, names_overruled=True)
    close = [entry_id for entry_id, score in ranked[1:] if top - score < config["margin"]
             and score >= config["min_candidate"]]
    if not close:
        return TopicDecision(ANSWER, (top_id,), confidence, ranking, other)
    return TopicDecision(CLARIFY, tuple([top_id, *close][: int(config["max_candidates"])]), confidence, ranking,
                         other)
