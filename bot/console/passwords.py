"""Staff passwords: argon2id hashes (``argon2-cffi``), a minimum length, nothing stored in clear.

Hashing and verifying are deliberately slow (tens of milliseconds, 64 MiB); the web app calls
them in a worker thread, never on the event loop.
"""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024
#: zxcvbn's score from 0 (too guessable) to 4; 3 is "safely unguessable" against an online attack
#: and gives moderate protection against an offline one (docs/decisions.md, issue #21).
MIN_STRENGTH = 3
#: zxcvbn's run time grows with the length; the first 128 characters decide well enough.
STRENGTH_CHARS = 128


class PasswordError(ValueError):
    """A password that does not meet the rules; the message says which rule."""


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    return PasswordHasher()  # argon2id with the library's current recommended parameters


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher().hash("not-a-password-of-anyone")


def check_password_rules(password: str) -> None:
    """Raise :class:`PasswordError` unless the password is acceptable.

    Args:
        password: The proposed password.

    Raises:
        PasswordError: If it is shorter than 12 or longer than 1024 characters, or too easy to
            guess (zxcvbn's score below :data:`MIN_STRENGTH`: "aaaaaaaaaaaa", "password1234").
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise PasswordError(f"the password must have at most {MAX_PASSWORD_LENGTH} characters")
    from zxcvbn import zxcvbn  # 23 ms to import: only where passwords are set

    estimate = zxcvbn(password[:STRENGTH_CHARS])
    if int(estimate["score"]) < MIN_STRENGTH:
        feedback = estimate.get("feedback") or {}
        hints = [str(feedback.get("warning") or "")] + [str(item) for item in feedback.get("suggestions") or []]
        advice = " ".join(hint for hint in hints if hint)
        raise PasswordError("the password is too easy to guess" + (f": {advice}" if advice else "")
                            + " A few unrelated words make a strong one.")


def hash_password(password: str) -> str:
    """The argon2id hash of an acceptable password (checks the rules first)."""
    check_password_rules(password)
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches ``password_hash``.

    With no hash (unknown user) a dummy hash is verified anyway, so that the time taken does
    not tell whether a user name exists.

    Args:
        password_hash: The stored hash, or None.
        password: The typed password.

    Returns:
        True when it matches.
    """
    if len(password) > MAX_PASSWORD_LENGTH:
        return False
    try:
        if password_hash is None:
            _hasher().verify(_dummy_hash(), password + "\x00")
            return False
        return bool(_hasher().verify(password_hash, password))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
