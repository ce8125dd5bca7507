"""Password hashing with bcrypt.

bcrypt reads at most 72 bytes of a password, and the spec's default password is
long and full of punctuation, so passwords are pre-hashed with SHA-256 (base64,
44 bytes) before bcrypt: every byte of a long password counts, and no NUL byte
can truncate it.
"""

from __future__ import annotations

import base64
import hashlib

import bcrypt


def _prehash(password: str) -> bytes:
    return base64.b64encode(hashlib.sha256(password.encode("utf-8")).digest())


def hash_password(password: str, rounds: int) -> str:
    return bcrypt.hashpw(_prehash(password), bcrypt.gensalt(rounds)).decode("ascii")


def verify_password(password: str, hashed: str) -> bool:
    try:
        return bcrypt.checkpw(_prehash(password), hashed.encode("ascii"))
    except ValueError:
        return False
