"""MultilingualTokenizer: per-language tokenisation and lookup lemmas for one shared model.

Each message is tokenised with spaCy's blank pipeline of its language (from the
``detected_language`` entity of the LanguageDetector, else the multi-language ``xx`` tokenizer),
and each token gets a lemma from spaCy's lookup tables (``spacy-lookups-data``) where the
language has one (English, Danish, German, Romanian and Spanish do; Polish, Ukrainian and Arabic
do not, and keep their surface forms).

Only lemmas that occur in the training data can become features, so at training time each
language's lookup table is cut down to the entries whose lemma occurs in the training data, and
that pruned table (keyed, like spaCy's, by the hash of the word form) is saved in the model: a few
thousand entries instead of half a million, which keeps the server's memory and start-up small.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Set, Text

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.constants import ENTITIES
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

LEMMAS_FILE = "lemmas.json"
FALLBACK = "xx"


def message_language(message: Message) -> Optional[str]:
    """The language the LanguageDetector found for a message, if any."""
    for entity in message.get(ENTITIES, []) or []:
        if entity.get("entity") == "detected_language":
            return str(entity.get("value"))
    return None


def _lookup_table(language: str) -> Any:
    """SpaCy's lemma lookup table for a language (keys are string hashes), or None."""
    from spacy.lookups import load_lookups

    try:
        lookups = load_lookups(language, ["lemma_lookup"], strict=False)
    except (ValueError, OSError):
        return None
    return lookups.get_table("lemma_lookup") if lookups.has_table("lemma_lookup") else None


def _key(word: str) -> str:
    """The key of a word in the persisted tables: spaCy's string hash, as text (JSON keys)."""
    from spacy.strings import get_string_id

    return str(get_string_id(word))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=True)
class MultilingualTokenizer(Tokenizer):
    """Tokenises with spaCy's blank pipeline of the message's language and adds lookup lemmas."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """Return the default configuration.

        Keys:
            languages: Languages with their own spaCy tokenizer (others use ``xx``).
            use_lemmas: Set token lemmas from the lookup tables (False: lemma = lower-cased text).
            intent_tokenization_flag, intent_split_symbol, token_pattern: as for Rasa's tokenizers.
        """
        return {
            "intent_tokenization_flag": False,
            "intent_split_symbol": "_",
            "token_pattern": None,
            "languages": ["en", "da", "de", "pl", "uk", "ro", "es", "ar"],
            "use_lemmas": True,
        }

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        lemmas: Optional[Dict[str, Dict[str, str]]] = None,
    ) -> None:
        """Create the tokenizer (use :meth:`create` or :meth:`load`)."""
        super().__init__({**self.get_default_config(), **config})
        self._model_storage = model_storage
        self._resource = resource
        self.lemmas: Dict[str, Dict[str, str]] = lemmas or {}
        self._pipelines: Dict[str, Any] = {}

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> MultilingualTokenizer:
        """Create an untrained tokenizer."""
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> MultilingualTokenizer:
        """Load the pruned lemma tables from the model."""
        try:
            with model_storage.read_from(resource) as directory:
                lemmas = json.loads((directory / LEMMAS_FILE).read_text(encoding="utf-8"))
        except ValueError:
            lemmas = {}
        tokenizer = cls(config, model_storage, resource, lemmas)
        # Build every language's blank pipeline now (about 50 ms each) rather than on the first
        # message in that language, which the user would wait for.
        for language in (*tokenizer._config["languages"], FALLBACK):
            tokenizer._pipeline(language)
        return tokenizer

    def _pipeline(self, language: str) -> Any:
        if language not in self._pipelines:
            import spacy

            code = language if language in self._config["languages"] else FALLBACK
            self._pipelines[language] = spacy.blank(code)
        return self._pipelines[language]

    def _lemma(self, language: str, text: str) -> str:
        lower = text.lower()
        if not self._config["use_lemmas"]:
            return lower
        table = self.lemmas.get(language)
        if not table:
            return lower
        # German nouns are in the table capitalised ("Öffnungszeiten"), most words lower-case.
        return str(table.get(_key(text)) or table.get(_key(lower)) or lower).lower()

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        """Tokenise one attribute of a message in the message's language."""
        text = message.get(attribute)
        language = message_language(message) or FALLBACK
        nlp = self._pipeline(language)
        tokens: List[Token] = []
        marks: List[Token] = []
        for token in nlp.make_doc(text):
            # Punctuation is dropped: whether a training example ends with "?" depends on who
            # wrote it and in which language, and as a feature it sent "Who is Invest in
            # Aalborg?" to ask_address. (Measured in docs/nlu.md.)
            if token.is_space:
                continue
            made = Token(token.text, token.idx, lemma=self._lemma(language, token.text))
            (marks if token.is_punct else tokens).append(made)
        # A message of punctuation only ("&", "?!") keeps it: with no token it would have no
        # features at all, and the intent classifier fails on it (a 500 found by the API fuzzer).
        return self._apply_token_pattern(tokens or marks)

    def train(self, training_data: TrainingData) -> Resource:
        """Keep, per language, the lookup entries whose lemma occurs in the training data."""
        if self._config["use_lemmas"]:
            words: Dict[str, Set[str]] = {}
            for example in training_data.training_examples:
                language = message_language(example)
                text = example.get("text")
                if language and text:
                    nlp = self._pipeline(language)
                    for token in nlp.make_doc(text):
                        words.setdefault(language, set()).update((token.text, token.text.lower()))
            for language, vocabulary in words.items():
                table = _lookup_table(language)
                if table is None:
                    continue
                # Table.get hashes a string key the same way as _key().
                lemmas = {table.get(word, word) for word in vocabulary}
                self.lemmas[language] = {str(key): lemma for key, lemma in table.items() if lemma in lemmas}
        with self._model_storage.write_to(self._resource) as directory:
            (directory / LEMMAS_FILE).write_text(json.dumps(self.lemmas), encoding="utf-8")
        return self._resource
