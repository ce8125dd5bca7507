"""Migrations match the models; token use counting holds under concurrency."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from registry.db import search_index
from registry.db.models import Base
from registry.db.session import Database
from registry.domain.errors import Forbidden
from registry.services.container import Registry
from tests.conftest import ADMIN


def test_migrated_schema_matches_the_models(database_url: str) -> None:
    db = Database(database_url)
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"include_object": search_index.include_object}
        )
        diff = compare_metadata(context, Base.metadata)
    db.dispose()
    assert diff == []


def test_concurrent_requests_cannot_overspend_a_token(registry: Registry) -> None:
    registry.users.token_max_uses = 10
    token = registry.users.authenticate(ADMIN["name"], ADMIN["password"])

    def use(_: int) -> bool:
        try:
            registry.users.principal(token)
        except Forbidden:
            return False
        return True

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(use, range(25)))
    assert results.count(True) == 10
