from datetime import UTC, datetime, timedelta

import jwt
import pytest

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


SECRET = "s" * 32
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def test_the_cost_asked_for_is_the_cost_used() -> None:
    assert hash_password("pw-123456", 4).startswith("$2b$04$")
    assert hash_password("pw-123456", 5).startswith("$2b$05$")


def test_a_token_carries_who_it_is_for_and_when_it_ends() -> None:
    issued = tokens.issue(SECRET, 7, "alice", NOW, timedelta(hours=10))
    claims = jwt.decode(
        issued.value.removeprefix("bearer "),
        SECRET,
        algorithms=["HS256"],
        options={"verify_exp": False},
    )
    assert claims == {
        "iss": "trustworthy-model-registry",
        "sub": "7",
        "name": "alice",
        "jti": issued.token_id,
        "iat": int(NOW.timestamp()),
        "exp": int(NOW.timestamp()) + 36000,
    }
    assert (issued.issued_at, issued.expires_at) == (NOW, NOW + timedelta(hours=10))
    assert len(issued.token_id) >= 32
    assert tokens.issue(SECRET, 7, "alice", NOW, timedelta(hours=1)).token_id != issued.token_id


def test_the_ways_clients_echo_a_token_back_are_all_accepted() -> None:
    issued = tokens.issue(SECRET, 7, "alice", datetime.now(UTC), timedelta(hours=1))
    bare = issued.value.removeprefix("bearer ")
    for sent in (f'"{issued.value}"', f"  {issued.value}  ", f"BEARER {bare}", f'"{bare}"'):
        assert tokens.decode(SECRET, sent, datetime.now(UTC)) == issued.token_id, sent


def _signed(claims: dict[str, object], algorithm: str = "HS256") -> str:
    return "bearer " + jwt.encode(claims, SECRET, algorithm=algorithm)


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
def test_tokens_the_registry_did_not_issue_are_refused() -> None:
    now = int(datetime.now(UTC).timestamp())
    good = {"iss": "trustworthy-model-registry", "sub": "7", "jti": "abc", "exp": now + 60}
    assert tokens.decode(SECRET, _signed(good), datetime.now(UTC)) == "abc"
    assert tokens.decode(SECRET, _signed(good, "HS512"), datetime.now(UTC)) is None  # algorithm
    assert (
        tokens.decode(SECRET, _signed({**good, "iss": "someone-else"}), datetime.now(UTC)) is None
    )
    assert tokens.decode(SECRET, _signed({**good, "jti": 5}), datetime.now(UTC)) is None
    for claim in ("exp", "jti", "sub", "iss"):
        partial = {k: v for k, v in good.items() if k != claim}
        assert tokens.decode(SECRET, _signed(partial), datetime.now(UTC)) is None, claim
