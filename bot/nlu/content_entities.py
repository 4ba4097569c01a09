"""ContentEntityExtractor: finds topics, days and kinds of hours from the content's own words.

Topic entities are not learned from annotated examples: they come from the synonyms and names of
the knowledge base (``data/content``), in every language, so that staff adding a synonym to an
entry is enough for the assistant to recognise it after the next training. The lexicon
(``data/i18n/lexicon.yml``) adds the ``day`` and ``hours_kind`` entities.

The gazetteer is built at training time and persisted in the model, so a trained model does not
depend on the files it was trained from.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List, Optional

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.external_files import files_fingerprint
from bot.nlu.gazetteer import FALSE_FRIEND_ENTITY_KEY, Gazetteer, build_gazetteer, read_false_friends, read_lexicon

GAZETTEER_FILE = "gazetteer.json"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class ContentEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Extracts ``topic``, ``day`` and ``hours_kind`` entities by dictionary matching."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """Return the default configuration.

        Keys:
            content_dir: Folder of the content files, relative to the working directory.
            lexicon_file: The lexicon of days and kinds of hours.
        """
        return {"content_dir": "data/content", "lexicon_file": "data/i18n/lexicon.yml"}

    def __init__(
        self,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        gazetteer: Optional[Gazetteer] = None,
    ) -> None:
        """Create the component (use :meth:`create` or :meth:`load`)."""
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self._gazetteer = gazetteer

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> Optional[str]:
        """The files read in training besides the graph's inputs, so that Rasa's cache sees them change."""
        return files_fingerprint({**cls.get_default_config(), **config}, ("content_dir", "lexicon_file"))

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> ContentEntityExtractor:
        """Create an untrained component."""
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        """Build the gazetteer from the content and the lexicon and persist it.

        Args:
            training_data: Unused: the phrases come from the content files.

        Returns:
            The resource the gazetteer was saved to.
        """
        from bot.content.loader import load_knowledge_base
        from bot.settings import read_languages

        content_dir = Path(self._config["content_dir"])
        languages = read_languages(content_dir.resolve().parent.parent)
        knowledge_base = load_knowledge_base(content_dir, languages)
        lexicon_file = Path(self._config["lexicon_file"])
        self._gazetteer = build_gazetteer(knowledge_base, read_lexicon(lexicon_file), read_false_friends(lexicon_file))
        with self._model_storage.write_to(self._resource) as directory:
            (directory / GAZETTEER_FILE).write_text(json.dumps(self._gazetteer.to_dict()), encoding="utf-8")
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> ContentEntityExtractor:
        """Load the trained gazetteer from the model."""
        with model_storage.read_from(resource) as directory:
            data = json.loads((directory / GAZETTEER_FILE).read_text(encoding="utf-8"))
        return cls(config, model_storage, resource, Gazetteer.from_dict(data))

    def process(self, messages: List[Message]) -> List[Message]:
        """Add the entities found in each message's text."""
        if self._gazetteer is None:
            return messages
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            found = [
                {
                    ENTITY_ATTRIBUTE_TYPE: match.entity,
                    ENTITY_ATTRIBUTE_VALUE: match.value,
                    ENTITY_ATTRIBUTE_START: match.start,
                    ENTITY_ATTRIBUTE_END: match.end,
                    "text": match.text,
                    **({FALSE_FRIEND_ENTITY_KEY: list(match.false_friend_in)} if match.false_friend_in else {}),
                }
                for match in self._gazetteer.find(text)
            ]
            message.set(ENTITIES, message.get(ENTITIES, []) + self.add_extractor_name(found), add_to_output=True)
        return messages
