"""The texts of each language's training data, for components that learn words from them.

Two kinds: the NLU examples (``data/nlu/<code>/*.yml``) and the topic model's example questions
(``data/content/questions/<code>.yml``). The language detector and the romanised-Ukrainian reader
learn their vocabularies from these files directly, not from Rasa's training data, because they
need to know which language folder each text came from.
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Sequence

from bot.nlu.topic_examples import labelled_questions, read_question_files
from bot.yaml_files import read_yaml


def nlu_examples(nlu_dir: Path, language: str) -> List[str]:
    """Every example line of the language's NLU files, in file order (annotations left as written)."""
    lines: List[str] = []
    for path in sorted((nlu_dir / language).glob("*.yml")):
        data = read_yaml(path) or {}
        for block in data.get("nlu", []) or []:
            for line in str(block.get("examples", "")).splitlines():
                text = line.strip()
                if text.startswith("- "):
                    lines.append(text[2:])
    return lines


def example_questions(questions_dir: Path, languages: Sequence[str]) -> Dict[str, List[str]]:
    """The example questions of each language (entries, ``none`` and ``follow_up`` alike)."""
    # The texts only: their entry ids are the topic classifier's to check.
    files, _ = read_question_files(questions_dir, None, languages)
    return {code: [text for text, _ in labelled_questions({code: files[code]})] if code in files else []
            for code in languages}
