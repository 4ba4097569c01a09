"""Lexical (BM25) search over the knowledge base."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Dict

import pytest
import yaml

from bot.content.loader import KnowledgeBase, load_knowledge_base
from bot.content.search import NAME_WEIGHT, ContentIndex, Hit, stem, terms
from bot.settings import read_languages

ROOT = Path(__file__).resolve().parents[2]
REGISTER_QUERY = "how do i register my address and get a personal number"


@pytest.fixture(scope="module")
def real_index() -> ContentIndex:
    return ContentIndex(load_knowledge_base(ROOT / "data" / "content", read_languages(ROOT)), "en")


def small_kb(tmp_path: Path, **summaries: str) -> KnowledgeBase:
    """A knowledge base with one entry per keyword argument: id -> English summary."""
    entries = []
    for entry_id, summary in summaries.items():
        entries.append(
            {
                "id": entry_id,
                "kind": "topic",
                "area": "newcomers",
                "names": {"en": entry_id.capitalize()},
                "summary": {"en": summary},
                "links": [{"url": f"https://example.com/{entry_id}", "title": {"en": "Page"}}],
                "sources": [f"https://example.com/{entry_id}"],
                "verified": "2026-11-27",
            }
        )
    (tmp_path / "a.yml").write_text(yaml.safe_dump({"entries": entries}), encoding="utf-8")
    return load_knowledge_base(tmp_path, ("en",), root=tmp_path)


def ids(hits: Any) -> list:
    return [hit.entry_id for hit in hits]


# --- the real knowledge base --------------------------------------------------------------------


def test_register_address_finds_cpr(real_index: ContentIndex) -> None:
    hits = real_index.search(REGISTER_QUERY)

    assert hits[0].entry_id == "cpr"
    assert len(hits) == 3
    assert all(isinstance(hit, Hit) and hit.score > 0 for hit in hits)
    assert [hit.score for hit in hits] == sorted((hit.score for hit in hits), reverse=True)


def test_tax_deduction_finds_tax_card(real_index: ContentIndex) -> None:
    hits = real_index.search("tax deduction without card salary")

    assert "tax_card" in ids(hits)
    assert len(hits) == 3


def test_danish_synonym_finds_tax_card(real_index: ContentIndex) -> None:
    assert ids(real_index.search("skattekort")) == ["tax_card"]


def test_nonsense_finds_nothing(real_index: ContentIndex) -> None:
    assert real_index.search("xyzzy qwerty flibbertigibbet") == []
    assert real_index.search("") == []
    assert real_index.search("how do I") == []  # only stop words


def test_limit(real_index: ContentIndex) -> None:
    assert len(real_index.search(REGISTER_QUERY, limit=1)) == 1
    assert real_index.search(REGISTER_QUERY, limit=1) == real_index.search(REGISTER_QUERY)[:1]
    assert len(real_index.search(REGISTER_QUERY, limit=5)) == 5
    assert real_index.search(REGISTER_QUERY, limit=0) == []


def test_exclude(real_index: ContentIndex) -> None:
    without_cpr = real_index.search(REGISTER_QUERY, exclude=["cpr"])

    assert "cpr" not in ids(without_cpr)
    assert without_cpr == real_index.search(REGISTER_QUERY, limit=4)[1:]
    assert real_index.search("skattekort", exclude=("tax_card",)) == []


def test_other_language_uses_english_texts(real_index: ContentIndex) -> None:
    kb = load_knowledge_base(ROOT / "data" / "content", read_languages(ROOT))
    danish = ContentIndex(kb, "da")

    assert danish.language == "da"
    assert set(danish.documents) == set(real_index.documents)
    assert ids(danish.search("cpr nummer"))[0] == "cpr"


# --- stemming and terms -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("registration", "registr"),
        ("registrations", "registr"),
        ("registering", "register"),
        ("registered", "register"),
        ("registers", "register"),
        ("cities", "citi"),
        ("cards", "card"),
        ("things", "thing"),
        ("churches", "church"),
        ("boxes", "boxe"),
        ("taxes", "taxe"),  # "tax"/"box" would be below four letters, so only the final "s" goes
        ("bus", "bus"),
        ("sing", "sing"),
        ("card", "card"),
    ],
)
def test_stem_english(word: str, expected: str) -> None:
    assert stem(word, "en") == expected


def test_stem_unknown_language_is_unchanged() -> None:
    assert stem("registration", "da") == "registration"
    assert stem("kommuner", "xx") == "kommuner"


def test_terms() -> None:
    assert terms("How do I register my Address?", "en") == ["register", "addres"]
    assert terms("Sundhedskørt a b cd", "en") == ["sundhedskort", "cd"]
    assert terms("The CPR-registration", "en") == ["cpr", "registr"]
    assert terms("How do I register", "da") == ["how", "do", "register"]
    assert terms("", "en") == []


# --- a small knowledge base ---------------------------------------------------------------------


def test_small_index_statistics(tmp_path: Path) -> None:
    index = ContentIndex(small_kb(tmp_path, alpha="Zebra crossing", beta="Quiet street"), "en")

    assert index.documents == {
        "alpha": {"alpha": NAME_WEIGHT, "zebra": 1, "cross": 1},
        "beta": {"beta": NAME_WEIGHT, "quiet": 1, "street": 1},
    }
    assert index.lengths == {"alpha": 5, "beta": 5}
    assert index.average_length == 5
    assert index.idf["zebra"] == math.log(2)


def test_small_index_scores_and_ties(tmp_path: Path) -> None:
    index = ContentIndex(small_kb(tmp_path, beta="Quiet street", alpha="Zebra crossing"), "en")

    assert index.search("zebra") == [Hit("alpha", math.log(2))]
    assert index.search("street zebra") == [Hit("alpha", math.log(2)), Hit("beta", math.log(2))]
    assert index.search("crossings") == [Hit("alpha", math.log(2))]
    assert index.search("street zebra", exclude=["alpha"]) == [Hit("beta", math.log(2))]


def test_name_outweighs_summary(tmp_path: Path) -> None:
    index = ContentIndex(small_kb(tmp_path, alpha="Something about beta", beta="Quiet street"), "en")

    hits = index.search("beta")

    assert ids(hits) == ["beta", "alpha"]
    assert hits[0].score > hits[1].score


def test_registering_finds_registration(tmp_path: Path) -> None:
    # The module docstring promises that "registering" finds "registration".
    index = ContentIndex(small_kb(tmp_path, alpha="CPR registration", beta="Quiet street"), "en")

    assert ids(index.search("registering")) == ["alpha"]


def test_synonyms_weighted_like_names(tmp_path: Path) -> None:
    entry: Dict[str, Any] = {
        "id": "alpha",
        "kind": "topic",
        "area": "newcomers",
        "names": {"en": "Alpha"},
        "synonyms": {"en": ["gamma"]},
        "summary": {"en": "Zebra"},
        "links": [{"url": "https://example.com/alpha", "title": {"en": "Page"}}],
        "sources": ["https://example.com/alpha"],
        "verified": "2026-11-27",
    }
    (tmp_path / "a.yml").write_text(yaml.safe_dump({"entries": [entry]}), encoding="utf-8")
    index = ContentIndex(load_knowledge_base(tmp_path, ("en",)), "en")

    assert index.documents["alpha"]["alpha"] == NAME_WEIGHT
    assert index.documents["alpha"]["gamma"] == NAME_WEIGHT
