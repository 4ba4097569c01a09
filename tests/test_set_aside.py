"""Parts of a message that put a named topic aside (bot/nlu/set_aside.py), in every language."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional, Tuple

import pytest

from bot.nlu.set_aside import place_spans, set_aside_spans, set_aside_words, without_spans
from bot.nlu.topic_classifier import TopicClassifier, message_language
from bot.settings import read_languages


def names_in(text: str, *names: str) -> List[Tuple[int, int]]:
    """The spans of the given names in the text (as the gazetteer would report them)."""
    spans = []
    for name in names:
        start = text.index(name)
        spans.append((start, start + len(name)))
    return spans


def set_aside(text: str, language: Optional[str], *names: str) -> List[str]:
    return [text[start:end] for start, end in set_aside_spans(text, language, names_in(text, *names))]


# (language, message, names the gazetteer finds, the part set aside)
SET_ASIDE = [
    ("en", "the driving licence I'll swap later, where can I look for jobs in English?",
     ("driving licence",), "the driving licence I'll swap later"),
    ("en", "Forget the tax card for now, how do I sign up for Danish lessons?",
     ("tax card", "Danish lessons"), "Forget the tax card for now"),
    ("en", "not MitID but the tax card: where do I apply?", ("MitID", "tax card"), "not MitID"),
    ("da", "det er ikke skattekortet jeg tænker på, hvordan får jeg NemKonto?",
     ("skattekortet", "NemKonto"), "det er ikke skattekortet jeg tænker på"),
    ("da", "kørekortet ordner jeg senere. hvor søger jeg job?", ("kørekortet",), "kørekortet ordner jeg senere"),
    ("de", "Nicht die Steuerkarte, sondern MitID: wie beantrage ich das?", ("Steuerkarte", "MitID"),
     "Nicht die Steuerkarte"),
    ("de", "Vergiss den Führerschein, wo lerne ich Dänisch?", ("Führerschein",), "Vergiss den Führerschein"),
    ("es", "no es sobre el colegio de mi hijo, ¿cuánto cuestan las clases de danés?",
     ("colegio", "clases de danés"), "no es sobre el colegio de mi hijo"),
    ("es", "el carnet de conducir lo veo luego; ¿dónde busco trabajo?", ("carnet de conducir",),
     "el carnet de conducir lo veo luego"),
    ("pl", "nie chodzi mi o NemKonto, gdzie dostanę numer CPR?", ("NemKonto", "CPR"), "nie chodzi mi o NemKonto"),
    ("pl", "prawo jazdy wymienię później, gdzie szukać pracy?", ("prawo jazdy",), "prawo jazdy wymienię później"),
    ("ro", "nu caut Spouse Space, vreau să cunosc danezi", ("Spouse Space",), "nu caut Spouse Space"),
    ("ro", "de permis mă ocup mai târziu, unde caut de lucru?", ("permis",), "de permis mă ocup mai târziu"),
    ("uk", "не про податкову картку, а про MitID: як його отримати?", ("податкову картку", "MitID"),
     "не про податкову картку"),
    ("uk", "водійські права обміняю пізніше. де шукати роботу?", ("водійські права",),
     "водійські права обміняю пізніше"),
    ("ar", "سؤالي مش عن الضريبة، بل عن دروس اللغة: كم تكلف؟", ("الضريبة", "دروس اللغة"), "سؤالي مش عن الضريبة"),
    ("ar", "رخصة القيادة بعدين. وين بلاقي شغل؟", ("رخصة القيادة",), "رخصة القيادة بعدين"),
    # A topic had or done (2026-12-06, seventh session): the question follows it.
    ("en", "just got my CPR number yesterday, but who do I go to when I'm ill?", ("CPR number",),
     "just got my CPR number yesterday"),
    ("pl", "NemKonto już mam założone w Nordei, ale w kadrach nie widzą mojego skattekort", ("NemKonto", "skattekort"),
     "NemKonto już mam założone w Nordei"),
    ("ar", "خلص طلع معي رقم CPR! هلق كيف بسجل بدروس الدنماركي؟", ("CPR",), "خلص طلع معي رقم CPR"),
    ("uk", "податкова картка в мене вже є, але всі кажуть про якесь SIRI. що це?", ("податкова картка", "SIRI"),
     "податкова картка в мене вже є"),
]

# Messages that keep every name: lack is not setting aside, "first" orders both, a bare negation
# without a contrast, a later-clause that names nothing.
KEPT = [
    ("en", "I don't have a CPR number yet, how do I get MitID?", ("CPR", "MitID")),
    ("en", "CPR first and the NemKonto later?", ("CPR", "NemKonto")),
    ("en", "I have not got MitID yet, how do I get it?", ("MitID",)),
    ("de", "Ich habe noch keine CPR-Nummer, wie bekomme ich MitID?", ("CPR", "MitID")),
    ("es", "primero el CPR y luego el NemKonto?", ("CPR", "NemKonto")),
    ("pl", "nie mam jeszcze CPR, jak dostać MitID?", ("CPR", "MitID")),
    ("en", "where do I get the tax card? I'll ask about the rest later", ("tax card",)),
    # Done, but too little follows to be the question; a word of lack; a done-clause that asks.
    ("de", "Mein Mann hat schon MitID, und ich?", ("MitID",)),
    ("en", "I already know I don't have a CPR number, so how do I get MitID then?", ("CPR", "MitID")),
    ("en", "I have already applied for the tax card? or not, how do I check it", ("tax card",)),
    # A done-clause that is the first half of an either-or question (2026-12-07, thirteenth session).
    ("de", "Darf mein Sohn mit 15 schon zum Dänischunterricht, oder muss er bis 18 warten?", ("Dänischunterricht",)),
    ("en", "can my son already get MitID at 15, or only once he turns 18?", ("MitID",)),
    ("da", "kan min datter allerede få MitID som 13-årig, eller først når hun bliver 15?", ("MitID",)),
    # "schon zu" is "already closed": a place closed now is not a topic had (2026-12-07, fourteenth session).
    ("de", "unsere kleine (2) hat seit heut nachmittag fast 40 fieber und der hausarzt hat schon zu. was machen wir "
     "jetzt??", ("hausarzt",)),
    ("en", "my son has a high fever and the GP is already closed, what do we do now?", ("GP",)),
]


@pytest.mark.parametrize(("language", "text", "names", "expected"), SET_ASIDE,
                         ids=[f"{case[0]}-{index}" for index, case in enumerate(SET_ASIDE)])
def test_a_named_topic_put_aside_is_found(language: str, text: str, names: Tuple[str, ...], expected: str) -> None:
    assert set_aside(text, language, *names) == [expected]


@pytest.mark.parametrize(("language", "text", "names"), KEPT, ids=[f"{case[0]}-{i}" for i, case in enumerate(KEPT)])
def test_lack_order_and_bare_negation_set_nothing_aside(language: str, text: str, names: Tuple[str, ...]) -> None:
    assert set_aside(text, language, *names) == []


def test_without_a_known_language_every_languages_words_count() -> None:
    text = "kørekortet ordner jeg senere. hvor søger jeg job?"
    assert set_aside(text, None, "kørekortet") == ["kørekortet ordner jeg senere"]


def test_blanking_keeps_the_offsets_of_what_is_left() -> None:
    text = "Forget the tax card for now, how do I sign up for Danish lessons?"
    read = without_spans(text, set_aside_spans(text, "en", names_in(text, "tax card", "Danish lessons")))
    assert len(read) == len(text)
    assert read.index("Danish lessons") == text.index("Danish lessons")
    assert "tax card" not in read


def test_the_classifier_reads_the_message_without_the_part_put_aside() -> None:
    text = "Forget the tax card for now, how do I sign up for Danish lessons?"
    spans = names_in(text, "tax card", "Danish lessons")
    found = [{"entity": "topic", "value": value, "start": start, "end": end}
             for value, (start, end) in zip(("tax_card", "danish_lessons"), spans, strict=True)]
    read, kept = TopicClassifier({}, None, None).without_set_aside(text, found, "en")
    assert [entity["value"] for entity in kept] == ["danish_lessons"]
    assert read.strip() == ", how do I sign up for Danish lessons?"


def test_a_message_that_would_be_left_with_less_than_two_words_is_read_whole() -> None:
    text = "Forget MitID, please!"
    found = [{"entity": "topic", "value": "mitid", "start": 7, "end": 12}]
    assert set_aside_spans(text, "en", [(7, 12)]) == [(0, 12)]
    read, kept = TopicClassifier({}, None, None).without_set_aside(text, found, "en")
    assert read == text
    assert kept == found


def test_the_language_comes_from_the_language_detector() -> None:
    entities = [{"entity": "topic", "value": "cpr"}, {"entity": "detected_language", "value": "pl"}]
    assert message_language(entities) == "pl"
    assert message_language([{"entity": "topic", "value": "cpr"}]) is None


def test_every_language_has_every_kind_of_word() -> None:
    languages = set(read_languages(Path(__file__).resolve().parent.parent))
    for kind, by_language in set_aside_words().items():
        assert set(by_language) == languages, kind
        assert all(by_language[language] for language in languages), kind


def test_a_question_about_later_sets_nothing_aside() -> None:
    assert set_aside("can I change my family doctor later? the one I got is far away", "en", "family doctor") == []
    assert set_aside("¿puedo cambiar de médico de cabecera después? el que tengo está lejos", "es",
                     "médico de cabecera") == []


# (language, message, the organisation's name, the service's name): the organisation is where it is done.
AT_A_PLACE = [
    ("en", "what do I need to bring to Borgerservice to get MitID?", "Borgerservice", "MitID"),
    ("da", "kan jeg få skattekort hos International House?", "International House", "skattekort"),
    ("de", "Kann ich den Führerschein beim Borgerservice umschreiben lassen?", "Borgerservice", "Führerschein"),
    ("es", "¿el carnet de conducir se cambia en Borgerservice?", "Borgerservice", "carnet de conducir"),
    ("pl", "co zabrać do Borgerservice, żeby wyrobić MitID?", "Borgerservice", "MitID"),
    ("ro", "pot sa-mi fac CPR-ul la International House?", "International House", "CPR"),
    ("uk", "що взяти з собою в Borgerservice, щоб зробити MitID?", "Borgerservice", "MitID"),
    ("ar", "شو لازم آخذ معي على Borgerservice لأعمل MitID؟", "Borgerservice", "MitID"),
    ("ar", "شو بحتاج بالبورجرسيرفس لأعمل MitID؟", "البورجرسيرفس", "MitID"),
]


@pytest.mark.parametrize(("language", "text", "place", "service"), AT_A_PLACE,
                         ids=[f"{case[0]}-{index}" for index, case in enumerate(AT_A_PLACE)])
def test_an_organisation_where_a_service_is_done_is_a_place(language: str, text: str, place: str,
                                                            service: str) -> None:
    places, services = names_in(text, place), names_in(text, service)
    assert place_spans(text, language, places, services) == places


@pytest.mark.parametrize(("text", "place", "services"), [
    ("is Borgerservice open on Fridays? I need MitID", "Borgerservice", ("MitID",)),  # no word of "at" before it
    ("what is Borgerservice's phone number?", "Borgerservice", ()),  # no service named
    ("I went to Borgerservice yesterday", "Borgerservice", ()),
])
def test_an_organisation_asked_about_is_not_a_place(text: str, place: str, services: Tuple[str, ...]) -> None:
    assert place_spans(text, "en", names_in(text, place), names_in(text, *services)) == []


def test_the_classifier_reads_a_service_at_a_place_without_the_place_unless_it_asks_for_a_contact() -> None:
    text = "what do I need to bring to Borgerservice to get MitID?"
    found = [{"entity": "topic", "value": value, "start": start, "end": end}
             for value, (start, end) in zip(("borgerservice", "mitid"), names_in(text, "Borgerservice", "MitID"),
                                            strict=True)]
    classifier = TopicClassifier({}, None, None, organisations=("borgerservice",),  # type: ignore[arg-type]
                                 name_words={"mitid": ["mitid"], "housing": ["finding", "home"]})
    read, kept = classifier.without_set_aside(text, found, "en", "ask_topic")
    assert [entity["value"] for entity in kept] == ["mitid"]
    assert "Borgerservice" not in read
    read, kept = classifier.without_set_aside(text, found, "en", "ask_contact")
    assert read == text and kept == found


def test_a_service_named_only_by_a_synonym_leaves_the_organisation_asked_about() -> None:
    text = "do you pay a deposit at Sprogcenter Aalborg?"
    spans = names_in(text, "deposit", "Sprogcenter Aalborg")
    found = [{"entity": "topic", "value": value, "start": start, "end": end}
             for value, (start, end) in zip(("housing", "sprogcenter"), spans, strict=True)]
    classifier = TopicClassifier({}, None, None, organisations=("sprogcenter",),  # type: ignore[arg-type]
                                 name_words={"housing": ["finding", "home"], "sprogcenter": ["sprogcenter"]})
    read, kept = classifier.without_set_aside(text, found, "en", "ask_topic")
    assert read == text and kept == found


def test_a_question_with_a_word_of_contact_asks_about_the_organisation() -> None:
    text = "I have no MitID yet. What is the phone number to Borgerservice?"
    assert place_spans(text, "en", names_in(text, "Borgerservice"), names_in(text, "MitID")) == []


def test_a_where_question_asks_about_the_organisation() -> None:
    text = "I need MitID and a new doctor. Where in the kommune do I book that?"
    assert place_spans(text, "en", names_in(text, "kommune"), names_in(text, "MitID")) == []


def test_a_list_named_with_one_of_its_items_is_the_kind_of_thing_the_item_is() -> None:
    classifier = TopicClassifier({}, None, None, items={"twin_cities": ["twin_wismar", "twin_galway"]})  # type: ignore[arg-type]
    text = "and the German one, Wismar, since when has it been a twin city?"
    wismar, twins = ({"entity": "topic", "value": value, "start": start, "end": end}
                     for value, (start, end) in zip(("twin_wismar", "twin_cities"),
                                                    names_in(text, "Wismar", "twin city"), strict=True))
    assert classifier.without_the_list([wismar, twins], text) == [wismar]
    assert classifier.without_the_list([twins], text) == [twins]
    # The item only in a sentence that is not the question: the list is what is asked.
    text = "which twin cities does Aalborg have? apparently Wismar is one"
    wismar, twins = ({"entity": "topic", "value": value, "start": start, "end": end}
                     for value, (start, end) in zip(("twin_wismar", "twin_cities"),
                                                    names_in(text, "Wismar", "twin cities"), strict=True))
    assert classifier.without_the_list([twins, wismar], text) == [twins, wismar]


def test_the_words_of_lack_of_an_unknown_language_are_every_languages_and_read_once():
    from bot.prerequisites import negation_phrases

    every = negation_phrases(None)
    assert set(negation_phrases("en")) <= set(every) and set(negation_phrases("pl")) <= set(every)
    assert negation_phrases("") is negation_phrases("")


def _dog_or_daycare_classifier() -> TopicClassifier:
    from bot.nlu.topic_examples import NONE_LABEL
    from bot.nlu.topic_model import TopicModel

    examples = {
        "cpr": ["where do i get a cpr number", "cpr number registration", "register for the yellow card",
                "how do i get my cpr", "cpr number please", "yellow health card"],
        "daycare": ["a place in daycare for our baby", "who looks after our son while we work", "vuggestue",
                    "kindergarten for my daughter", "daycare waiting list", "childcare for a one year old"],
        NONE_LABEL: ["how do i register my dog", "which vet is good", "dog tax in denmark", "my dog is sick",
                     "pet insurance for a dog", "where can i walk my dog"],
    }
    texts = [text for texts in examples.values() for text in texts]
    labels = [label for label, texts in examples.items() for _ in texts]
    return TopicClassifier({}, None, None, TopicModel.train(texts, labels))  # type: ignore[arg-type]


def _topics_after(classifier: TopicClassifier, text: str) -> List[str]:
    from rasa.shared.nlu.training_data.message import Message

    start = text.index("CPR")
    entities = [{"entity": "topic", "value": "cpr", "start": start, "end": start + 3},
                {"entity": "detected_language", "value": "en", "start": 0, "end": 0}]
    message = Message(data={"text": text, "entities": entities, "intent": {"name": "ask_topic"}})
    classifier.process([message])
    return [entity["value"] for entity in message.get("entities") if entity["entity"] == "topic"]


def test_a_name_put_aside_as_done_is_not_the_topic_of_a_question_none_of_ours_answers() -> None:
    classifier = _dog_or_daycare_classifier()
    # The CPR is had (put aside); what is asked is none of ours: no topic is left to answer it with.
    assert _topics_after(classifier, "We already have our CPR numbers and cards, how do we register our dog?") == []
    # What is asked is ours: its entry answers.
    assert _topics_after(classifier, "We already have our CPR numbers and cards, who looks after our son while "
                                     "we work?") == ["daycare"]
    # Nothing put aside: the name stays the topic.
    assert _topics_after(classifier, "how do I get a CPR number?") == ["cpr"]


@pytest.mark.parametrize(("text", "language", "names", "kept_values"), [
    # The CPR number lacked beside the tax card, whose text speaks of it: the tax card is asked about.
    ("Mein neuer Arbeitgeber sagt, ohne Steuerkarte ziehen sie mir 55% ab. Ich hab aber noch keine CPR-Nummer, "
     "was mach ich jetzt?", "de", (("tax_card", "Steuerkarte"), ("cpr", "CPR-Nummer")), ["tax_card"]),
    ("min arbejdsgiver vil have mit nemkonto nr men jeg har ikke fået cpr endnu. hvad gør jeg", "da",
     (("nemkonto", "nemkonto"), ("cpr", "cpr")), ["nemkonto"]),
    # A verb of getting governs the CPR number: both stay for the ranking to weigh.
    ("the bank needs a CPR number for my NemKonto, so where do I get the CPR?", "en",
     (("cpr", "CPR number"), ("nemkonto", "NemKonto"), ("cpr", "CPR?")), ["cpr", "nemkonto", "cpr"]),
    # Named as had, not lacked: kept.
    ("I have my CPR number now, how do I get a tax card?", "en", (("cpr", "CPR number"), ("tax_card", "tax card")),
     ["cpr", "tax_card"]),
])
def test_a_name_lacked_beside_an_entry_that_speaks_of_it_is_its_condition(text, language, names, kept_values) -> None:
    found, offset = [], 0
    for value, surface in names:
        start = text.index(surface.rstrip("?"), offset)
        found.append({"entity": "topic", "value": value, "start": start, "end": start + len(surface.rstrip("?"))})
        offset = start + 1
    classifier = TopicClassifier({}, None, None,  # type: ignore[arg-type]
                                 mentions={"tax_card": ["cpr"], "nemkonto": ["cpr"]})
    kept = classifier.without_conditions(found, text, language)
    assert [entity["value"] for entity in kept] == kept_values
    # Without the content's mention, nothing is a condition.
    assert TopicClassifier({}, None, None).without_conditions(found, text, language) == found  # type: ignore[arg-type]
