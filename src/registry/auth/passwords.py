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


# The strength rule (README, "Users and permissions"), after NIST SP 800-63B: long
# enough, not the user's own name, not a password every guessing list starts with.
# No composition rules (digits, symbols): they push people to predictable patterns.
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024  # bcrypt sees a SHA-256 pre-hash, but the hashing stays bounded
# Passwords of 12+ characters that head the public breach lists (lower case).
COMMON_PASSWORDS = frozenset(
    {
        "123456789012",
        "1234567890123",
        "12345678901234",
        "123456123456",
        "111111111111",
        "000000000000",
        "123123123123",
        "password1234",
        "password12345",
        "password123456",
        "passwordpassword",
        "password!234",
        "p@ssw0rd1234",
        "passw0rd1234",
        "qwertyuiopasdfgh",
        "qwertyuiop12",
        "qwerty123456",
        "qwertyqwerty",
        "1q2w3e4r5t6y",
        "1qaz2wsx3edc",
        "zaq12wsxcde3",
        "asdfghjkl123",
        "iloveyou1234",
        "letmein12345",
        "welcome12345",
        "welcome123456",
        "administrator",
        "administrator1",
        "admin1234567",
        "adminadmin123",
        "changeme1234",
        "changemenow!",
        "correcthorsebatterystaple",
        "trustno1trustno1",
        "football1234",
        "baseball1234",
        "monkey123456",
        "dragon123456",
        "sunshine1234",
        "princess1234",
        "abcdefghijkl",
        "abc123abc123",
        "abcd1234abcd",
        "aaaaaaaaaaaa",
        "secretsecret",
        "mypassword123",
        "superman1234",
        "starwars1234",
    }
)


def password_problem(user_name: str, password: str) -> str | None:
    """Why `password` is too weak for `user_name`, or None when it passes the rule."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"the password must be at least {MIN_PASSWORD_LENGTH} characters long"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"the password must be at most {MAX_PASSWORD_LENGTH} characters long"
    folded = password.casefold()
    if folded == user_name.casefold():
        return "the password must not be the user name"
    if folded in COMMON_PASSWORDS or len(set(folded)) <= 2:
        return "the password is one of the most common passwords; choose another"
    return None
