"""TopicClassifier: which content entry a message is about, learned from example questions.

Runs after the ContentEntityExtractor (the gazetteer's ``topic`` matches) and the intent
classifier. It ranks every entry with the learned :class:`~bot.nlu.topic_model.TopicModel`,
combines that with the gazetteer's matches (:func:`bot.nlu.topic_ranking.decide`) and rewrites
the message's ``topic`` entities to the decision: one entity for an answer, two or three for
"which of these do you mean?", none when nothing of ours is near (then the gazetteer's own
matches, if any, stay as they were). The ranking itself is added to the parse data as
``topic_ranking``.

Before deciding, it reads the message without what the message itself puts aside: a topic set
aside ("the driving licence I'll swap later, ..."), an organisation named as the place where a
named service is done ("what do I bring to Borgerservice to get MitID?"), both in
:mod:`bot.nlu.set_aside`; and a list named beside one of its items in the question ("and Wismar,
how long has that twin city been one?") counts as the item's kind, not as a topic of its own.

Training data, all read at training time and persisted in the model:
* ``data/content/questions/<lang>.yml``: example questions per entry and "none" questions;
* every entry's names and synonyms (``data/content``);
* the NLU training data: chit-chat examples are "chat", out-of-scope ones "none"; a question
  example that names exactly one entry (by the gazetteer) is an example of that entry; a question
  that names no entry ("when are you open?") is a "follow-up", so that it keeps the
  conversation's topic.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_CONFIDENCE,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    INTENT,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.external_files import files_fingerprint
from bot.nlu.gazetteer import stem_within, tokens
from bot.nlu.set_aside import place_spans, set_aside_spans, without_spans
from bot.nlu.topic_examples import CHAT_LABEL, FOLLOW_UP_LABEL, NONE_LABEL, labelled_questions, read_question_files
from bot.nlu.topic_model import TopicModel
from bot.nlu.topic_ranking import (
    ANSWER,
    CLARIFY,
    DEFAULTS,
    NONE,
    Focus,
    TopicDecision,
    decide,
    find_focus,
    question_span,
)

SETTINGS_FILE = "topic_classifier.json"
RANKING_KEY = "topic_ranking"
#: How many of the message's words the example questions had (0: nothing in it is understood).
KNOWN_WORDS_KEY = "known_words"
TOPIC = "topic"
#: The LanguageDetector's entity with the message's language.
LANGUAGE_ENTITY = "detected_language"

#: Intents whose examples are never about an entry.
CHAT_INTENTS = ("greet", "goodbye", "thank", "affirm", "deny", "bot_challenge", "ask_capabilities",
                "switch_language")
#: Intents that ask about an organisation itself (its phone, its hours), not a service done there.
ORGANISATION_INTENTS = ("ask_contact", "ask_hours", "ask_address")
#: Intents whose examples are questions about an entry (when they name one).
QUESTION_INTENTS = ("ask_topic", "ask_contact", "ask_address", "ask_hours")


def message_language(entities: Sequence[Dict[str, Any]]) -> Optional[str]:
    """The language the LanguageDetector found for the message, if any."""
    return next((str(entity.get(ENTITY_ATTRIBUTE_VALUE)) for entity in entities
                 if entity.get(ENTITY_ATTRIBUTE_TYPE) == LANGUAGE_ENTITY), None)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class TopicClassifier(GraphComponent, EntityExtractorMixin):
    """Decides the ``topic`` entities from the learned model and the gazetteer's matches."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """Return the default configuration.

        Keys:
            content_dir: Folder of the content files (entries, names, synonyms).
            questions_dir: Folder of the example questions per language.
            lexicon_file: The lexicon, for the gazetteer that labels NLU examples.
            c: Inverse regularisation strength of the linear SVM.
            none_weight: Factor on the "none" label's balanced class weight (:func:`class_weights`).
            name_bonus, context_bonus, margin, min_candidate, max_candidates: the decision's thresholds
                (:mod:`bot.nlu.topic_ranking`).
        """
        return {
            "content_dir": "data/content",
            "questions_dir": "data/content/questions",
            "lexicon_file": "data/i18n/lexicon.yml",
            "c": 1.0,
            "none_weight": 2.0,
            **DEFAULTS,
        }

    def __init__(
        self,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: Optional[TopicModel] = None,
        organisations: Sequence[str] = (),
        name_words: Optional[Mapping[str, Sequence[str]]] = None,
        items: Optional[Mapping[str, Sequence[str]]] = None,
        mentions: Optional[Mapping[str, Sequence[str]]] = None,
    ) -> None:
        """Create the component (use :meth:`create` or :meth:`load`)."""
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self._model = model
        #: The entries that are organisations (places a service is done at: :mod:`bot.nlu.set_aside`).
        self._organisations = frozenset(organisations)
        #: Each entry's names' words in every language, folded: a service counts as named beside a
        #: place only by a word of its name ("MitID", "Führerschein"), not by a synonym ("Kaution").
        self._name_words = {entry_id: frozenset(words) for entry_id, words in (name_words or {}).items()}
        #: The entries that list others (Aalborg's twin cities: Wismar, Galway...), with their items.
        self._items = {entry_id: frozenset(ids) for entry_id, ids in (items or {}).items()}
        #: The other entries each entry's own text names, in any language (the tax card's speaks of
        #: the CPR number): a name lacked or needed beside such an entry is its condition.
        self._mentions = {entry_id: frozenset(ids) for entry_id, ids in (mentions or {}).items()}

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> Optional[str]:
        """The files read in training besides the graph's inputs, so that Rasa's cache sees them change."""
        files = ("content_dir", "questions_dir", "lexicon_file")
        return files_fingerprint({**cls.get_default_config(), **config}, files)

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> TopicClassifier:
        """Create an untrained component."""
        return cls(config, model_storage, resource)

    def training_examples(self, training_data: TrainingData) -> List[Tuple[str, str]]:
        """Every (text, label) pair the model learns from.

        Raises:
            ValueError: When the question files name unknown entries or languages.
        """
        from bot.content.loader import load_knowledge_base
        from bot.nlu.gazetteer import build_gazetteer, read_lexicon
        from bot.settings import read_languages

        content_dir = Path(self._config["content_dir"])
        languages = read_languages(content_dir.resolve().parent.parent)
        kb = load_knowledge_base(content_dir, languages)
        entries = [entry for entry in kb if entry.kind != "area"]
        files, problems = read_question_files(
            Path(self._config["questions_dir"]), [entry.id for entry in entries], languages
        )
        if problems:
            raise ValueError("data/content/questions: " + "; ".join(problems))
        pairs = labelled_questions(files)
        for entry in entries:
            pairs.extend((name, entry.id) for name in entry.names.values())
            pairs.extend((synonym, entry.id) for synonyms in entry.synonyms.values() for synonym in synonyms)
        gazetteer = build_gazetteer(kb, read_lexicon(Path(self._config["lexicon_file"])))
        entry_ids = {entry.id for entry in entries}
        for example in training_data.intent_examples:
            text, intent = example.get(TEXT), example.get(INTENT)
            if not text:
                continue
            if intent in CHAT_INTENTS:
                pairs.append((text, CHAT_LABEL))
            elif intent == "out_of_scope":
                pairs.append((text, NONE_LABEL))
            elif intent in QUESTION_INTENTS:
                named = {match.value for match in gazetteer.find(text) if match.entity == TOPIC}
                if not named:
                    pairs.append((text, FOLLOW_UP_LABEL))
                elif len(named) == 1 and named <= entry_ids:
                    pairs.append((text, next(iter(named))))
        return pairs

    def train(self, training_data: TrainingData) -> Resource:
        """Train the topic model and persist it with the decision's settings."""
        pairs = self.training_examples(training_data)
        texts = [text for text, _ in pairs]
        labels = [label for _, label in pairs]
        self._model = TopicModel.train(texts, labels, c=float(self._config["c"]),
                                       weights={NONE_LABEL: float(self._config["none_weight"])})
        organisations, name_words, items, mentions = self.entry_facts()
        self._organisations = frozenset(organisations)
        self._name_words = {entry_id: frozenset(words) for entry_id, words in name_words.items()}
        self._items = {entry_id: frozenset(ids) for entry_id, ids in items.items()}
        self._mentions = {entry_id: frozenset(ids) for entry_id, ids in mentions.items()}
        with self._model_storage.write_to(self._resource) as directory:
            self._model.save(directory)
            (directory / SETTINGS_FILE).write_text(json.dumps(
                {"examples": len(pairs), "organisations": organisations, "name_words": name_words, "items": items,
                 "mentions": mentions}
            ), encoding="utf-8")
        return self._resource

    def entry_facts(self) -> Tuple[List[str], Dict[str, List[str]], Dict[str, List[str]], Dict[str, List[str]]]:
        """The content's facts the decision reads besides the model.

        The organisations, each entry's names' folded words (3+ letters), the lists' items, and the
        other entries each entry's own text names (:func:`bot.prerequisites.mentioned_entries`).
        """
        from bot.content.loader import load_knowledge_base
        from bot.prerequisites import mentioned_entries
        from bot.settings import read_languages

        content_dir = Path(self._config["content_dir"])
        kb = load_knowledge_base(content_dir, read_languages(content_dir.resolve().parent.parent))
        organisations = sorted(entry.id for entry in kb if entry.kind == "organisation")
        name_words = {entry.id: sorted({word for name in entry.names.values() for word, _, _ in tokens(name)
                                        if len(word) >= 3}) for entry in kb}
        items = {entry.id: list(entry.items) for entry in kb if entry.items}
        mentions = {entry.id: ids for entry in kb if (ids := mentioned_entries(kb.entries, entry))}
        return organisations, name_words, items, mentions

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> TopicClassifier:
        """Load the trained model."""
        with model_storage.read_from(resource) as directory:
            model = TopicModel.load(directory)
            settings = json.loads((directory / SETTINGS_FILE).read_text(encoding="utf-8"))
        return cls(config, model_storage, resource, model, settings.get("organisations") or (),
                   settings.get("name_words") or {}, settings.get("items") or {}, settings.get("mentions") or {})

    def decide(self, text: str, named: List[str], focus: Optional[Focus] = None) -> TopicDecision:
        """The decision for one message text and the entries the gazetteer found in it.

        Args:
            text: The message.
            named: The entries the gazetteer found, in order of appearance.
            focus: Where the question is and the entries named there (:func:`find_focus`).
        """
        assert self._model is not None
        settings = {key: float(self._config[key]) for key in DEFAULTS}
        entries = list(focus.entries) if focus is not None else None
        return decide(self.rank(text, named, focus), named, settings, entries)

    def rank(self, text: str, named: Sequence[str], focus: Optional[Focus]) -> List[Tuple[str, float]]:
        """The model's ranking for a message.

        When the question's part of the message (:func:`find_focus`) names some but not all of
        the named entries, the rest is context: "the bank needs a CPR number for my NemKonto, so
        where do I get the CPR?", or "Where is International House? I have an appointment with
        SIRI there.". The ranking is then the mean of the model's ranking of the whole message and
        of the question's part alone, so that the context's words do not outvote the question's.
        """
        assert self._model is not None
        if focus is None or not focus.entries or set(focus.entries) >= set(named):
            return self._model.rank(text)
        whole, part = self._model.rank_many([text, text[focus.start:focus.end]])
        in_part = dict(part)
        mixed = [(label, (probability + in_part.get(label, 0.0)) / 2) for label, probability in whole]
        return sorted(mixed, key=lambda item: -item[1])

    def without_set_aside(
        self, text: str, found: Sequence[Dict[str, Any]], language: Optional[str], intent: Optional[str] = None
    ) -> Tuple[str, List[Dict[str, Any]]]:
        """The message without the parts that set a named topic aside, and the names left in it.

        "the driving licence I'll swap later, where do I find jobs in English?" is read as "where
        do I find jobs in English?" (:func:`bot.nlu.set_aside.set_aside_spans`). An organisation
        named as the place where a service named beside it is done ("what do I bring to
        Borgerservice to get MitID?") is read without its name, unless the question asks for a
        contact or opening hours (:func:`bot.nlu.set_aside.place_spans`). The message is kept whole
        when nothing is set aside or when fewer than two words would be left.
        """
        names = [(int(entity.get(ENTITY_ATTRIBUTE_START) or 0), int(entity.get(ENTITY_ATTRIBUTE_END) or 0))
                 for entity in found]
        spans = set_aside_spans(text, language, names)
        if intent not in ORGANISATION_INTENTS:
            values = [str(entity.get(ENTITY_ATTRIBUTE_VALUE)) for entity in found]
            places = [span for value, span in zip(values, names, strict=True) if value in self._organisations]
            # A service the message puts aside ("mieszkanie ogarnę potem") is not what is done there.
            services = [span for value, span in zip(values, names, strict=True) if value not in self._organisations
                        and self.by_its_name(value, text[span[0]:span[1]])
                        and not any(start <= span[0] < end for start, end in spans)]
            spans = sorted({*spans, *place_spans(text, language, places, services)})
        if not spans:
            return text, list(found)
        read = without_spans(text, spans)
        if len(tokens(read)) < 2:
            return text, list(found)
        kept = [entity for entity, (start, _) in zip(found, names, strict=True)
                if not any(span_start <= start < span_end for span_start, span_end in spans)]
        return read, kept

    def without_the_list(self, found: List[Dict[str, Any]], text: str) -> List[Dict[str, Any]]:
        """The names found, less a list's when its question names exactly one of its items too.

        "og den tyske, Wismar, hvor længe har den været venskabsby?" names the twin cities
        ("venskabsby") and Wismar, one of them: the question is about Wismar; the list's name is the
        kind of thing Wismar is. Both must be in the message's question sentence
        (:func:`~bot.nlu.topic_ranking.question_span`): "which twin cities does Aalborg have?
        apparently Gdynia is one" asks about the list.
        """
        start, end = question_span(text)
        values = {str(entity.get(ENTITY_ATTRIBUTE_VALUE)) for entity in found
                  if start <= int(entity.get(ENTITY_ATTRIBUTE_START) or 0) < end}
        lists = {entry_id for entry_id in values if len(self._items.get(entry_id, frozenset()) & values) == 1}
        if not lists:
            return found
        return [entity for entity in found if str(entity.get(ENTITY_ATTRIBUTE_VALUE)) not in lists]

    def without_conditions(
        self, found: List[Dict[str, Any]], text: str, language: Optional[str]
    ) -> List[Dict[str, Any]]:
        """The names found, less those named as lacked or needed beside an entry whose text speaks of them.

        "Mein neuer Arbeitgeber sagt, ohne Steuerkarte ziehen sie mir 55% ab. Ich hab aber noch keine
        CPR-Nummer, was mach ich jetzt?": the tax card's text says it needs a CPR number, and the CPR
        number is named as lacked (:func:`bot.prerequisites.named_as_condition`), so it is the tax card's
        condition, not the question. "no CPR yet, where do I get one?" names nothing else: kept.
        """
        from bot.prerequisites import named_as_condition

        values = {str(entity.get(ENTITY_ATTRIBUTE_VALUE)) for entity in found}
        if len(values) < 2:
            return found
        # An entry is a condition when every mention of it is ("needs a CPR number ... where do I get
        # the CPR?" asks for it the second time).
        conditions = {value for value in values if any(value in self._mentions.get(other, ()) for other in values)}
        for entity in found:
            value = str(entity.get(ENTITY_ATTRIBUTE_VALUE))
            if value in conditions and not named_as_condition(
                    text, int(entity.get(ENTITY_ATTRIBUTE_START) or 0), language, own_clause=False):
                conditions.discard(value)
        if not conditions or conditions >= values:
            return found
        return [entity for entity in found if str(entity.get(ENTITY_ATTRIBUTE_VALUE)) not in conditions]

    def by_its_name(self, entry_id: str, surface: str) -> bool:
        """Whether the words found for an entry include a word of one of its names."""
        own = self._name_words.get(entry_id, frozenset())
        return any(stem_within(word, name) or stem_within(name, word)
                   for word, _, _ in tokens(surface) for name in own)

    def process(self, messages: List[Message]) -> List[Message]:
        """Rewrite each message's ``topic`` entities to the combined decision."""
        if self._model is None:
            return messages
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            entities = list(message.get(ENTITIES, []) or [])
            found = [entity for entity in entities if entity.get(ENTITY_ATTRIBUTE_TYPE) == TOPIC]
            named: List[str] = []
            for entity in found:
                value = str(entity.get(ENTITY_ATTRIBUTE_VALUE))
                if value not in named:
                    named.append(value)
            intent = (message.get(INTENT) or {}).get("name")
            read, considered = self.without_set_aside(str(text), found, message_language(entities), intent)
            considered = self.without_the_list(considered, read)
            considered = self.without_conditions(considered, read, message_language(entities))
            offsets = [(str(entity.get(ENTITY_ATTRIBUTE_VALUE)), int(entity.get(ENTITY_ATTRIBUTE_START) or 0))
                       for entity in considered]
            in_view = list(dict.fromkeys(value for value, _ in offsets))
            decision = self.decide(read, in_view, find_focus(read, offsets))
            assert self._model is not None
            known = self._model.known_words(str(text))
            if not named and not known and decision.outcome != NONE:
                # Not one word the examples had ("xqzv plorm grublet"): the character n-grams alone
                # found housing 0.20 in it. Nothing here is understood; the content search decides.
                decision = TopicDecision(NONE, (), decision.confidence, decision.ranking, decision.other)
            message.set(RANKING_KEY, {"outcome": decision.outcome, "confidence": round(decision.confidence, 4),
                                      "entries": [{"entry": entry_id, "score": score}
                                                  for entry_id, score in decision.ranking],
                                      **{key: round(value, 4) for key, value in decision.other.items()},
                                      KNOWN_WORDS_KEY: known},
                        add_to_output=True)
            kept = [entity for entity in entities if entity.get(ENTITY_ATTRIBUTE_TYPE) != TOPIC]
            if decision.names_overruled:
                # "which internet is best for a flat?": the flat is housing's word, the question is
                # none of ours; the gazetteer's topic goes, so nothing answers it as housing.
                message.set(ENTITIES, kept, add_to_output=True)
                continue
            if decision.outcome == NONE and len(considered) < len(found):
                # "I already have a NemKonto. What is the cheapest way to send money home?": the
                # NemKonto is put aside as had, and what is left is none of ours; the name put aside
                # is not the topic either, so nothing answers it as the NemKonto.
                aside = {id(entity) for entity in found} - {id(entity) for entity in considered}
                message.set(ENTITIES, [entity for entity in entities if id(entity) not in aside], add_to_output=True)
                continue
            if decision.outcome not in (ANSWER, CLARIFY) or list(decision.entries) == named:
                continue
            by_value = {str(entity.get(ENTITY_ATTRIBUTE_VALUE)): entity for entity in found}
            decided = []
            for entry_id in decision.entries:
                if entry_id in by_value:
                    decided.append(by_value[entry_id])
                else:
                    decided.extend(self.add_extractor_name([{
                        ENTITY_ATTRIBUTE_TYPE: TOPIC,
                        ENTITY_ATTRIBUTE_VALUE: entry_id,
                        ENTITY_ATTRIBUTE_START: 0,
                        ENTITY_ATTRIBUTE_END: 0,
                        ENTITY_ATTRIBUTE_CONFIDENCE: round(decision.confidence, 4),
                    }]))
            message.set(ENTITIES, kept + decided, add_to_output=True)
        return messages
