"""The example questions kept beside the content, and the other examples the topic model learns from.

``data/content/questions/<lang>.yml`` holds, per content entry, questions in that language as
newcomers write them: situations and needs ("my wife came with me and has nothing to do"), not
only the topic's name. Adding an entry to ``data/content/`` means adding its questions there; a
test fails when an entry has none in some language. The ``none`` list of each file holds questions
that no entry answers (housing, a doctor, the weather), so the model learns when nothing of ours
is near; its ``follow_up`` list holds questions that only make sense after an answer ("is it
free?", "and on Friday?"). Format: ``docs/content.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from bot.yaml_files import read_yaml

#: Labels of the topic model that are not entries: a question none of our entries answers
#: (housing, the weather); chit-chat (hello, thanks); a follow-up that names no topic and is about
#: the conversation's current one ("how much is it?", "and on Friday?").
NONE_LABEL = "__none__"
CHAT_LABEL = "__chat__"
FOLLOW_UP_LABEL = "__follow_up__"
OTHER_LABELS = (NONE_LABEL, CHAT_LABEL, FOLLOW_UP_LABEL)


@dataclass(frozen=True)
class QuestionFile:
    """The example questions of one language.

    Attributes:
        language: The language code.
        entries: Entry id to its example questions.
        none: Questions no entry answers.
        follow_up: Follow-up questions that name no topic ("is it free?").
    """

    language: str
    entries: Mapping[str, Tuple[str, ...]]
    none: Tuple[str, ...] = ()
    follow_up: Tuple[str, ...] = ()


@dataclass
class QuestionProblems:
    """Problems found while reading the question files (one line each)."""

    lines: List[str] = field(default_factory=list)


def _strings(raw: object, where: str, problems: QuestionProblems) -> Tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        problems.lines.append(f"{where}: must be a list of questions")
        return ()
    values = []
    for index, item in enumerate(raw):
        if isinstance(item, (str, int, float)) and str(item).strip():
            values.append(str(item).strip())
        else:
            problems.lines.append(f"{where}[{index}]: must be a non-empty string")
    return tuple(values)


def read_question_files(
    questions_dir: Path, entry_ids: Optional[Iterable[str]], languages: Sequence[str]
) -> Tuple[Dict[str, QuestionFile], List[str]]:
    """Read every ``<lang>.yml`` in ``questions_dir``.

    Args:
        questions_dir: ``data/content/questions``.
        entry_ids: The ids of the knowledge base's entries (questions for other ids are a problem),
            or None to take the files' ids as they are (a reader that needs only the texts).
        languages: The supported languages (a file for another language is a problem).

    Returns:
        The files by language, and the problems found (empty when all is well).
    """
    known = set(entry_ids) if entry_ids is not None else None
    problems = QuestionProblems()
    files: Dict[str, QuestionFile] = {}
    if not questions_dir.is_dir():
        return files, [f"{questions_dir}: folder missing"]
    for path in sorted(questions_dir.glob("*.yml")):
        language = path.stem
        if language not in languages:
            problems.lines.append(f"{path.name}: not a supported language")
            continue
        raw = read_yaml(path) or {}
        if not isinstance(raw, dict) or not isinstance(raw.get("entries"), dict):
            problems.lines.append(f"{path.name}: needs an 'entries' mapping of entry id to questions")
            continue
        entries: Dict[str, Tuple[str, ...]] = {}
        for entry_id, questions in raw["entries"].items():
            if known is not None and str(entry_id) not in known:
                problems.lines.append(f"{path.name}: entries.{entry_id}: no such entry in data/content")
                continue
            entries[str(entry_id)] = _strings(questions, f"{path.name}: entries.{entry_id}", problems)
        files[language] = QuestionFile(
            language,
            entries,
            _strings(raw.get("none"), f"{path.name}: none", problems),
            _strings(raw.get("follow_up"), f"{path.name}: follow_up", problems),
        )
    return files, problems.lines


def labelled_questions(files: Mapping[str, QuestionFile]) -> List[Tuple[str, str]]:
    """Every example question with its label (an entry id or :data:`NONE_LABEL`)."""
    pairs: List[Tuple[str, str]] = []
    for language in sorted(files):
        question_file = files[language]
        for entry_id, questions in question_file.entries.items():
            pairs.extend((question, entry_id) for question in questions)
        pairs.extend((question, NONE_LABEL) for question in question_file.none)
        pairs.extend((question, FOLLOW_UP_LABEL) for question in question_file.follow_up)
    return pairs
