"""Rate limits on the expensive operations (ingest, regex search, rating), per token and
per client address, counted across every worker and instance (registry.limits)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import g

from registry.api.common import client_address, credential, registry

F = TypeVar("F", bound=Callable[..., Any])


def limited(operation: str) -> Callable[[F], F]:
    """Count one `operation` before the view runs; 429 with Retry-After beyond the limit
    (RATE_LIMIT_<OPERATION>_PER_MINUTE)."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            limiter = registry().rate_limits
            if limiter is not None:
                caller = g.get("principal")
                # Views that count the token use themselves have no principal yet.
                token_id = caller.token_id if caller is not None else credential().token_id
                limiter.check(operation, token_id, client_address())
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorate
