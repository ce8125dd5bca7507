"""WSGI entry point for gunicorn: `gunicorn registry.wsgi:app`.

Importing this module starts the registry (see `registry.startup`); nothing else
has side effects on import.
"""

from registry.startup import serving_app

app = serving_app()
