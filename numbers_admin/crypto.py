"""Encryption of upstream tokens at rest (Fernet, with key rotation through MultiFernet)."""

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class TokenUnreadable(Exception):
    """The stored token was written with a key that is no longer in TOKEN_ENCRYPTION_KEYS."""


def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key) for key in settings.TOKEN_ENCRYPTION_KEYS])


def encrypt_token(plain: str) -> str:
    return _fernet().encrypt(plain.encode()).decode()


def decrypt_token(stored: str) -> str:
    try:
        return _fernet().decrypt(stored.encode()).decode()
    except InvalidToken:
        raise TokenUnreadable(
            "The saved token cannot be decrypted with the current TOKEN_ENCRYPTION_KEYS; "
            "enter the token again or restore the old key."
        ) from None


def reencrypt_token(stored: str) -> str:
    """Re-encrypt with the newest key (the first in TOKEN_ENCRYPTION_KEYS)."""
    try:
        return _fernet().rotate(stored.encode()).decode()
    except InvalidToken:
        raise TokenUnreadable(
            "A saved token cannot be decrypted with any configured key."
        ) from None
