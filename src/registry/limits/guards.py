"""The limits themselves: per-minute rate limits, failed sign-ins, ingest slots and the
bcrypt gate. Each refusal is a 429 whose Retry-After says when there is room again.

Counting is in fixed one-minute windows of the shared store (`registry.limits.stores`),
so a limit holds across every worker and instance. Keys name a hash of the user name,
token or address, never the value itself.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from registry.domain.errors import TooManyRequests
from registry.limits.stores import LimitStore
from registry.settings import Settings

Clock = Callable[[], float]


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "replace")).hexdigest()[:24]


def _minute(at: float) -> int:
    return int(at // 60)


def _to_next_minute(at: float) -> int:
    return max(1, math.ceil(60 - at % 60))


@dataclass(frozen=True)
class RateLimits:
    """Requests per minute for each expensive operation, per token; an address may make
    `address_factor` times as many (several users behind one address)."""

    per_minute: dict[str, int]
    address_factor: int
    enabled: bool = True


class RateLimiter:
    def __init__(self, store: LimitStore, limits: RateLimits, clock: Clock = time.time) -> None:
        self.store = store
        self.limits = limits
        self.clock = clock

    @classmethod
    def from_settings(cls, store: LimitStore, settings: Settings) -> RateLimiter:
        per_minute = {
            "ingest": settings.rate_limit_ingest_per_minute,
            "search": settings.rate_limit_search_per_minute,
            "rating": settings.rate_limit_rating_per_minute,
        }
        return cls(
            store,
            RateLimits(
                per_minute, settings.rate_limit_address_factor, settings.rate_limits_enabled
            ),
        )

    def check(self, operation: str, token_id: str | None, address: str | None) -> None:
        """Count one `operation` for the token and the address; 429 beyond their limits."""
        limit = self.limits.per_minute.get(operation)
        if not self.limits.enabled or limit is None:
            return
        now = self.clock()
        minute = _minute(now)
        scopes = []
        if token_id:
            scopes.append(("token", token_id, limit))
        if address:
            scopes.append(("address", address, limit * self.limits.address_factor))
        for scope, who, cap in scopes:
            count = self.store.add(f"rate|{operation}|{scope}|{_digest(who)}", minute)
            if count > cap:
                raise TooManyRequests(
                    f"too many {operation} requests from this {scope}: at most {cap} a minute "
                    f"(RATE_LIMIT_{operation.upper()}_PER_MINUTE"
                    + (" x RATE_LIMIT_ADDRESS_FACTOR" if scope == "address" else "")
                    + "); retry after the Retry-After seconds",
                    retry_after=_to_next_minute(now),
                    limit=cap,
                    scope=scope,
                )


@dataclass(frozen=True)
class LoginLimits:
    failures_per_user: int
    failures_per_address: int
    window_seconds: int


class LoginGuard:
    """Failed sign-ins per user name and per client address over a sliding window of
    whole minutes: at the limit, further attempts are refused (429) before any password
    is checked, until the oldest failures leave the window."""

    def __init__(self, store: LimitStore, limits: LoginLimits, clock: Clock = time.time) -> None:
        self.store = store
        self.limits = limits
        self.clock = clock

    @classmethod
    def from_settings(cls, store: LimitStore, settings: Settings) -> LoginGuard:
        limits = LoginLimits(
            failures_per_user=settings.login_failures_per_user,
            failures_per_address=settings.login_failures_per_address,
            window_seconds=settings.login_failure_window_seconds,
        )
        return cls(store, limits)

    def _keys(self, name: str, address: str | None) -> list[tuple[str, str, int]]:
        keys = [("user name", f"login|user|{_digest(name)}", self.limits.failures_per_user)]
        if address:
            keys.append(
                ("address", f"login|address|{_digest(address)}", self.limits.failures_per_address)
            )
        return keys

    def _window(self, now: float) -> tuple[int, int]:
        last = _minute(now)
        return last - math.ceil(self.limits.window_seconds / 60) + 1, last

    def before(self, name: str, address: str | None) -> None:
        now = self.clock()
        first, last = self._window(now)
        for what, key, cap in self._keys(name, address):
            counts = self.store.counts(key, first, last)
            if sum(counts.values()) < cap:
                continue
            # Room returns when enough of the oldest minutes have left the window.
            excess = sum(counts.values()) - cap + 1
            for minute in sorted(counts):
                excess -= counts[minute]
                if excess <= 0:
                    break
            retry = (minute - first + 1) * 60 - now % 60
            raise TooManyRequests(
                f"too many failed sign-ins for this {what}: at most {cap} in "
                f"{self.limits.window_seconds} s (LOGIN_FAILURES_PER_"
                f"{'USER' if what == 'user name' else 'ADDRESS'}); retry after the "
                "Retry-After seconds",
                retry_after=math.ceil(retry),
            )

    def failed(self, name: str, address: str | None) -> None:
        minute = _minute(self.clock())
        for _, key, _ in self._keys(name, address):
            self.store.add(key, minute)

    def succeeded(self, name: str) -> None:
        """The right password: the name's earlier failures are forgiven (not the address's)."""
        first, last = self._window(self.clock())
        self.store.clear(self._keys(name, None)[0][1], first, last)


class IngestSlots:
    """At most `per_user` ingests of one user and `total` of everyone at once. A slot is a
    lease that expires `lease_seconds` after it was taken (longer than an ingest may run),
    so a crashed worker's slots come back by themselves."""

    def __init__(
        self,
        store: LimitStore,
        *,
        total: int,
        per_user: int,
        lease_seconds: float,
        clock: Clock = time.time,
    ) -> None:
        self.store = store
        self.total = total
        self.per_user = per_user
        self.lease_seconds = lease_seconds
        self.clock = clock

    @classmethod
    def from_settings(cls, store: LimitStore, settings: Settings) -> IngestSlots:
        return cls(
            store,
            total=settings.ingest_max_concurrent,
            per_user=settings.ingest_max_per_user,
            # Longer than an ingest may run, so only a crashed worker's slot expires.
            lease_seconds=settings.ingest_deadline_seconds + 60,
        )

    @contextmanager
    def hold(self, user_id: int) -> Iterator[None]:
        lease = uuid.uuid4().hex
        scopes = [(f"ingest:user:{user_id}", self.per_user), ("ingest:all", self.total)]
        full = self.store.acquire(lease, scopes, self.clock() + self.lease_seconds)
        if full is not None:
            mine = full != "ingest:all"
            raise TooManyRequests(
                f"{self.per_user if mine else self.total} ingests are running "
                + ("for this user" if mine else "in the registry")
                + " already, the most allowed at once (INGEST_MAX_"
                + ("PER_USER" if mine else "CONCURRENT")
                + "); retry when one has finished",
                retry_after=10,
            )
        try:
            yield
        finally:
            self.store.release(lease)


class BcryptGate:
    """At most `slots` password checks at once in this process: bcrypt is deliberately
    slow, so parallel sign-ins would otherwise take every core from other requests. A
    check waits `wait_seconds` for a slot, then is refused (429, retry in a second)."""

    def __init__(self, slots: int, wait_seconds: float = 1.0) -> None:
        self._slots = threading.BoundedSemaphore(slots)
        self.slots = slots
        self.wait_seconds = wait_seconds

    @contextmanager
    def slot(self) -> Iterator[None]:
        if not self._slots.acquire(timeout=self.wait_seconds):
            raise TooManyRequests(
                f"too many sign-ins are being checked at once (BCRYPT_MAX_CONCURRENT="
                f"{self.slots} per server process); retry in a moment",
                retry_after=1,
            )
        try:
            yield
        finally:
            self._slots.release()
