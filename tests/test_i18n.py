"""Every user-facing text exists in every supported language, with the same placeholders."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.i18n import MissingTranslationError, load_catalogue, placeholders, translate
from bot.settings import read_languages

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = read_languages(ROOT)
CATALOGUE = load_catalogue(ROOT / "data" / "i18n" / "messages.yml")
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))


def test_languages_file_lists_unique_codes_with_names():
    raw = yaml.safe_load((ROOT / "data" / "i18n" / "languages.yml").read_text(encoding="utf-8"))["languages"]
    assert [item["code"] for item in raw] == list(LANGUAGES)
    assert len(set(LANGUAGES)) == len(LANGUAGES)
    assert all(item["name"].strip() and item["direction"] in ("ltr", "rtl") for item in raw)


@pytest.mark.parametrize("key", sorted(CATALOGUE))
def test_message_exists_in_every_language(key):
    texts = CATALOGUE[key]
    missing = [language for language in LANGUAGES if not (texts.get(language) or "").strip()]
    assert not missing, f"message {key!r} is missing in {missing}"
    unknown = set(texts) - set(LANGUAGES)
    assert not unknown, f"message {key!r} has unsupported languages {unknown}"


@pytest.mark.parametrize("key", sorted(CATALOGUE))
def test_placeholders_are_the_same_in_every_language(key):
    reference = placeholders(CATALOGUE[key][LANGUAGES[0]])
    for language, text in CATALOGUE[key].items():
        assert placeholders(text) == reference, f"{key!r} in {language} has {placeholders(text)}, not {reference}"


def response_languages(variations):
    languages = set()
    for variation in variations:
        conditions = variation.get("condition") or []
        values = [c["value"] for c in conditions if c.get("type") == "slot" and c.get("name") == "language"]
        languages.update(values or [LANGUAGES[0]])
        assert (variation.get("text") or "").strip(), "empty response text"
    return languages


@pytest.mark.parametrize("name", sorted(DOMAIN["responses"]))
def test_domain_response_exists_in_every_language(name):
    languages = response_languages(DOMAIN["responses"][name])
    missing = set(LANGUAGES) - languages
    assert not missing, f"response {name!r} is missing in {sorted(missing)}"


def test_translate_fills_placeholders_and_refuses_unknown_keys():
    assert translate("contact_phone", "en", phone="+45 99 31 15 30") == "Phone: +45 99 31 15 30"
    assert translate("contact_phone", "xx", phone="1") == "Phone: 1"  # unknown language: the default
    with pytest.raises(MissingTranslationError):
        translate("no_such_message", "en")
