"""The file gunicorn loads (`gunicorn --config python:registry.gunicorn_conf`).

Gunicorn reads its settings from this module's globals, by name; they come from the
same environment variables as the app's own settings (see `registry.serving`).
"""

from registry.serving import gunicorn_options
from registry.settings import Settings, SettingsError

try:
    globals().update(gunicorn_options(Settings.from_env()))
except SettingsError as exc:
    # A one-line reason, not a traceback, when gunicorn is started by hand.
    raise SystemExit(f"registry: {exc}") from exc
