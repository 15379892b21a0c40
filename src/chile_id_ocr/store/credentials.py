"""The server's secrets: the master key, derived secret keys and token keys, password hashes.

Secret keys (SK) are never stored. Each is derived when needed as HMAC-SHA256(master key, AK + per-key random
salt); the database holds only the salt. The master key comes from ``CHILE_ID_OCR_MASTER_KEY`` or, when that is
unset, from ``master.key`` in the data directory (created on first start, mode 0600). Passwords are stored as
argon2id hashes.

>>> key = MasterKey(b"k" * 32)
>>> key.secret_key("AK", "salt") == key.secret_key("AK", "salt") != key.secret_key("AK", "other")
True
>>> len(key.secret_key("AK", "salt"))
40
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_HASHER = PasswordHasher()
_AK_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


class MasterKey:
    """The root secret from which secret keys and the token signing key are derived."""

    def __init__(self, key: bytes) -> None:
        if len(key) < 32:
            raise ValueError("the master key must be at least 32 bytes")
        self._key = key

    @classmethod
    def load(cls, configured: str | None, data_dir: Path) -> MasterKey:
        """From the configured value (base64 or text), else from ``data_dir/master.key``, created when missing."""
        if configured:
            return cls(_decode_key(configured))
        path = data_dir / "master.key"
        if not path.exists():
            data_dir.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode() + "\n")
        return cls(_decode_key(path.read_text().strip()))

    def _derive(self, purpose: str) -> bytes:
        return hmac.new(self._key, purpose.encode(), hashlib.sha256).digest()

    def secret_key(self, ak: str, salt: str) -> str:
        """The SK of an access key: 40 characters, as the cloud's."""
        digest = hmac.new(self._derive("secret-key"), f"{ak}:{salt}".encode(), hashlib.sha256).digest()
        return base64.b32encode(digest).decode()[:40]

    def token_key(self) -> bytes:
        return self._derive("token")


def _decode_key(value: str) -> bytes:
    try:
        decoded = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except ValueError:
        decoded = b""
    return decoded if len(decoded) >= 32 else value.encode()


def new_access_key() -> tuple[str, str]:
    """A fresh AK (20 upper-case letters and digits, as the cloud's) and its salt."""
    return "".join(secrets.choice(_AK_ALPHABET) for _ in range(20)), secrets.token_hex(16)


def new_password() -> str:
    return secrets.token_urlsafe(18)


def new_id() -> str:
    return secrets.token_hex(16)


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


_DUMMY_HASH: list[str] = []


def verify_no_user(password: str) -> bool:
    """Spend what ``verify_password`` spends, for a user that does not exist (so timing tells no user names);
    always False."""
    if not _DUMMY_HASH:
        _DUMMY_HASH.append(_HASHER.hash(secrets.token_urlsafe(18)))
    verify_password(_DUMMY_HASH[0], password)
    return False


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
