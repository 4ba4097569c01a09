"""RomanisedReader: Ukrainian typed in Latin letters is read back in Cyrillic.

Many Ukrainians write on a phone without a Cyrillic keyboard: "de otrymaty cpr nomer v olborzi?".
lingua reads that as Polish or Czech, and the intent and topic models, which learned Ukrainian in
Cyrillic, recognise nothing in it. The user-voice set had 12 such Ukrainian turns answered in
English or Polish, or not at all (docs/nlu.md).

How a message is recognised, with nothing but the project's own training texts:

* Every Cyrillic word of the Ukrainian training data (NLU examples and example questions) is
  reduced to a *skeleton*: transliterated to ASCII by ``anyascii``, then the spellings people use
  for the same sound are merged (``kh``/``h``/``x``/``g`` → ``h``; ``y``/``j``/``i`` → ``i``;
  ``sh``/``sz``, ``ch``/``cz``, ``zh``, ``shch``/``sch``/``szcz`` each to one letter; ``ts`` →
  ``c``; doubled letters once). "який", "yakyi", "jakij" and "iakyi" share the skeleton ``iaki``.
* A message written only in Latin letters, of at least ``min_words`` words, is romanised Ukrainian
  when, among its *telling* words, a share ``known_share`` have the skeleton of a Ukrainian word
  and at least ``min_exclusive`` of them (and a share ``exclusive_share``) are words no other
  supported language's training data has ("ne", "na", "de" do not count: Polish, Romanian and
  Spanish have them). Telling words are those that are Ukrainian by their skeleton or words of
  another language's training data; the content's names ("International House",
  "Borgerservice") and words no language of ours knows are left out.
* Such a message's text is rewritten word by word into the most frequent Cyrillic word of each
  skeleton; names that every language's examples borrow in Latin letters ("cpr", "mitid",
  "kommune") and words with no Ukrainian skeleton stay as typed. The rest of the pipeline (content
  names, language, intent, topic) reads the Cyrillic text. The tracker keeps the user's own text
  (Rasa stores ``UserUttered.text`` from the channel); the parse data's ``text`` is the rewritten one,
  and ``romanised`` holds the original, so the console can show both.

Measured on the training texts of the other seven languages and their held-out sets: no message
was taken for Ukrainian (``tests/test_romanised.py`` keeps that so).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Set, Text, Tuple

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.external_files import files_fingerprint
from bot.nlu.training_texts import example_questions, nlu_examples

SETTINGS_FILE = "romanised.json"
#: The attribute that keeps the message as typed when it was rewritten (in the parse data).
ROMANISED = "romanised"
#: A word, with the apostrophes romanised Ukrainian writes for the soft sign inside it ("skil'ky").
WORD_RE = re.compile(r"[^\W\d_]+(?:['’ʼ`][^\W\d_]+)*", re.UNICODE)
#: Spellings of one sound, merged in this order (longest first): see the module docstring.
_SAME_SOUND = (
    ("shch", "W"), ("szcz", "W"), ("sch", "W"), ("sh", "S"), ("sz", "S"), ("ch", "C"), ("cz", "C"),
    ("zh", "Z"), ("kh", "h"), ("ts", "c"), ("tz", "c"), ("x", "h"), ("g", "h"), ("j", "i"), ("y", "i"),
    ("w", "v"), ("q", "k"),
)


def _ascii(word: str) -> str:
    from anyascii import anyascii

    return str(anyascii(word)).lower()


def skeleton(word: str) -> str:
    """The word's sound skeleton, the same for its Cyrillic spelling and the usual romanisations."""
    return _skeleton_of(_ascii(word))


def _skeleton_of(plain: str) -> str:
    """:func:`skeleton` of a word already in lowercase ASCII."""
    letters = re.sub(r"[^a-z]", "", plain)
    for spelling, sound in _SAME_SOUND:
        letters = letters.replace(spelling, sound)
    return re.sub(r"(.)\1+", r"\1", letters)


def is_latin(text: str) -> bool:
    """Whether every letter of the text is a Latin letter (and there is one)."""
    letters = [char for char in text if char.isalpha()]
    return bool(letters) and all(unicodedata.name(char, "").startswith("LATIN") for char in letters)


