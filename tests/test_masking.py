"""Personal data in free text is replaced by placeholders; ordinary questions are left alone."""

from __future__ import annotations

import hashlib
import random
import uuid

import pytest

from bot.masking import KINDS, MaskResult, canonical, keep_set, mask_text, placeholder

MASKED = [
    # CPR: with a dash, without, with a space, with a typographic dash, in running text
    ("my CPR is 010190-1234, what now?", "my CPR is [CPR], what now?", ("CPR",)),
    ("0101901234", "[CPR]", ("CPR",)),
    ("cpr 311299 5678.", "cpr [CPR].", ("CPR",)),
    ("CPR-nummer: 150385\u20131234", "CPR-nummer: [CPR]", ("CPR",)),
    ("min cpr er 2902921234 tak", "min cpr er [CPR] tak", ("CPR",)),
    ("(010190-1234)", "([CPR])", ("CPR",)),
    # e-mail
    ("write to anna.hansen@example.com", "write to [EMAIL]", ("EMAIL",)),
    ("Mail: ANNA_H+bot@sub.example.co.uk!", "Mail: [EMAIL]!", ("EMAIL",)),
    ("12345678@example.dk", "[EMAIL]", ("EMAIL",)),
    ("пишіть на олена@приклад.укр", "пишіть на [EMAIL]", ("EMAIL",)),
    # phone: Danish, with and without +45 / 0045, grouped in twos or fours; international
    ("call me on +45 12 34 56 78", "call me on [PHONE]", ("PHONE",)),
    ("12345678", "[PHONE]", ("PHONE",)),
    ("ring 22 33 44 55 i morgen", "ring [PHONE] i morgen", ("PHONE",)),
    ("tlf. 2233 4455", "tlf. [PHONE]", ("PHONE",)),
    ("+4522334455", "[PHONE]", ("PHONE",)),
    ("0045 22334455", "[PHONE]", ("PHONE",)),
    ("+45-22-33-44-55", "[PHONE]", ("PHONE",)),
    ("my German number is +49 170 1234567.", "my German number is [PHONE].", ("PHONE",)),
    ("+48 601 234 567", "[PHONE]", ("PHONE",)),
    ("+380 (67) 123-45-67", "[PHONE]", ("PHONE",)),
    ("0040 721 234 567", "[PHONE]", ("PHONE",)),
    # IBAN, with and without spaces, any case; checksum not required
    ("my IBAN is DK50 0040 0440 1162 43", "my IBAN is [IBAN]", ("IBAN",)),
    ("DK5000400440116243", "[IBAN]", ("IBAN",)),
    ("iban: de89 3704 0044 0532 0130 00", "iban: [IBAN]", ("IBAN",)),
    ("PL61109010140000071219812874", "[IBAN]", ("IBAN",)),
    ("GB29 NWBK 6016 1331 9268 19", "[IBAN]", ("IBAN",)),
    ("DK51 0040 0440 1162 43 (typo)", "[IBAN] (typo)", ("IBAN",)),
    ("NO93 8601 1117 947", "[IBAN]", ("IBAN",)),
    # two postcodes side by side look like a Danish phone number written 4-4 (a documented limit)
    ("postcodes 9000 9200", "postcodes [PHONE]", ("PHONE",)),
    # Danish bank accounts
    ("reg. 1234 account 1234567890", "reg. [ACCOUNT]", ("ACCOUNT",)),
    ("reg.nr. 1234, kontonr. 1234567890", "reg.nr. [ACCOUNT]", ("ACCOUNT",)),
    ("1234-1234567890", "[ACCOUNT]", ("ACCOUNT",)),
    ("konto 5470 0001234567", "konto [ACCOUNT]", ("ACCOUNT",)),
    ("kontonummer 1234567890", "kontonummer [ACCOUNT]", ("ACCOUNT",)),
    ("account number is 987654321", "account number is [ACCOUNT]", ("ACCOUNT",)),
    # passport-like numbers
    ("passport AB1234567", "passport [PASSPORT]", ("PASSPORT",)),
    ("my passport number is 123456789", "my passport number is [PASSPORT]", ("PASSPORT",)),
    ("паспорт номер FE123456", "паспорт номер [PASSPORT]", ("PASSPORT",)),
    ("Reisepass C01X00T47 ist abgelaufen", "Reisepass [PASSPORT] ist abgelaufen", ("PASSPORT",)),
    ("numer paszportu: EA 1234567", "numer paszportu: [PASSPORT]", ("PASSPORT",)),
    ("mit pas nr. 206123456", "mit pas nr. [PASSPORT]", ("PASSPORT",)),
    ("document X1234567 please", "document [PASSPORT] please", ("PASSPORT",)),
    ("pasaporte XDA123456", "pasaporte [PASSPORT]", ("PASSPORT",)),
    # several kinds in one message
    (
        "I am 010190-1234, anna@example.com, +45 12 34 56 78, DK50 0040 0440 1162 43",
        "I am [CPR], [EMAIL], [PHONE], [IBAN]",
        ("CPR", "EMAIL", "IBAN", "PHONE"),
    ),
]

