"""The HTTP API: blueprints and error mapping.

Protected blueprints authenticate in their own before_request hook
(`common.authenticate_request`); `system.public` needs no token.
"""

from __future__ import annotations

from flask import Flask

from registry.api import artifacts, download, hub, system
from registry.api.errors import register_error_handlers


def register_api(app: Flask) -> None:
    for bp in (artifacts.bp, download.bp, hub.bp, system.admin, system.public):
        app.register_blueprint(bp)
    register_error_handlers(app)
