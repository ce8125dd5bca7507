"""The registry app on a real loopback HTTP server in a thread, for clients that need HTTP
(huggingface_hub, transformers, the `hf` and `registry` commands); and the audit count
those tests check."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from sqlalchemy import func, select
from werkzeug.serving import WSGIRequestHandler, make_server

from registry.db.models import AuditEventRow
from registry.services.container import Registry


class _QuietHandler(WSGIRequestHandler):
    def log(self, type: str, message: str, *args: Any) -> None:
        pass


@contextmanager
def serve(app: Flask) -> Iterator[str]:
    """Serve `app` on an ephemeral port; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def downloads(registry: Registry, artifact_id: str) -> int:
    with registry.db.read() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(AuditEventRow)
                .where(AuditEventRow.action == "DOWNLOAD", AuditEventRow.artifact_id == artifact_id)
            )
            or 0
        )
