"""Encryption at rest of cadres' national ID numbers and phone numbers (等保三级: confidentiality
of personal information).

Values are encrypted with Fernet (AES-128-CBC + HMAC-SHA256, a fresh IV each time) under the keys
in ``FIELD_ENCRYPTION_KEYS``: the first key encrypts, every key decrypts, so a key is rotated by
putting a new one first and re-saving (``rotate_personal_data_key``). Because the ciphertext is
randomised it cannot be searched; an ID number is found through a keyed hash (HMAC-SHA256 under
``FIELD_HASH_KEY``) of the whole number, and of its last four characters for the "last digits"
search of the supervision file. Without the hash key neither digest reveals the number, and the
small space of four-character tails is useless without it.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# The supervision file finds a cadre by the tail of the ID number from this many characters on.
ID_TAIL_LENGTH = 4


@cache
def _fernet() -> MultiFernet:
    keys = settings.FIELD_ENCRYPTION_KEYS
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty")
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS must hold Fernet keys (32 random bytes, url-safe base64)") from exc


def reset_keys() -> None:
    """Forget the cached keys (after the settings changed, e.g. in a rotation test)."""
    _fernet.cache_clear()


def encrypt(text: str) -> str:
    return _fernet().encrypt(text.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken as exc:
        # A value that no configured key opens: the keys were changed without re-encrypting.
        raise ImproperlyConfigured("a stored personal value cannot be decrypted with FIELD_ENCRYPTION_KEYS") from exc


def rotate(token: str) -> str:
    """The same value encrypted under the current first key."""
    return _fernet().rotate(token.encode("ascii")).decode("ascii")


def _digest(purpose: str, text: str) -> str:
    key = settings.FIELD_HASH_KEY.encode("utf-8")
    return hmac.new(key, f"{purpose}:{text}".encode(), hashlib.sha256).hexdigest()


def normalise_id_number(number: str) -> str:
    return (number or "").strip().upper()


def id_number_digest(number: str) -> str:
    return _digest("id", normalise_id_number(number))


def id_tail_digest(tail: str) -> str:
    """The digest of an ID number's last ``ID_TAIL_LENGTH`` characters (of a longer tail, its end)."""
    return _digest("tail", normalise_id_number(tail)[-ID_TAIL_LENGTH:])
