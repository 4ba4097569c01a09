"""Questions from someone lacking what an entry needs (bot/prerequisites.py), on the real content."""

from __future__ import annotations

import dataclasses

import pytest

from bot.content.schema import check_references
from bot.prerequisites import _negations, answer_for_lack
from bot.settings import get_settings


@pytest.mark.parametrize(("text", "language"), [
    ("I can't get MitID without a CPR number, who do I phone?", "en"),
    ("Tried setting up MitID in the app but it asks for a CPR and I'm still waiting for mine.", "en"),
    ("har ikke noget cpr-nummer endnu, hvordan får jeg mitid?", "da"),
    ("Ich habe noch keine CPR-Nummer. Wie komme ich an MitID?", "de"),
    ("quiero sacar el mitid pero aun no tengo cpr", "es"),
    ("nie mam jeszcze numeru cpr a bank chce ode mnie mitid", "pl"),
    ("Daca n-am CPR inca, cum fac MitID?", "ro"),
    ("mitid хочу зробити але cpr ще нема", "uk"),
    ("ما قدرت أطلع MitID لأنه ما عندي CPR", "ar"),
])
def test_mitid_without_a_cpr_number_is_mitid_supports_question(real_kb, text, language):
    found = answer_for_lack(real_kb.entries, text, language)
    assert found is not None and found.id == "mitid_support"


def test_only_a_message_naming_both_counts(real_kb):
    # "and if I don't have a CPR yet?" after the MitID answer stays about MitID (its answer says what to do).
    assert answer_for_lack(real_kb.entries, "and if I don't have a CPR yet?", "en") is None
    for text in ("I have my CPR number now, how do I get MitID?", "how do I get MitID with a passport?",
                 "i dont have a cpr number yet, where do i register?", "/ask_topic{\"topic\":\"mitid\"}"):
        assert answer_for_lack(real_kb.entries, text, "en") is None, text
    # The words of lack are the conversation's language's: Polish "nie" means nothing in English.
    assert answer_for_lack(real_kb.entries, "mitid nie mam cpr", "en") is None


def test_every_language_has_words_of_lack():
    assert set(get_settings().languages) <= set(_negations())
    assert all(_negations()[language] for language in get_settings().languages)


def test_the_validator_names_an_unknown_entry_in_without(real_kb):
    entries = dict(real_kb.entries)
    entries["mitid"] = dataclasses.replace(entries["mitid"], without={"cpr": "nowhere"})
    problems = [(error.path, error.problem) for error in check_references(entries)]
    assert ("entries[mitid].without", "unknown id: 'nowhere'") in problems


def test_a_language_named_to_say_one_lacks_it_is_negated_in_every_language():
    from bot.prerequisites import negated_before

    lacked = {"en": ("what if i don't speak danish?", "danish"), "da": ("jeg taler ikke dansk endnu", "dansk"),
              "de": ("ich spreche kein Dänisch, geht das?", "Dänisch"), "es": ("no hablo danés", "danés"),
              "pl": ("nie mówię po duńsku", "duńsku"), "ro": ("nu vorbesc daneza", "daneza"),
              "uk": ("я не розмовляю данською", "данською"), "ar": ("ما بحكي دنماركي، في مشكلة؟", "دنماركي")}
    assert [code for code, (text, name) in lacked.items() if not negated_before(text, text.index(name), code)] == []
    asked = {"en": ("can we speak danish?", "danish"), "da": ("kan du svare på dansk?", "dansk"),
             "de": ("bitte auf Dänisch", "Dänisch"), "es": ("¿puedes responder en danés?", "danés"),
             "pl": ("możesz odpowiadać po duńsku?", "duńsku"), "ro": ("poți răspunde în daneză?", "daneză"),
             "uk": ("можна данською?", "данською"), "ar": ("ممكن تحكي دنماركي؟", "دنماركي")}
    assert [code for code, (text, name) in asked.items() if negated_before(text, text.index(name), code)] == []
    # A word of lack in another clause does not count: "no, in Danish please" asks for Danish.
    assert not negated_before("no, in danish please", 7, "en")


@pytest.mark.parametrize(("topic", "text", "language"), [
    ("danish_lessons", "do i need a cpr first or can i sign up right away", "en"),
    ("danish_lessons", "he won't have a cpr number right away tho", "en"),
    ("daycare", "skal hun have cpr nummer først?", "da"),
    ("leisure", "har ikke sygesikringskort endnu, hvad så?", "da"),
    ("mitid", "hab aber noch keine cpr nummer", "de"),
    ("nemkonto", "y se puede abrir sin cpr?", "es"),
    ("leisure", "a bez sundhedskort się da?", "pl"),
    ("tax_card", "pot s-o fac fără CPR?", "ro"),
    ("danish_lessons", "треба мати цпр?", "uk"),
    ("nemkonto", "بدون CPR بيصير؟", "ar"),
    ("danish_lessons", "ana lessa ma3andeesh cpr", "ar"),
])
def test_a_follow_up_lacking_or_needing_what_the_topic_speaks_of_stays_on_the_topic(real_kb, topic, text, language):
    from bot.prerequisites import condition_of_topic

    assert condition_of_topic(real_kb.entries, real_kb.entries[topic], text, language)


@pytest.mark.parametrize(("topic", "text", "language"), [
    # A verb of getting governs the name: the question is about it.
    ("danish_lessons", "ok and where do i get the cpr then? i live in aalborg", "en"),
    ("mitid", "where do I get a CPR number?", "en"),
    # The word of need is about something else, after the name, or in a clause before the question.
    ("twin_wismar", "Welche Partnerstädte hat Aalborg sonst noch?", "de"),
    ("digital_post", "hvem ringer jeg til hvis mit.dk ikke virker", "da"),
    ("mitid", "طيب انا لسا ما عندي cpr، مين بيعطيني الكود اللي بيحكوا عنه؟", "ar"),
    ("daycare", "sie hat aber noch keine CPR-Nummer. wo registrieren wir sie?", "de"),
    # The topic's own text does not speak of the entry named, or names it itself.
    ("partner_cities", "do I need a CPR number first?", "en"),
    ("cpr", "do I need a CPR number first?", "en"),
])
def test_a_follow_up_asking_about_the_named_entry_is_not_a_condition(real_kb, topic, text, language):
    from bot.prerequisites import condition_of_topic

    assert not condition_of_topic(real_kb.entries, real_kb.entries[topic], text, language)


def test_every_language_has_words_of_need():
    from bot.prerequisites import _requirements

    assert all(_requirements().get(language) for language in get_settings().languages)
