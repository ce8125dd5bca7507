"""Keyset pagination, shared by every listing (/artifacts, /audit, /users).

A page is the rows strictly after a position (a row's ever-growing key); the position of
its last row is the next page's `offset`, absent on the last page. Positions, unlike
counts, stay right while rows are added or deleted between two calls.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from registry.domain.errors import PayloadTooLarge

T = TypeVar("T")


def page_size(limit: int | None, default: int, maximum: int, what: str) -> int:
    """The number of rows to return; 413 beyond `maximum`."""
    size = default if limit is None else limit
    if size > maximum:
        raise PayloadTooLarge(
            f"a page of {size} {what} is too large; ask for at most {maximum} and follow "
            "the offset header"
        )
    return size


def cut(rows: Sequence[T], size: int, key: Callable[[T], int]) -> tuple[list[T], str | None]:
    """`rows` fetched with limit size + 1 -> (the page, the next offset or None)."""
    page = list(rows[:size])
    more = len(rows) > size and bool(page)
    return page, (str(key(page[-1])) if more else None)
