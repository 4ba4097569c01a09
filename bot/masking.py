"""Masking of personal data in free text, before anything is stored.

:func:`mask_text` replaces each personal number or address it finds by a placeholder naming its
kind, so a stored message still reads naturally ("my CPR is [CPR], what now?"):

============ ===================================================================================
placeholder  what is recognised
============ ===================================================================================
``[EMAIL]``  e-mail addresses (``anna.hansen@example.com``).
``[IBAN]``   IBANs: a country code, two check digits and the account part, written together or
             in groups of four (``DK50 0040 0440 1162 43``), in any case. The length must be the
             country's IBAN length and the account part must hold at least 8 digits, so words and
             hexadecimal identifiers are never taken for one. The mod-97 checksum is *not*
             required: a mistyped IBAN is still personal data (one with a digit missing is not
             recognised as an IBAN, though its digits may still match another kind).
``[ACCOUNT]`` Danish bank accounts: a 4-digit registration number and a 6-10 digit account
             number joined by a dash or a space (``1234-1234567890``), or after the words
             reg./reg.nr. and account/konto (``reg. 1234 account 1234567890``, ``kontonummer
             1234567890``).
``[CPR]``    Danish CPR numbers ``DDMMYY-XXXX``, ``DDMMYYXXXX`` or ``DDMMYY XXXX`` whose first six
             digits are a plausible date (day 01-31, month 01-12). No modulus-11 check: CPR
             numbers issued since 2007 need not pass it.
``[PASSPORT]`` passport-like numbers: one or two letters followed by 6-9 digits (``AB1234567``),
             or a 6-10 character number with at least 6 digits (optionally after 1-3 capital letters
             and a space, ``EA 1234567``) after a word for passport in the
             supported languages (passport, pas, Reisepass, paszport, pasaporte, pașaport,
             паспорт, جواز).
``[PHONE]``  Danish phone numbers (8 digits not starting with 0, written together, as 2-2-2-2 or
             4-4, optionally after +45 or 0045) and international numbers starting with ``+`` or
             ``00`` followed by 8-15 digits.
============ ===================================================================================

Not masked, on purpose: times (``08:30``, ``8.30-15.00``), years and year ranges
(``2025-2026``), dotted dates (``27.11.2026``), postcodes and house numbers (``Boulevarden 13,
9000 Aalborg``), prices (``1.200 kr``, ``12 000 kr``). Limits: a number glued to letters
(``cpr0101901234``) is not recognised; any other 8-digit number that does not start with 0 is taken
for a phone number (``27112026``), except two years side by side (``2025 2026``), and
so are two postcodes side by side (``9000 9200``); names and street addresses are not masked (they cannot be told
apart from the places and offices the assistant is asked about).

Numbers and addresses that are public (the contact details in the content) can be kept with
``keep``: see :func:`canonical` and :func:`keep_set`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import AbstractSet, Callable, Dict, Iterable, List, Pattern, Tuple

CPR = "CPR"
EMAIL = "EMAIL"
PHONE = "PHONE"
PASSPORT = "PASSPORT"
IBAN = "IBAN"
ACCOUNT = "ACCOUNT"

#: Every kind, in the order the patterns are applied.
KINDS = (EMAIL, IBAN, ACCOUNT, CPR, PASSPORT, PHONE)

# A number must not continue a word, a path, an e-mail, a decimal or a dashed code on its left ...
_START = r"(?<![\w@/+\-])(?<!\d[.,])"
# ... nor on its right (a full stop or comma that ends a sentence is fine).
_END = r"(?![\w@\-])(?![.,]\d)"
_DASH = "[-\u2010\u2011\u2013]"

_EMAIL_RE = re.compile(r"(?<![\w.+\-])[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)*\.[^\W\d_]{2,}(?![\w\-])")

_IBAN_RE = re.compile(
    _START
    + r"(?P<value>[A-Za-z]{2}\d{2}(?:[A-Za-z0-9]{11,30}|(?: ?[A-Za-z0-9]{4}){2,7}(?: ?[A-Za-z0-9]{1,4})?))"
    + _END
)

_REG_WORD = r"reg(?:istration)?\.?\s*(?:nr|no|number|nummer)?\.?"
_ACCOUNT_WORD = r"(?:account|konto)\s*(?:nr|no|number|nummer|numer)?\.?"
_ACCOUNT_RE = re.compile(
    # reg. 1234 account 1234567890 / reg.nr. 1234, kontonr. 1234567890
    r"(?P<lead>\b" + _REG_WORD + r"\s*:?\s*)(?P<value>\d{4}[\s,;:/\-]*(?:" + _ACCOUNT_WORD
    + r"\s*:?\s*)?\d{6,10})" + _END
    # 1234-1234567890 / 1234 1234567890
    + r"|" + _START + r"(?P<value2>(?!0045[ \-]?\d{8}(?!\d))\d{4}(?: |" + _DASH + r")\d{6,10})" + _END
    # account number 1234567890 / kontonummer: 1234567890
    + r"|(?P<lead3>\b" + _ACCOUNT_WORD + r"\s*(?:is|er|ist|es|jest)?\s*:?\s*)(?P<value3>\d{6,10})" + _END,
    re.IGNORECASE,
)

_CPR_RE = re.compile(
    _START + r"(?P<value>(?:0[1-9]|[12]\d|3[01])(?:0[1-9]|1[0-2])\d{2}(?:" + _DASH + r"| )?\d{4})" + _END
)

_PASSPORT_WORDS = (
    r"passport|passeport|pas|pass|pasnummer|pasnr|reisepass|reisepassnummer|paszport\w*|pasaporte|"
    r"pa[sș]aport\w*|паспорт\w*|جواز"
)
_PASSPORT_RE = re.compile(
    r"(?P<lead>(?<!\w)(?:" + _PASSPORT_WORDS + r")(?!\w)[^\d\n]{0,30}?)"
    r"(?P<value>(?<![\w\-])(?:(?-i:[A-Z]{1,3}) )?(?=(?:[A-Za-z]*\d){6})[A-Za-z0-9]{6,10})" + _END
    + r"|" + _START + r"(?P<value2>[A-Za-z]{1,2}\d{6,9})" + _END,
    re.IGNORECASE,
)

_PHONE_RE = re.compile(
    _START
    + r"(?P<value>"
    # Danish, with an optional +45 / 0045
    + r"(?:(?:\+|00)45[ \-]?)?(?!(?:19|20)\d\d (?:19|20)\d\d)[1-9]\d(?:(?: ?\d{2}){3}|(?:-\d{2}){3}|\d{2} \d{4})"
    # international: + or 00, a country code and 8-15 digits in all, single separators
    + r"|(?:\+|00)[1-9](?:[ \-./]?\(?\d\)?){7,14}"
    + r")"
    + _END
)


@dataclass(frozen=True)
class MaskResult:
    """The masked text and the kinds of personal data that were found.

    Attributes:
        text: The text with every match replaced by its placeholder, e.g. ``[CPR]``.
        kinds: The kinds found, sorted and without repetition, e.g. ``("CPR", "EMAIL")``.
    """

    text: str
    kinds: Tuple[str, ...]


def placeholder(kind: str) -> str:
    """The text that replaces personal data of ``kind``, e.g. ``[CPR]``."""
    return f"[{kind}]"


def canonical(value: str) -> str:
    """A comparable form of an e-mail address or a number, for the ``keep`` set.

    E-mail addresses are lower-cased; numbers keep only their digits, without a leading ``00``
    and without Denmark's ``45`` in front of an 8-digit number, so "+45 99 31 15 30",
    "0045 99311530" and "99 31 15 30" compare equal.

    Args:
        value: An e-mail address or a number as written.

    Returns:
        The canonical form.
    """
    value = value.strip()
    if "@" in value:
        return value.lower()
    digits = re.sub(r"\D", "", value)
    if value.startswith("00"):
        digits = digits[2:]
    if len(digits) == 10 and digits.startswith("45") and (value.startswith("+") or value.startswith("00")):
        digits = digits[2:]
    return digits


def keep_set(values: Iterable[str]) -> frozenset[str]:
    """The canonical forms of public values that :func:`mask_text` must leave as they are.

    Args:
        values: E-mail addresses and phone numbers as written (e.g. from the content).

    Returns:
        Their canonical forms.
    """
    return frozenset(canonical(value) for value in values if value and value.strip())


def _replacer(kind: str, keep: AbstractSet[str], found: List[str]) -> Callable[[re.Match[str]], str]:
    """A ``re.sub`` callback that replaces the match's value group by ``kind``'s placeholder."""

    def replace(match: re.Match[str]) -> str:
        groups = match.groupdict()
        name = next((name for name in _VALUE_GROUPS if groups.get(name)), None)
        value, start = (match.group(0), match.start()) if name is None else (match.group(name), match.start(name))
        if canonical(value) in keep or (kind == IBAN and not _is_iban_like(value)):
            return match.group(0)
        found.append(kind)
        whole, offset = match.group(0), start - match.start()
        return whole[:offset] + placeholder(kind) + whole[offset + len(value):]

    return replace


#: IBAN length per country (SWIFT's IBAN registry).
_IBAN_LENGTHS: Dict[str, int] = {
    code: int(length)
    for code, length in (
        item.split(":")
        for item in (
            "AD:24 AE:23 AL:28 AT:20 AZ:28 BA:20 BE:16 BG:22 BH:22 BI:27 BR:29 BY:28 CH:21 CR:22 CY:28 "
            "CZ:24 DE:22 DJ:27 DK:18 DO:28 EE:20 EG:29 ES:24 FI:18 FK:18 FO:18 FR:27 GB:22 GE:22 GI:23 "
            "GL:18 GR:27 GT:28 HR:21 HU:28 IE:22 IL:23 IQ:23 IS:26 IT:27 JO:30 KW:30 KZ:20 LB:28 LC:32 "
            "LI:21 LT:20 LU:20 LV:21 LY:25 MC:27 MD:24 ME:22 MK:19 MN:20 MR:27 MT:31 MU:30 NI:28 NL:18 "
            "NO:15 OM:23 PK:24 PL:28 PS:29 PT:25 QA:29 RO:24 RS:22 RU:33 SA:24 SC:31 SD:18 SE:24 SI:19 "
            "SK:24 SM:27 SO:23 ST:25 SV:28 TL:23 TN:24 TR:26 UA:29 VA:22 VG:24 XK:20 YE:30"
        ).split()
    )
}


def _is_iban_like(value: str) -> bool:
    """Whether an IBAN candidate has its country's length and at least 8 digits after the check digits."""
    compact = value.replace(" ", "").upper()
    return _IBAN_LENGTHS.get(compact[:2]) == len(compact) and sum(char.isdigit() for char in compact[4:]) >= 8


