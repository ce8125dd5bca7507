"""Server-rendered pages for people (Jinja2, plain CSS, a little vanilla JavaScript).

Every asset is served by the registry itself (no CDN), so the pages work offline and
behind a firewall. The sign-in, session and CSRF protection in `auth` serve every
page; `pages` holds the blueprint, the sign-in and the administrators' dashboard;
`browse` the home and search pages, `artifact` an artifact's page and its actions,
`ingest` the form that adds artifacts and `admin` the users, groups and reset.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask

# Each page module adds its routes to the one blueprint when imported.
from registry.web import admin, artifact, browse, ingest  # noqa: F401
from registry.web.auth import configure_sessions
from registry.web.pages import bp


def register_web(app: Flask, session_lifetime: timedelta) -> None:
    configure_sessions(app, session_lifetime)
    app.register_blueprint(bp)
