"""The newcomer's personal first-steps checklist (issue #13).

"I just arrived, what do I do?" depends on two things: the newcomer's citizenship group (Nordic,
EU/EEA/Swiss, another country) and why they came (work, study, family, looking for a job). The
assistant asks for both with buttons (a Rasa form, ``first_steps_form``), then shows an ordered
checklist for that case, a few steps at a time, so that "what's next?" continues it:

    right to stay -> CPR number and health card -> tax card -> MitID -> NemKonto -> Digital Post
    -> Danish lessons -> the house's programme for the reason

Each step is one line, the ``checklist`` text of a content entry (``data/content/``, with the
entry's sources and verification date), and a button to that entry's full answer, which ends with
its official link. Long official URLs are kept out of the list itself: on a phone, eight of them
made a wall of text.

Typed answers are understood too: the words of ``data/i18n/first_steps.yml``, and countries and
their citizens named in the conversation's language or English (``bot.citizenship``: CLDR through
Babel, so no country table of our own).

Everything here is pure: the actions (``actions/first_steps.py``) only read slots and dispatch.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from bot import citizenship
from bot.answers import Button, Reply, topic_payload
from bot.content.loader import KnowledgeBase
from bot.content.schema import CITIZEN_GROUPS
from bot.i18n import translate as t
from bot.nlu.gazetteer import normalise
from bot.settings import get_settings
from bot.yaml_files import read_yaml

GROUP_SLOT = "citizenship_group"
REASON_SLOT = "arrival_reason"
NEXT_SLOT = "checklist_next"
FORM = "first_steps_form"
#: The entry "how do I get started?" resolves to; the checklist's replies are stored as about it.
CHECKLIST_ENTRY = "getting_started"
NEXT_INTENT = "next_step"

GROUPS: Tuple[str, ...] = CITIZEN_GROUPS  # nordic, eu, non_eu
REASONS: Tuple[str, ...] = ("work", "study", "family", "job_seeking")
#: Steps shown per message; "what's next?" shows the following ones.
PAGE_SIZE = 3

@dataclass(frozen=True)
class Step:
    """One step of the checklist: a content entry, and for whom it applies.

    Attributes:
        entry_id: The entry whose ``checklist`` line is shown and whose answer the button leads to.
        groups: The citizenship groups it applies to (all when empty).
        reasons: The reasons for coming it applies to (all when empty).
    """

    entry_id: str
    groups: Tuple[str, ...] = ()
    reasons: Tuple[str, ...] = ()

    def applies(self, group: str, reason: str) -> bool:
        """Whether the step is part of the checklist of ``group`` and ``reason``."""
        return (not self.groups or group in self.groups) and (not self.reasons or reason in self.reasons)


#: The checklist, in order. The right to stay comes first, in the form that fits the group; the
#: last step is the house's programme for the reason the newcomer came.
STEPS: Tuple[Step, ...] = (
    Step("getting_started", groups=("nordic",)),
    Step("eu_residence", groups=("eu",)),
    Step("residence_permit", groups=("non_eu",)),
    Step("cpr"),
    Step("tax_card"),
    Step("mitid"),
    Step("nemkonto"),
    Step("digital_post"),
    Step("danish_lessons"),
    Step("culture_companions", reasons=("work", "study")),
    Step("spouse_space", reasons=("family",)),
    Step("job_search_seminar", reasons=("job_seeking",)),
)


def plan(group: str, reason: str) -> List[str]:
    """The entry ids of the checklist for ``group`` and ``reason``, in order.

    Raises:
        ValueError: If the group or the reason is unknown.
    """
    if group not in GROUPS:
        raise ValueError(f"unknown citizenship group {group!r} (use {', '.join(GROUPS)})")
    if reason not in REASONS:
        raise ValueError(f"unknown reason {reason!r} (use {', '.join(REASONS)})")
    return [step.entry_id for step in STEPS if step.applies(group, reason)]


def checklist_line(kb: KnowledgeBase, entry_id: str, group: str, language: str) -> str:
    """The one-line text of a step: the entry's ``checklist`` text for the group (or for all).

    Raises:
        KeyError: If the entry or its checklist text is missing (the content validator checks
            that every step of :data:`STEPS` has one).
    """
    entry = kb.get(entry_id)
    if entry is None:
        raise KeyError(f"the checklist step {entry_id!r} is not in the content")
    texts = entry.checklist.get(group) or entry.checklist.get("all")
    if not texts:
        raise KeyError(f"entry {entry_id!r} has no checklist text for {group!r}")
    return texts.get(language) or texts["en"]


def answer_payload(slot: str, value: str) -> str:
    """The payload of an answer button: a question about getting started, the answer as an entity.

    ``/ask_topic{"topic":"getting_started","citizenship_group":"eu"}``. No intent of its own: a
    new intent trained on typed answers ("to study", "outside the EU") cost the held-out set 0.9
    points of accuracy; the running form reads typed answers itself.
    """
    return "/ask_topic" + json.dumps({"topic": CHECKLIST_ENTRY, slot: value}, separators=(",", ":"))


def group_question(language: str) -> Reply:
    """The first question: the citizenship group, with a button for each."""
    buttons = tuple(Button(t(f"first_steps_group_{group}", language), answer_payload(GROUP_SLOT, group))
                    for group in GROUPS)
    return Reply(t("first_steps_ask_group", language), buttons, kind="checklist")


def reason_question(language: str) -> Reply:
    """The second question: why the newcomer came, with a button for each reason."""
    buttons = tuple(Button(t(f"first_steps_reason_{reason}", language), answer_payload(REASON_SLOT, reason))
                    for reason in REASONS)
    return Reply(t("first_steps_ask_reason", language), buttons, kind="checklist")


def checklist_page(kb: KnowledgeBase, group: str, reason: str, start: int, language: str) -> Tuple[Reply, int]:
    """The steps from ``start`` on (at most :data:`PAGE_SIZE`), and where the next page starts.

    The text numbers the steps and says which part of the list it is; each step gets a button to
    its entry's answer, and a "What's next?" button follows while steps remain. Past the end,
    the list starts again from the first step.

    Returns:
        The reply and the index of the first step of the next page (the total when done).
    """
    ids = plan(group, reason)
    if not 0 <= start < len(ids):
        start = 0
    shown = ids[start : start + PAGE_SIZE]
    end = start + len(shown)
    lines = [t("first_steps_heading", language, first=start + 1, last=end, total=len(ids))]
    lines += [f"{start + number}. {checklist_line(kb, entry_id, group, language)}"
              for number, entry_id in enumerate(shown, start=1)]
    buttons = [Button(_entry_name(kb, entry_id, language), topic_payload("ask_topic", entry_id))
               for entry_id in shown]
    if end < len(ids):
        lines.append(t("first_steps_more", language))
        buttons.append(Button(t("first_steps_next_button", language), f"/{NEXT_INTENT}"))
    else:
        lines.append(t("first_steps_done", language))
    return Reply("\n".join(lines), tuple(buttons), kind="checklist"), end


def _entry_name(kb: KnowledgeBase, entry_id: str, language: str) -> str:
    entry = kb.get(entry_id)
    if entry is None:
        raise KeyError(f"the checklist step {entry_id!r} is not in the content")
    return entry.name(language)


# --- typed answers ---------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _words() -> Dict[str, Dict[str, Dict[str, Tuple[str, ...]]]]:
    """``data/i18n/first_steps.yml``: kind (groups, reasons) -> value -> language -> phrases."""
    path = get_settings().project_dir / "data" / "i18n" / "first_steps.yml"
    return load_words(path)


def load_words(path: Path) -> Dict[str, Dict[str, Dict[str, Tuple[str, ...]]]]:
    """Read a word file: ``groups`` and ``reasons``, each value with phrases per language.

    Raises:
        ValueError: If a kind, value or language is unknown, or a list is empty.
    """
    data = read_yaml(path) or {}
    languages = set(get_settings().languages)
    words: Dict[str, Dict[str, Dict[str, Tuple[str, ...]]]] = {}
    for kind, allowed in (("groups", GROUPS), ("reasons", REASONS)):
        values = data.get(kind) or {}
        unknown = set(values) - set(allowed)
        if unknown:
            raise ValueError(f"{path}: unknown {kind}: {sorted(unknown)}")
        words[kind] = {}
        for value, per_language in values.items():
            if set(per_language) - languages:
                raise ValueError(f"{path}: {kind}.{value}: unknown languages {sorted(set(per_language) - languages)}")
            words[kind][value] = {lang: tuple(normalise(p) for p in phrases) for lang, phrases in per_language.items()}
            if not all(words[kind][value].values()):
                raise ValueError(f"{path}: {kind}.{value}: an empty list")
    return words


def typed_group(text: str, language: str) -> Optional[str]:
    """The citizenship group a typed answer names, if any ("I'm from Poland" -> ``eu``).

    The group's own words win over country names ("EU citizen living in Norway" is ``eu``).
    """
    found = _typed_value(normalise(text), "groups", language)
    return found or citizenship.stated_group(text, language)


def typed_reason(text: str, language: str) -> Optional[str]:
    """The reason for coming a typed answer names, if any ("my wife got a job here" -> ``family``)."""
    return _typed_value(normalise(text), "reasons", language)


def _typed_value(folded: str, kind: str, language: str) -> Optional[str]:
    """The value one of whose phrases occurs first in the text (in the language or in English)."""
    candidates: List[Tuple[int, str]] = []
    for value, per_language in _words()[kind].items():
        phrases: Sequence[str] = (*per_language.get(language, ()), *per_language.get("en", ()))
        positions = [match.start() for phrase in phrases
                     if (match := re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", folded))]
        if positions:
            candidates.append((min(positions), value))
    # The value named first in the message: "we came for my job, with the kids" is work.
    return min(candidates)[1] if candidates else None
