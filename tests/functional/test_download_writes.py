"""A download is a read: one short write transaction (token use + audit event), none
for the audit when the client already holds the bytes (304)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import event, select

from registry.db.models import AuditEventRow
from registry.services.container import Registry
from tests.conftest import BERT, Api, MakeApi


@dataclass
class Writes:
    transactions: int = 0
    statements: list[str] = field(default_factory=list)


@contextmanager
def counting_writes(registry: Registry) -> Iterator[Writes]:
    """Write transactions begun and data-changing statements run, on either backend."""
    seen = Writes()
    engine = registry.db.engine

    def on_begin(conn: Any) -> None:
        seen.transactions += bool(conn.get_execution_options().get("registry_write"))

    def on_execute(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        words = statement.split()
        if words and words[0].upper() in {"INSERT", "UPDATE", "DELETE"}:
            table = words[2] if words[0].upper() in {"INSERT", "DELETE"} else words[1]
            seen.statements.append(f"{words[0].upper()} {table}")

    event.listen(engine, "begin", on_begin)
    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        yield seen
    finally:
        event.remove(engine, "begin", on_begin)
        event.remove(engine, "before_cursor_execute", on_execute)


def _downloads(registry: Registry) -> list[tuple[str, str]]:
    with registry.db.read() as session:
        rows = session.execute(
            select(AuditEventRow.artifact_id, AuditEventRow.user_name)
            .where(AuditEventRow.action == "DOWNLOAD")
            .order_by(AuditEventRow.id)
        ).all()
    return [(a, u) for a, u in rows]


def test_a_download_is_one_write_holding_the_token_use_and_the_audit_event(
    api: Api, registry: Registry, caplog: pytest.LogCaptureFixture
) -> None:
    art = api.ingest("model", BERT)
    ident, path = art["metadata"]["id"], api.download_path(art)
    with counting_writes(registry) as writes:
        full = api.call("GET", path)
    assert full.status_code == 200
    assert writes.transactions == 1
    assert sorted(writes.statements) == ["INSERT audit_events", "UPDATE tokens"]
    assert _downloads(registry) == [(ident, "ece30861defaultadminuser")]
    # The access log names the caller, though no before_request hook authenticated it.
    logged = [
        r.msg
        for r in caplog.records
        if isinstance(r.msg, dict) and r.msg.get("event") == "request"
        if r.msg.get("request_id") == full.headers["X-Request-ID"]
    ]
    assert [m["user"] for m in logged] == ["ece30861defaultadminuser"]

    with counting_writes(registry) as writes:
        parts = api.call("GET", path + "?part=config")
    assert parts.status_code == 200
    assert writes.transactions == 1
    assert sorted(writes.statements) == ["INSERT audit_events", "UPDATE tokens"]
    assert len(_downloads(registry)) == 2


def test_a_304_counts_the_token_use_but_records_no_download(api: Api, registry: Registry) -> None:
    art = api.ingest("model", BERT)
    path = api.download_path(art)
    etag = api.call("GET", path).headers["ETag"]
    parts_etag = api.call("GET", path + "?part=config").headers["ETag"]
    before = _downloads(registry)
    for url, tag in ((path, etag), (path + "?part=config", parts_etag)):
        with counting_writes(registry) as writes:
            resp = api.call("GET", url, headers={"If-None-Match": tag})
        assert resp.status_code == 304
        assert writes.transactions == 1
        assert writes.statements == ["UPDATE tokens"]
    assert _downloads(registry) == before


def test_a_download_of_an_unknown_id_spends_a_use_and_records_nothing(
    make_api: MakeApi,
) -> None:
    api, reg = make_api(token_max_uses=3)  # the login itself spends none
    assert api.call("GET", "/download/4242424242").status_code == 404
    assert api.call("GET", "/download/4242424242").status_code == 404
    assert api.call("GET", "/download/4242424242").status_code == 404
    spent = api.call("GET", "/download/4242424242")
    assert spent.status_code == 403
    assert "used up" in spent.get_json()["message"]
    assert _downloads(reg) == []


def test_a_stored_rating_read_is_one_write_holding_the_token_use_and_the_rate_event(
    api: Api, registry: Registry
) -> None:
    model = api.ingest("model", BERT)["metadata"]["id"]
    first = api.call("GET", f"/artifact/model/{model}/rate")  # computes and stores it
    assert first.status_code == 200
    with counting_writes(registry) as writes:
        again = api.call("GET", f"/artifact/model/{model}/rate")
    assert again.status_code == 200
    assert again.get_json() == first.get_json()
    assert writes.transactions == 1
    assert sorted(writes.statements) == ["INSERT audit_events", "UPDATE tokens"]


def test_a_rating_read_without_the_search_permission_spends_the_token_but_records_nothing(
    api: Api, registry: Registry
) -> None:
    model = api.ingest("model", BERT)["metadata"]["id"]
    made = api.call(
        "POST",
        "/users",
        json={
            "user": {"name": "downloader", "is_admin": False},
            "secret": {"password": "a-downloaders-passphrase"},
            "permissions": ["download"],
        },
    )
    assert made.status_code == 201, made.get_data(as_text=True)
    token = api.login("downloader", "a-downloaders-passphrase").get_json()
    with counting_writes(registry) as writes:
        refused = Api(api.client, token).call("GET", f"/artifact/model/{model}/rate")
    assert refused.status_code == 403
    assert refused.get_json()["details"]["missing_permission"] == "search"
    assert sorted(writes.statements) == ["UPDATE tokens"]
    with registry.db.read() as session:
        rated = session.scalars(
            select(AuditEventRow.id).where(AuditEventRow.action == "RATE")
        ).all()
    assert rated == []