_VALUE_GROUPS = ("value", "value2", "value3")

#: Six digits anywhere in a text (any script's, as the patterns' \d): every pattern but the
#: e-mail's needs at least six to replace anything (an IBAN needs ten: the pattern matches with
#: fewer, but such a candidate is left as it is, see _is_iban_like).
_SIX_DIGITS_RE = re.compile(r"\d(?:\D*\d){5}")
#: Identifiers Rasa writes into every event (message and model ids: uuid4().hex). A pattern can
#: only match a whole word here, and no kind has a 32-character form of hexadecimal characters
#: (the only 32-character IBAN is Saint Lucia's, "LC", not hexadecimal): never changed.
_HEX_ID_RE = re.compile(r"[0-9a-f]{32}")

#: (pattern, kind) in the order they are applied: e-mails first (their local part may hold
#: digits), IBANs and accounts before CPR numbers, CPR numbers (10 digits) before phone numbers.
_PASSES: Tuple[Tuple[Pattern[str], str], ...] = (
    (_EMAIL_RE, EMAIL),
    (_IBAN_RE, IBAN),
    (_ACCOUNT_RE, ACCOUNT),
    (_CPR_RE, CPR),
    (_PASSPORT_RE, PASSPORT),
    (_PHONE_RE, PHONE),
)


def mask_text(text: str, keep: AbstractSet[str] = frozenset()) -> MaskResult:
    """Replace personal data in ``text`` by placeholders naming its kind.

    Args:
        text: Free text, e.g. a user's message.
        keep: Canonical forms (:func:`keep_set`) of public values to leave unmasked.

    Returns:
        The masked text and the kinds found.
    """
    if "@" not in text and (_SIX_DIGITS_RE.search(text) is None or _HEX_ID_RE.fullmatch(text)):
        # Every pattern but the e-mail's needs six digits (\d: any script's), the e-mail's an "@":
        # most strings of an event (intent names, rankings, answers, times) are returned at once.
        return MaskResult(text=text, kinds=())
    found: List[str] = []
    for pattern, kind in _PASSES:
        text = pattern.sub(_replacer(kind, keep, found), text)
    return MaskResult(text=text, kinds=tuple(sorted(set(found))))
