"""Short messages in a script only one supported language uses are in that language."""

from __future__ import annotations

from bot.nlu.language_detector import language_by_script, script_languages

SUPPORTED = ("en", "da", "de", "es", "pl", "ro", "uk", "ar")


def test_the_scripts_come_from_cldr_and_only_unique_non_latin_ones_count():
    assert script_languages(SUPPORTED) == {"ARABIC": "ar", "CYRILLIC": "uk"}
    # Two supported languages in one script: the script tells nothing.
    assert script_languages(("uk", "bg", "en")) == {}


def test_a_short_message_is_in_the_language_of_its_script():
    scripts = script_languages(SUPPORTED)
    assert language_by_script("رقم SIRI", scripts) == "ar"
    assert language_by_script("адреса BusinessAalborg", scripts) == "uk"
    assert language_by_script("Nørresundby?", scripts) is None  # Latin letters: detection decides
    assert language_by_script("CPR 123", scripts) is None
    assert language_by_script("адреса عنوان", scripts) is None  # two scripts: unclear
