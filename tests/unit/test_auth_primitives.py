from datetime import UTC, datetime, timedelta

from registry.auth import tokens
from registry.auth.passwords import hash_password, verify_password

SPEC_PASSWORD = "correcthorsebatterystaple123(!__+@**(A'\"`;DROP TABLE artifacts;"


def test_password_hash_verifies_only_the_same_password() -> None:
    hashed = hash_password(SPEC_PASSWORD, 4)
    assert hashed.startswith("$2")
    assert SPEC_PASSWORD not in hashed
    assert verify_password(SPEC_PASSWORD, hashed)
    assert not verify_password(SPEC_PASSWORD[:-1], hashed)


def test_every_byte_of_a_long_password_counts() -> None:
    long = "x" * 100
    hashed = hash_password(long, 4)
    assert not verify_password("x" * 99 + "y", hashed)


def test_garbage_hash_never_verifies() -> None:
    assert not verify_password("pw", "not-a-bcrypt-hash")


def test_token_round_trip_and_tampering() -> None:
    now = datetime.now(UTC)
    issued = tokens.issue("s" * 32, 7, "alice", now, timedelta(hours=1))
    assert issued.value.startswith("bearer ")
    assert tokens.decode("s" * 32, issued.value, now) == issued.token_id
    assert tokens.decode("s" * 32, issued.value.removeprefix("bearer "), now) == issued.token_id
    assert tokens.decode("s" * 32, "Bearer " + issued.value[7:], now) == issued.token_id
    assert tokens.decode("t" * 32, issued.value, now) is None
    assert tokens.decode("s" * 32, issued.value[:-2] + "xx", now) is None
    assert tokens.decode("s" * 32, None, now) is None
    assert tokens.decode("s" * 32, "bearer", now) is None


def test_expired_token_is_refused_by_the_registrys_clock() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    issued = tokens.issue("s" * 32, 7, "alice", now, timedelta(hours=1))
    assert tokens.decode("s" * 32, issued.value, now + timedelta(minutes=59)) == issued.token_id
    assert tokens.decode("s" * 32, issued.value, now + timedelta(hours=1)) is None