UNCHANGED = [
    "When does International House open?",
    "Is it open 08:30 to 15:00 on Monday?",
    "Åbningstider 8.30-15.00",
    "Kl. 10.00-14.30",
    "I arrive on 27.11.2026",
    "I arrived 27/11/2026 and 2026-11-27",
    "Boulevarden 13, 9000 Aalborg",
    "Rantzausgade 4, 1. sal, 9000 Aalborg",
    "postcodes 9000, 9200 and 9210",
    "between 9000 and 9400",
    "the school year 2025-2026",
    "from 2025 2026",
    "in 2026",
    "it costs 1.200 kr",
    "it costs 12 000 kr or 1 200 000 kr",
    "price 1.234.567,50 DKK",
    "room AB12 near the bus stop please",
    "bus 2 to the university",
    "CPR number, what do I need?",
    "what is an IBAN?",
    "pas på bilerne",
    "my passport expired in 2024",
    "version 3.6.21",
    "https://www.aalborg.dk/12345678/page",
    "5% of 100",
    "1234567",  # seven digits
    "0123456789",  # not a plausible CPR date (day 01, month 23)
    "3213901234",  # day 32
    "0113901234",  # month 13
    "0212345",
    "call 112 in an emergency",
]


@pytest.mark.parametrize(("text", "expected", "kinds"), MASKED)
def test_personal_data_is_masked(text, expected, kinds):
    assert mask_text(text) == MaskResult(expected, kinds)


@pytest.mark.parametrize("text", UNCHANGED)
def test_ordinary_text_is_unchanged(text):
    assert mask_text(text) == MaskResult(text, ())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("AB12 3456 7890 1234 56", "AB12 [PHONE] 1234 56"),  # no such country: digits may still match a phone
        ("DK50 0040 0440 1162 4321 99", "DK50 [PHONE] 99"),  # too long for a Danish IBAN
        ("fd80206055e84a4c91849185ed822e2f", "fd80206055e84a4c91849185ed822e2f"),  # a UUID in hex
    ],
)
def test_iban_needs_a_known_country_and_its_length(text, expected):
    assert mask_text(text).text == expected


def test_masking_is_idempotent():
    for text, expected, _kinds in MASKED:
        assert mask_text(expected).text == expected, text


def test_placeholders_name_every_kind():
    assert [placeholder(kind) for kind in KINDS] == ["[EMAIL]", "[IBAN]", "[ACCOUNT]", "[CPR]", "[PASSPORT]", "[PHONE]"]


