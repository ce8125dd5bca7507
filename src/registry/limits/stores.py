"""Where limits are counted, shared by every worker and instance: the database (the
`stat_counters` table of the shared figures, under keys of kind `limit`, and the
`work_leases` table), or Redis when REDIS_URL is set.

Unlike the figures (buffered, written every few seconds), a limit is counted at once:
a request that would pass the limit must see every earlier one.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, Protocol

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from registry.db.models import StatCounterRow, WorkLeaseRow
from registry.db.session import Database

Scope = tuple[str, int]  # a scope of leases and how many it may hold at once


class LimitStore(Protocol):
    def add(self, key: str, minute: int, amount: int = 1) -> int:
        """Add to `key`'s count for `minute`; return the new count."""
        ...

    def counts(self, key: str, first: int, last: int) -> dict[int, int]:
        """`key`'s non-zero counts of the minutes first..last, by minute."""
        ...

    def clear(self, key: str, first: int, last: int) -> None:
        """Forget `key`'s counts of the minutes first..last."""

    def acquire(self, lease: str, scopes: Sequence[Scope], expires_at: float) -> str | None:
        """Hold `lease` in every scope, unless one is full of unexpired leases: then hold
        nothing and return that scope's name."""
        ...

    def release(self, lease: str) -> None: ...


def _counter_key(key: str) -> str:
    return f"limit|{key}"


class DatabaseLimits:
    def __init__(self, db: Database, clock: Any = time.time) -> None:
        self.db = db
        self.clock = clock

    def add(self, key: str, minute: int, amount: int = 1) -> int:
        insert = sqlite_insert if self.db.is_sqlite else pg_insert
        stmt = insert(StatCounterRow).values(minute=minute, key=_counter_key(key), value=amount)
        upsert = stmt.on_conflict_do_update(
            index_elements=["minute", "key"],
            set_={"value": StatCounterRow.value + stmt.excluded.value},
        ).returning(StatCounterRow.value)
        with self.db.transaction() as session:
            return int(session.execute(upsert).scalar_one())

    def counts(self, key: str, first: int, last: int) -> dict[int, int]:
        query = select(StatCounterRow.minute, StatCounterRow.value).where(
            StatCounterRow.key == _counter_key(key), StatCounterRow.minute.between(first, last)
        )
        with self.db.read() as session:
            return {int(m): int(v) for m, v in session.execute(query) if v}

    def clear(self, key: str, first: int, last: int) -> None:
        with self.db.transaction() as session:
            session.execute(
                delete(StatCounterRow).where(
                    StatCounterRow.key == _counter_key(key),
                    StatCounterRow.minute.between(first, last),
                )
            )

    def acquire(self, lease: str, scopes: Sequence[Scope], expires_at: float) -> str | None:
        # One lock for every scope: counting and inserting must not interleave with
        # another process doing the same, or both could take the last slot.
        with self.db.named_lock("leases"), self.db.transaction() as session:
            session.execute(delete(WorkLeaseRow).where(WorkLeaseRow.expires_at <= self.clock()))
            for scope, cap in scopes:
                held = session.execute(
                    select(func.count()).where(WorkLeaseRow.scope == scope)
                ).scalar_one()
                if held >= cap:
                    return scope
            for scope, _ in scopes:
                session.add(WorkLeaseRow(lease=lease, scope=scope, expires_at=expires_at))
            return None

    def release(self, lease: str) -> None:
        with self.db.transaction() as session:
            session.execute(delete(WorkLeaseRow).where(WorkLeaseRow.lease == lease))


# Atomic in Redis: drop expired leases of every scope, refuse if one is full, else add
# the lease to each. KEYS: the scopes' sorted sets; ARGV: lease, expiry, now, caps...
_ACQUIRE = """
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', ARGV[3])
  if redis.call('ZCARD', key) >= tonumber(ARGV[3 + i]) then return i end
end
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, ARGV[2], ARGV[1])
  redis.call('EXPIRE', key, math.ceil(tonumber(ARGV[2]) - tonumber(ARGV[3])) + 60)
end
return 0
"""


class RedisLimits:
    """Counters `<prefix>limit:<key>:<minute>` expiring after their window, and one
    sorted set of leases (scored by expiry) per scope, `<prefix>lease:<scope>`."""

    def __init__(self, client: Any, prefix: str = "registry:", clock: Any = time.time) -> None:
        self.redis = client
        self.prefix = prefix
        self.clock = clock
        self._acquire = client.register_script(_ACQUIRE)
        self._scopes: dict[str, list[str]] = {}

    def _key(self, key: str, minute: int) -> str:
        return f"{self.prefix}limit:{key}:{minute}"

    def add(self, key: str, minute: int, amount: int = 1) -> int:
        pipe = self.redis.pipeline(transaction=True)
        pipe.incrby(self._key(key, minute), amount)
        pipe.expire(self._key(key, minute), 2 * 86_400)  # longer than any window
        return int(pipe.execute()[0])

    def counts(self, key: str, first: int, last: int) -> dict[int, int]:
        minutes = list(range(first, last + 1))
        values = self.redis.mget([self._key(key, m) for m in minutes])
        return {m: int(v) for m, v in zip(minutes, values, strict=True) if v and int(v)}

    def clear(self, key: str, first: int, last: int) -> None:
        self.redis.delete(*[self._key(key, m) for m in range(first, last + 1)])

    def acquire(self, lease: str, scopes: Sequence[Scope], expires_at: float) -> str | None:
        keys = [f"{self.prefix}lease:{scope}" for scope, _ in scopes]
        caps = [cap for _, cap in scopes]
        full = int(self._acquire(keys=keys, args=[lease, expires_at, self.clock(), *caps]))
        if full:
            return scopes[full - 1][0]
        self._scopes[lease] = keys
        return None

    def release(self, lease: str) -> None:
        keys = self._scopes.pop(lease, [])
        if keys:
            pipe = self.redis.pipeline(transaction=False)
            for key in keys:
                pipe.zrem(key, lease)
            pipe.execute()
