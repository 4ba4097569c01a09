"""The user-voice evaluation: questions written by people who never saw the training data.

``tests/user_voice/<lang>.yml`` holds, per language, single questions and short conversations,
each labelled with the content entry whose facts answer it (or ``out_of_scope``), a failure class
(``need``, ``name``, ``two_topics``, ``kind``, ``cost``, ``duration``, ``eligibility``,
``documents``, ``language``) and the writing style. The set was written by helpers given only the
content facts (``../shared/content-facts.md``) and the list of entry ids, never ``data/`` or the
tests, and it is never trained on (``tests/test_user_voice_set.py``).

Scoring is end to end, through the running assistant (``make eval``, ``bench/user_voice.py``): a
turn passes when the assistant answered about the expected entry (the ``entry`` and ``outcome:
answer`` the actions store on their bot messages), or about one its writer named under ``also``
when writing it, in the expected language (the ``language`` slot after the turn). For
``out_of_scope`` questions it passes when the assistant did not answer about any entry. This
module loads the set and scores stored events; it starts nothing.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from bot.yaml_files import read_yaml

OUT_OF_SCOPE = "out_of_scope"
ANSWER = "answer"


@dataclass(frozen=True)
class Turn:
    """One message of the set and what it expects.

    Attributes:
        text: What the user writes.
        expect: The entry id that answers it, or ``out_of_scope``.
        cls: The failure class it belongs to (``follow_up`` for later turns of a conversation).
        styles: Writing styles (``typo``, ``code_mix``...).
        picker: The widget's language picker, left untouched on this language (class ``language``).
        kind: The part of the entry asked for (``contact``, ``address``, ``hours``, ``topic``).
        also: Other entries whose facts answer the question just as fully, named by the writer
            when writing it (never after seeing a reply); answering one of them passes too.
    """

    text: str
    expect: str
    cls: str
    styles: Tuple[str, ...] = ()
    picker: Optional[str] = None
    kind: Optional[str] = None
    also: Tuple[str, ...] = ()

    @property
    def accepted(self) -> Tuple[str, ...]:
        """Every entry whose answer passes: the expected one, then the writer's alternatives."""
        return (self.expect, *self.also)


@dataclass(frozen=True)
class Case:
    """A single question (one turn) or a conversation (several), in one language."""

    language: str
    turns: Tuple[Turn, ...]
    conversation: bool = False
    round: int = 1


@dataclass(frozen=True)
class TurnResult:
    """How one turn went.

    Attributes:
        case: The case the turn belongs to.
        turn: The turn.
        ok: Whether the right entry was answered in the right language.
        reason: ``ok`` or why not: ``wrong_entry``, ``clarify``, ``menu``, ``fallback``,
            ``out_of_scope``, ``no_answer``, ``wrong_language``, ``answered_out_of_scope``.
        answered: The entry answered, if any.
        language: The conversation's language after the turn.
    """

    case: Case
    turn: Turn
    ok: bool
    reason: str
    answered: Optional[str] = None
    language: Optional[str] = None


def normalised(text: str) -> str:
    """A sentence reduced for comparison: lower case, no diacritics, words only."""
    folded = unicodedata.normalize("NFKD", text.lower())
    stripped = "".join(char for char in folded if not unicodedata.combining(char))
    return " ".join(re.findall(r"\w+", stripped))


def _turn(raw: Mapping[str, Any], cls: Optional[str] = None) -> Turn:
    return Turn(
        text=str(raw["text"]),
        expect=str(raw["expect"]),
        cls=str(cls or raw.get("class") or "name"),
        styles=tuple(str(style) for style in raw.get("style") or ()),
        picker=str(raw["picker"]) if raw.get("picker") else None,
        kind=str(raw["kind"]) if raw.get("kind") else None,
        also=tuple(str(entry) for entry in raw.get("also") or ()),
    )


def set_round(path: Path) -> int:
    """The writing round of a set file: ``<lang>.yml`` is round 1, ``<lang>-<n>.yml`` round n."""
    _, _, suffix = path.stem.partition("-")
    return int(suffix) if suffix.isdigit() else 1


def load_set(directory: Path, languages: Optional[Sequence[str]] = None) -> List[Case]:
    """Read every ``<lang>.yml`` and ``<lang>-<round>.yml`` of the set (or only the given languages)."""
    cases: List[Case] = []
    for path in sorted(directory.glob("*.yml")):
        raw = read_yaml(path) or {}
        language = str(raw.get("language") or path.stem.partition("-")[0])
        if languages and language not in languages:
            continue
        written = set_round(path)
        for question in raw.get("questions") or []:
            cases.append(Case(language, (_turn(question),), round=written))
        for conversation in raw.get("conversations") or []:
            turns = conversation.get("turns") or []
            if turns:
                parsed = [_turn(turns[0]), *(_turn(turn, "follow_up") for turn in turns[1:])]
                cases.append(Case(language, tuple(parsed), conversation=True, round=written))
    return cases


def all_texts(cases: Iterable[Case]) -> List[str]:
    """Every sentence of the set."""
    return [turn.text for case in cases for turn in case.turns]


def split_turns(events: Sequence[Mapping[str, Any]]) -> List[List[Mapping[str, Any]]]:
    """The tracker's events cut into turns: each starts at a ``user`` event."""
    turns: List[List[Mapping[str, Any]]] = []
    for event in events:
        if event.get("event") == "user":
            turns.append([event])
        elif turns:
            turns[-1].append(event)
    return turns