def test_identifiers_and_hashes_in_metadata_survive():
    generator = random.Random(6)
    for _ in range(2000):
        value = str(uuid.UUID(int=generator.getrandbits(128), version=4))
        assert mask_text(value).text == value
        digest = hashlib.sha256(value.encode()).hexdigest()
        assert mask_text(digest).text == digest
        assert mask_text(uuid.UUID(value).hex).text == uuid.UUID(value).hex


def test_canonical_forms_compare_written_variants():
    assert canonical("+45 99 31 15 30") == "99311530"
    assert canonical("0045 99311530") == "99311530"
    assert canonical("99 31 15 30") == "99311530"
    assert canonical("+49 170 1234567") == "491701234567"
    assert canonical(" IHND@Aalborg.dk ") == "ihnd@aalborg.dk"


def test_public_values_can_be_kept():
    keep = keep_set(["+45 99 31 15 30", "ihnd@aalborg.dk", "", "  "])
    assert keep == frozenset({"99311530", "ihnd@aalborg.dk"})
    result = mask_text("Call +45 99 31 15 30 or 99311530, write to IHND@aalborg.dk, not 22 33 44 55", keep)
    assert result == MaskResult("Call +45 99 31 15 30 or 99311530, write to IHND@aalborg.dk, not [PHONE]", ("PHONE",))


def test_empty_text():
    assert mask_text("") == MaskResult("", ())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1" * 1000, "1" * 1000),  # one run of digits: no phone number, CPR or account inside it
        ("passport " + "x " * 495, "passport " + "x " * 495),
        ("(1)" * 333, "(1)" * 333),
        ("@" * 1000, "@" * 1000),
        ("x@" + "a." * 499, "x@" + "a." * 499),  # one-letter top-level domains: not an address
        ("+4" + "5 " * 499, "[PHONE]" + ("+4" + "5 " * 499)[29:]),  # "+45" and 8 digits, spaced
    ],
)
def test_the_longest_messages_are_masked_completely(text, expected):
    # How fast this runs is measured by the benchmark (make bench), never by a test's wall clock.
    assert mask_text(text).text == expected


def test_the_fast_path_covers_exactly_the_known_patterns() -> None:
    """mask_text returns text with fewer than six digits and no "@" at once; that holds only while
    every pattern but the e-mail's needs six digits. A new kind of personal data must revisit it."""
    from bot import masking

    assert [kind for _, kind in masking._PASSES] == ["EMAIL", "IBAN", "ACCOUNT", "CPR", "PASSPORT", "PHONE"]
    assert mask_text("رقمي 0101901234").kinds == ("CPR",)
    assert mask_text("write to anna.berg@example.com").text == "write to [EMAIL]"
    assert mask_text("passport without a number").kinds == ()


def _all_passes(text: str) -> str:
    """mask_text without its fast path: every pattern applied."""
    from bot import masking

    found: list = []
    for pattern, kind in masking._PASSES:
        text = pattern.sub(masking._replacer(kind, frozenset(), found), text)
    return text


def test_the_fast_path_skips_only_texts_no_pattern_can_change() -> None:
    """Fewer than six digits without an "@", or a 32-character hex id: the passes change nothing."""
    import random
    import uuid

    rng = random.Random(16)
    alphabet = "0123456789 -+./:,abcdefDKLCab\u0663\u0664"  # Arabic-Indic digits are digits too
    samples = [uuid.uuid4().hex for _ in range(300)]
    samples += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40))) for _ in range(3000)]
    checked = 0
    for text in samples:
        from bot import masking

        if "@" in text or (masking._SIX_DIGITS_RE.search(text) and not masking._HEX_ID_RE.fullmatch(text)):
            continue
        checked += 1
        assert _all_passes(text) == text, text
    assert checked > 1000
    assert mask_text("ring 12 34 56 78").text == "ring [PHONE]"  # eight digits: still masked
    assert mask_text("cpr 010190-1234 id 5e984bd58819161af8417fdf540c2257").text == (
        "cpr [CPR] id 5e984bd58819161af8417fdf540c2257")
