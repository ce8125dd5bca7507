"""The HTTP API: blueprints, the access hook and error mapping.

Every route declares who may call it (`registry.api.access`); one before_request hook
authenticates and checks that declaration for all of them.
"""

from __future__ import annotations

from flask import Flask

from registry.api import (
    access,
    artifacts,
    audit,
    download,
    groups,
    headers,
    hub,
    monitors,
    system,
    users,
)
from registry.api.errors import register_error_handlers


def register_api(app: Flask, cors_origins: tuple[str, ...] = ()) -> None:
    headers.install(app, cors_origins)  # first: a CORS preflight carries no token
    access.install(app)
    for bp in (
        artifacts.bp,
        audit.bp,
        download.bp,
        groups.bp,
        hub.bp,
        monitors.bp,
        system.bp,
        users.bp,
    ):
        app.register_blueprint(bp)
    register_error_handlers(app)