def content_names(content_dir: Path, languages: Sequence[str]) -> List[str]:
    """Every name and synonym of the content's entries, in every language."""
    from bot.content.loader import load_knowledge_base

    return [text for entry in load_knowledge_base(content_dir, languages)
            for text in (*entry.names.values(), *(synonym for values in entry.synonyms.values() for synonym in values))]


class Romaniser:
    """Recognises romanised text of one Cyrillic-script language and writes it back in Cyrillic.

    Args:
        words: Skeleton → the Cyrillic word it is written back as.
        keep: Names the language's examples borrow in Latin letters, like every language (kept as typed).
        others: Words (ASCII, lowercase) of the other languages' training data.
        names: Words (ASCII, lowercase) of the content's names and synonyms in Latin letters
            ("international", "house", "borgerservice"): they tell nothing about the language.
        min_words: Fewer words: not recognised.
        known_share: Share of the words that must have a skeleton of the language.
        min_exclusive: Words with such a skeleton that no other language has, at least.
        exclusive_share: …and at least this share of the words.
    """

    def __init__(
        self,
        words: Dict[str, str],
        keep: Iterable[str],
        others: Iterable[str],
        names: Iterable[str] = (),
        min_words: int = 3,
        known_share: float = 0.6,
        min_exclusive: int = 2,
        exclusive_share: float = 0.3,
    ) -> None:
        """Create the reader from its learned vocabularies and thresholds."""
        self.words = dict(words)
        self.keep: Set[str] = set(keep)
        self.others: Set[str] = set(others)
        self.names: Set[str] = set(names)
        self.min_words = min_words
        self.known_share = known_share
        self.min_exclusive = min_exclusive
        self.exclusive_share = exclusive_share

    @classmethod
    def learn(
        cls, own: Sequence[str], others: Mapping[str, Sequence[str]], names: Iterable[str] = (), **thresholds: Any
    ) -> Romaniser:
        """Learn the vocabularies from the language's texts, the other languages' and the content's names.

        ``own`` are the language's texts, ``others`` each other language's, ``names`` the content's
        names and synonyms as written.

        Latin words that the language's examples share with at least half of the other languages
        ("cpr", "mitid", "kommune", "aalborg") are names every language borrows: they are kept as
        typed. Other Latin words of the examples are romanised words themselves and are rewritten.
        """
        by_skeleton: Dict[str, Counter[str]] = defaultdict(Counter)
        latin: Set[str] = set()
        for text in own:
            for word in WORD_RE.findall(text.lower()):
                if is_latin(word):
                    latin.add(word)
                else:
                    by_skeleton[skeleton(word)][word] += 1
        words = {key: counts.most_common(1)[0][0] for key, counts in by_skeleton.items() if key}
        vocabularies = [{_ascii(word) for text in texts for word in WORD_RE.findall(text.lower()) if is_latin(word)}
                        for texts in others.values()]
        borrowed = {word for word in latin if 2 * sum(word in vocabulary for vocabulary in vocabularies)
                    >= len(vocabularies)}
        name_words = {_ascii(word) for name in names for word in WORD_RE.findall(name.lower()) if is_latin(word)}
        return cls(words, borrowed, set().union(*vocabularies), name_words, **thresholds)

    def read(self, text: str) -> Optional[str]:
        """The text in the language's own script when it is the language in Latin letters, else None.

        One pass over the words: each is transliterated and reduced to its skeleton once, for the
        decision (see the module docstring) and for the rewrite.
        """
        if not is_latin(text):
            return None
        words = self._words(text)
        return self._rewritten(text, words) if self._recognised(words) else None

    def recognises(self, text: str) -> bool:
        """Whether the text is the language written in Latin letters (see the module docstring)."""
        return is_latin(text) and self._recognised(self._words(text))

    def rewrite(self, text: str) -> str:
        """The text with each word the language knows written in its own script (the rest as typed)."""
        return self._rewritten(text, self._words(text))

    @staticmethod
    def _words(text: str) -> List[Tuple[re.Match, str, str]]:
        """Each word's match, its lowercase ASCII form and its skeleton."""
        words = []
        for match in WORD_RE.finditer(text):
            plain = _ascii(match.group(0))
            words.append((match, plain, _skeleton_of(plain)))
        return words

    def _recognised(self, words: Sequence[Tuple[re.Match, str, str]]) -> bool:
        if len(words) < self.min_words:
            return False
        # Names ("International House") and words no language of ours knows ("susidy") tell nothing:
        # the shares are of the words that are either the language's or another language's.
        known = exclusive = foreign = 0
        for _, plain, key in words:
            if plain in self.names:
                continue
            if key in self.words:
                known += 1
                exclusive += plain not in self.others
            elif plain in self.others:
                foreign += 1
        telling = known + foreign
        return telling > 0 and known >= self.known_share * telling \
            and exclusive >= max(self.min_exclusive, self.exclusive_share * telling)

    def _rewritten(self, text: str, words: Sequence[Tuple[re.Match, str, str]]) -> str:
        pieces: List[str] = []
        end = 0
        for match, _, key in words:
            typed = match.group(0)
            written = typed if typed.lower() in self.keep else self.words.get(key, typed)
            if typed[:1].isupper() and written != typed:
                written = written[:1].upper() + written[1:]
            pieces += [text[end:match.start()], written]
            end = match.end()
        return "".join(pieces) + text[end:]

    def to_json(self) -> Dict[str, Any]:
        """The learned vocabularies (thresholds come from the config)."""
        return {"words": self.words, "keep": sorted(self.keep), "others": sorted(self.others),
                "names": sorted(self.names)}


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class RomanisedReader(GraphComponent):
    """Rewrites romanised Ukrainian into Cyrillic before the other components read the message."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """Return the default configuration.

        Keys:
            language: The Cyrillic-script language read back (``uk``).
            languages_file: The supported languages, read at training.
            nlu_dir: Training data, one folder per language.
            questions_dir: The topic model's example questions (``<code>.yml``).
            content_dir: The content, whose names and synonyms are left out of the shares.
            min_words, known_share, min_exclusive, exclusive_share: see :class:`Romaniser`.
        """
        return {
            "language": "uk",
            "languages_file": "data/i18n/languages.yml",
            "nlu_dir": "data/nlu",
            "questions_dir": "data/content/questions",
            "content_dir": "data/content",
            "min_words": 3,
            "known_share": 0.6,
            "min_exclusive": 2,
            "exclusive_share": 0.3,
        }

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        romaniser: Optional[Romaniser] = None,
    ) -> None:
        """Create the component (use :meth:`create` or :meth:`load`)."""
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.romaniser = romaniser

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> Optional[str]:
        """The files read in training besides the graph's inputs, so that Rasa's cache sees them change."""
        return files_fingerprint({**cls.get_default_config(), **config},
                                 ("languages_file", "nlu_dir", "questions_dir", "content_dir"))

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> RomanisedReader:
        """Create an untrained component."""
        return cls(config, model_storage, resource)

    def _thresholds(self) -> Dict[str, Any]:
        return {key: self._config[key] for key in ("min_words", "known_share", "min_exclusive", "exclusive_share")}

    def train(self, training_data: TrainingData) -> Resource:
        """Learn the language's words and the other languages' words from the training files."""
        from bot.languages import parse_languages

        language = str(self._config["language"])
        supported = [entry.code for entry in parse_languages(Path(self._config["languages_file"]))]
        questions = example_questions(Path(self._config["questions_dir"]), supported)
        texts = {code: nlu_examples(Path(self._config["nlu_dir"]), code) + questions[code] for code in supported}
        others = {code: lines for code, lines in texts.items() if code != language}
        self.romaniser = Romaniser.learn(texts.get(language, []), others, content_names(
            Path(self._config["content_dir"]), supported), **self._thresholds())
        with self._model_storage.write_to(self._resource) as directory:
            (directory / SETTINGS_FILE).write_text(json.dumps(self.romaniser.to_json()), encoding="utf-8")
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> RomanisedReader:
        """Load the learned vocabularies."""
        component = cls(config, model_storage, resource)
        with model_storage.read_from(resource) as directory:
            data = json.loads((directory / SETTINGS_FILE).read_text(encoding="utf-8"))
        component.romaniser = Romaniser(data["words"], data["keep"], data["others"], data["names"],
                                        **component._thresholds())
        return component

    def process(self, messages: List[Message]) -> List[Message]:
        """Rewrite each romanised message in Cyrillic, keeping the typed text as ``romanised``."""
        if self.romaniser is None:
            return messages
        for message in messages:
            text = message.get(TEXT)
            cyrillic = self.romaniser.read(text) if isinstance(text, str) else None
            if cyrillic is not None:
                message.set(ROMANISED, text, add_to_output=True)
                message.set(TEXT, cyrillic)
        return messages
