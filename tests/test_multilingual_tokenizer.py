"""Per-language tokenisation and pruned lookup lemmas, through Rasa's model storage."""

from __future__ import annotations

from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.multilingual_tokenizer import MultilingualTokenizer


def message(text: str, language: str = "") -> Message:
    entities = [{"entity": "detected_language", "value": language}] if language else []
    return Message(data={"text": text, "intent": "ask_hours", "entities": entities})


def trained(tmp_path, use_lemmas=True):
    tmp_path.mkdir(parents=True, exist_ok=True)
    storage = LocalModelStorage(tmp_path)
    resource = Resource("tokenizer")
    context = ExecutionContext(graph_schema=None, model_id="test")
    config = {"use_lemmas": use_lemmas}
    component = MultilingualTokenizer.create({**MultilingualTokenizer.get_default_config(), **config},
                                             storage, resource, context)
    data = TrainingData([message("Hvornår åbner kontorerne?", "da"), message("Wann sind die Öffnungszeiten?", "de"),
                         message("registering my addresses", "en")])
    component.train(data)
    return MultilingualTokenizer.load({**MultilingualTokenizer.get_default_config(), **config}, storage, resource,
                                      context)


def lemmas(component, text, language):
    msg = message(text, language)
    component.process([msg])
    return [(t.text, t.lemma) for t in msg.get("text_tokens")]


def test_lemmas_from_the_pruned_lookup_tables(tmp_path):
    component = trained(tmp_path)
    assert lemmas(component, "kontorerne åbner", "da") == [("kontorerne", "kontor"), ("åbner", "åbne")]
    assert lemmas(component, "Öffnungszeiten?", "de") == [("Öffnungszeiten", "öffnungszeit")]
    assert lemmas(component, "addresses", "en") == [("addresses", "address")]
    # The saved tables hold only forms of lemmas seen in training, not the whole dictionary.
    assert 0 < len(component.lemmas["da"]) < 1000


def test_without_a_language_or_lemmas_the_lower_cased_word_is_used(tmp_path):
    assert lemmas(trained(tmp_path), "Kontorerne", "") == [("Kontorerne", "kontorerne")]
    assert lemmas(trained(tmp_path / "plain", use_lemmas=False), "kontorerne", "da") == [("kontorerne", "kontorerne")]


def test_every_languages_pipeline_is_built_when_the_model_loads(tmp_path):
    """No newcomer waits ~50 ms for spaCy on the first message in their language (issue #16)."""
    component = trained(tmp_path)
    assert set(component._pipelines) == {*MultilingualTokenizer.get_default_config()["languages"], "xx"}


def test_punctuation_is_dropped_unless_the_message_is_only_punctuation(tmp_path):
    """"&" had no token, hence no features, and the intent classifier raised (a 500 over HTTP)."""
    component = trained(tmp_path, use_lemmas=False)
    assert [text for text, _ in lemmas(component, "hours?!", "en")] == ["hours"]
    assert [text for text, _ in lemmas(component, "&", "")] == ["&"]
    assert [text for text, _ in lemmas(component, "?! …", "en")] == ["?", "!", "…"]
