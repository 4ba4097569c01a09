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
        PasswordError: If it is shorter than 12 or longer than 1024 characters.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise PasswordError(f"the password must have at most {MAX_PASSWORD_LENGTH} characters")


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
