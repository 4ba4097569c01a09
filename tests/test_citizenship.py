"""The citizenship a message states (bot/citizenship.py): countries and their citizens, inflected."""

from __future__ import annotations

import pytest

from bot.citizenship import stated_countries, stated_group


@pytest.mark.parametrize(("text", "language", "countries", "group"), [
    # Country names, inflected as the language inflects them.
    ("sunt din romania si am gasit de lucru in aalborg", "ro", ["RO"], "eu"),
    ("Jestem z Polski i od poniedziałku zaczynam pracę", "pl", ["PL"], "eu"),
    ("я громадянка Польщі, що робити після приїзду?", "uk", ["PL"], "eu"),
    ("брат дружини з грузії отримав оффер", "uk", ["GE"], "non_eu"),
    ("I'm from India and just signed an offer", "en", ["IN"], "non_eu"),
    ("i'm from south africa, what do i need to live here", "en", ["ZA"], "non_eu"),  # a name of two words
    ("soy española y me acabo de mudar", "es", ["ES"], "eu"),
    # Citizens named by the name of their country's language.
    ("sunt roman, tocmai am ajuns", "ro", ["RO"], "eu"),
    ("в мене польський паспорт, приїхав на роботу", "uk", ["PL"], "eu"),
    ("soy francesa, qué necesito para vivir en aalborg?", "es", ["FR"], "eu"),
    ("jeg er tysker og har fået job i aalborg", "da", ["DE"], "eu"),
    ("I'm Polish", "en", ["PL"], "eu"),
    ("خطيبتي سويدية وجاية تعيش معي", "ar", ["SE"], "nordic"),
    # Two citizenships: the one with more rights; one the writer says they do not hold does not count.
    ("I'm from Ukraine but I also have a Romanian passport", "en", ["UA", "RO"], "eu"),
    ("har dobbelt statsborgerskab tyrkisk og tysk", "da", ["TR", "DE"], "eu"),
    ("я з молдови, румунського паспорта не маю", "uk", ["MD"], "non_eu"),
    # Where someone lived is not their citizenship.
    ("we moved here from spain last week with the kids", "en", [], None),
    ("vi har boet i holland de sidste 5 år", "da", [], None),
    ("bin schwede, wohne aber seit jahren in berlin", "de", ["SE"], "nordic"),
    # Nothing stated.
    ("what are the opening hours?", "en", [], None),
    ("Can I apply in English?", "en", [], None),  # English is spoken in too many countries
    ("¿está en español?", "es", [], None),
    ("I'm from Denmark", "en", [], None),  # a Danish citizen is not a newcomer here
    ("що для того треба?", "uk", [], None),  # "того" (of that) is Togo, a stop word
    ("mi pasaporte tiene chip", "es", [], None),  # "chip" is not Chipre
    ("green hub denmark", "en", [], None),  # "green" is not Greece
])
def test_the_citizenship_a_message_states(text, language, countries, group):
    assert stated_countries(text, language) == countries
    assert stated_group(text, language) == group


def test_a_five_letter_name_may_change_its_last_letter():
    assert stated_group("mi novia es sueca y se viene a vivir conmigo", "es") == "nordic"
    assert stated_countries("mala suerte", "es") == []  # "Mali" has four letters: no other ending
