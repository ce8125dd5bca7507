"""Token limits on a real database, with an injected clock: by count, by time, whichever
comes first; revocation; a deleted user's tokens; the default admin across restarts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from registry.domain.errors import Forbidden
from registry.services.container import Registry
from tests.conftest import ADMIN

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(registry: Registry) -> Clock:
    clock = Clock()
    registry.users.clock = clock
    registry.users.token_ttl = timedelta(hours=10)
    return clock


def _uses_left(registry: Registry, token: str, attempts: int) -> int:
    served = 0
    for _ in range(attempts):
        try:
            registry.users.principal(token)
        except Forbidden:
            break
        served += 1
    return served


# A thousand requests, once: the count is one conditional UPDATE on either database (its
# atomicity across processes is test_token_processes.py's, on PostgreSQL).
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_token_dies_after_its_last_allowed_call(registry: Registry, clock: Clock) -> None:
    registry.users.token_max_uses = 1000
    token = registry.users.authenticate(ADMIN["name"], ADMIN["password"])
    assert _uses_left(registry, token, 1001) == 1000
    with pytest.raises(Forbidden, match="used up"):
        registry.users.principal(token)


def test_a_token_dies_after_ten_hours_whatever_its_count(registry: Registry, clock: Clock) -> None:
    registry.users.token_max_uses = 1000
    token = registry.users.authenticate(ADMIN["name"], ADMIN["password"])
    clock.now = T0 + timedelta(hours=10) - timedelta(seconds=1)
    registry.users.principal(token)
    clock.now = T0 + timedelta(hours=10)
    with pytest.raises(Forbidden, match="expired"):
        registry.users.principal(token)


def test_a_fresh_token_is_not_limited_by_an_old_ones_count(
    registry: Registry, clock: Clock
) -> None:
    registry.users.token_max_uses = 3
    spent = registry.users.authenticate(ADMIN["name"], ADMIN["password"])
    assert _uses_left(registry, spent, 5) == 3
    clock.now = T0 + timedelta(hours=9)
    fresh = registry.users.authenticate(ADMIN["name"], ADMIN["password"])
    assert _uses_left(registry, fresh, 2) == 2
    clock.now = T0 + timedelta(hours=19) - timedelta(seconds=1)  # within the fresh one's 10 h
    assert _uses_left(registry, fresh, 5) == 1


def test_revoking_one_token_leaves_the_users_others(registry: Registry, clock: Clock) -> None:
    first = registry.users.authenticate(ADMIN["name"], ADMIN["password"])
    second = registry.users.authenticate(ADMIN["name"], ADMIN["password"])
    registry.users.revoke(registry.users.principal(first))
    with pytest.raises(Forbidden, match="revoked"):
        registry.users.principal(first)
    assert registry.users.principal(second).user.name == ADMIN["name"]


def test_the_default_admin_is_seeded_once_and_keeps_a_changed_password(
    registry: Registry,
) -> None:
    registry.users.seed()
    user = registry.users.principal(
        registry.users.authenticate(ADMIN["name"], ADMIN["password"])
    ).user
    assert user.is_admin
    with registry.db.transaction() as session:
        from registry.db.repositories import UserRepository

        row = UserRepository(session).get_by_name(ADMIN["name"])
        assert row is not None
        row.password_hash = registry.users.hash("a-changed-admin-passphrase")
    registry.users.seed()  # a restart
    registry.users.authenticate(ADMIN["name"], "a-changed-admin-passphrase")
    with pytest.raises(Exception, match="invalid"):
        registry.users.authenticate(ADMIN["name"], ADMIN["password"])