def score_turn(
    case: Case, turn: Turn, events: Sequence[Mapping[str, Any]], language: Optional[str]
) -> TurnResult:
    """Score one turn from its stored events.

    Args:
        case: The case.
        turn: The turn expected.
        events: The events of the turn (the user event, then what followed).
        language: The conversation's language after the turn.

    Returns:
        The result.
    """
    outcomes = [dict(event.get("metadata") or {}) for event in events if event.get("event") == "bot"]
    answered = next((meta.get("entry") for meta in outcomes if meta.get("outcome") == ANSWER), None)
    actions = [str(event.get("name")) for event in events if event.get("event") == "action"]

    def result(ok: bool, reason: str) -> TurnResult:
        return TurnResult(case, turn, ok, reason, answered, language)

    if turn.expect == OUT_OF_SCOPE:
        if answered is not None:
            return result(False, "answered_out_of_scope")
    elif answered not in turn.accepted:
        if answered is not None:
            return result(False, "wrong_entry")
        kinds = {meta.get("outcome") for meta in outcomes}
        if "clarify" in kinds:
            return result(False, "clarify")
        if "menu" in kinds or "utter_capabilities" in actions:
            return result(False, "menu")
        if kinds & {"search", "nothing"}:
            return result(False, "fallback")
        if "utter_out_of_scope" in actions or any(meta.get("utter_action") == "utter_out_of_scope"
                                                  or meta.get("outcome") == OUT_OF_SCOPE for meta in outcomes):
            return result(False, "out_of_scope")
        return result(False, "no_answer")
    if language != case.language:
        return result(False, "wrong_language")
    return result(True, "ok")


def language_after(turn_events: Sequence[Mapping[str, Any]], before: Optional[str]) -> Optional[str]:
    """The ``language`` slot after a turn, given its value before."""
    value = before
    for event in turn_events:
        if event.get("event") == "slot" and event.get("name") == "language":
            value = event.get("value")
    return value


@dataclass
class Table:
    """Pass rates by a key."""

    passed: Dict[str, int] = field(default_factory=lambda: defaultdict(int))
    total: Dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, key: str, ok: bool) -> None:
        """Count one result under ``key``."""
        self.total[key] += 1
        self.passed[key] += int(ok)

    def rate(self, key: str) -> float:
        """The pass rate of ``key`` (0 when nothing was counted)."""
        return self.passed[key] / self.total[key] if self.total[key] else 0.0


def summarise(results: Sequence[TurnResult]) -> Dict[str, Table]:
    """Pass rates per language (also per writing round), per class, per language and class, and failure reasons."""
    tables = {"language": Table(), "round": Table(), "class": Table(), "language_class": Table(),
              "reason": Table()}
    for item in results:
        tables["language"].add(item.case.language, item.ok)
        tables["language"].add("overall", item.ok)
        tables["round"].add(f"{item.case.language}/{item.case.round}", item.ok)
        tables["round"].add(f"overall/{item.case.round}", item.ok)
        tables["class"].add(item.turn.cls, item.ok)
        tables["language_class"].add(f"{item.case.language}/{item.turn.cls}", item.ok)
        tables["reason"].add(item.reason, item.ok)
    return tables


def format_report(results: Sequence[TurnResult]) -> str:
    """The Markdown tables ``make eval`` prints (per language, per class, failure reasons)."""
    tables = summarise(results)
    languages = sorted(key for key in tables["language"].total if key != "overall")
    classes = sorted(tables["class"].total)
    rounds = sorted({int(key.rpartition("/")[2]) for key in tables["round"].total})
    # One column per writing round when there are several: a later round was written after the
    # earlier ones had shaped the training data, so it is the fresher measure (docs/nlu.md).
    round_heads = "".join(f" round {number} |" for number in rounds) if len(rounds) > 1 else ""
    lines = ["| language | turns | right fact, right language |" + round_heads,
             "|---|---|---|" + "---|" * (len(rounds) if round_heads else 0)]
    for key in [*languages, "overall"]:
        label = f"**{key}**" if key == "overall" else key
        # A round written for some languages only (round 5: Ukrainian in Latin letters) is "–" elsewhere.
        by_round = "".join(f" {tables['round'].rate(cell):.3f} ({tables['round'].total[cell]}) |"
                           if tables["round"].total[cell] else " – |"
                           for cell in (f"{key}/{number}" for number in rounds)) if round_heads else ""
        lines.append(f"| {label} | {tables['language'].total[key]} | {tables['language'].rate(key):.3f} |" + by_round)
    lines += ["", "| class | " + " | ".join(languages) + " | all |", "|---|" + "---|" * (len(languages) + 1)]
    for cls in classes:
        cells = []
        for language in languages:
            key = f"{language}/{cls}"
            total = tables["language_class"].total[key]
            cells.append(f"{tables['language_class'].rate(key):.2f} ({total})" if total else "–")
        overall = f"{tables['class'].rate(cls):.3f} ({tables['class'].total[cls]})"
        lines.append(f"| {cls} | " + " | ".join(cells) + f" | {overall} |")
    failures = {key: count for key, count in tables["reason"].total.items() if key != "ok"}
    lines += ["", "| failure | turns |", "|---|---|"]
    for key, count in sorted(failures.items(), key=lambda item: -item[1]):
        lines.append(f"| {key} | {count} |")
    alternatives = sum(item.ok and item.answered not in (None, item.turn.expect) for item in results)
    if alternatives:
        # Shown apart so that the strict figure (only the first label) can always be read off.
        lines += ["", f"Passed with an entry the writer named under `also`: {alternatives} turns."]
    return "\n".join(lines)
