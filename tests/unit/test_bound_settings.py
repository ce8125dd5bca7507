"""The bounded-work settings: derived defaults and the combinations refused."""

from __future__ import annotations

import pytest

from registry.settings import Settings, SettingsError


def test_the_ingest_deadline_follows_the_request_timeout_unless_set() -> None:
    assert Settings.from_env({}).ingest_deadline_seconds == 840
    assert Settings.from_env({"REQUEST_TIMEOUT_SECONDS": "120"}).ingest_deadline_seconds == 60
    assert Settings.from_env({"REQUEST_TIMEOUT_SECONDS": "90"}).ingest_deadline_seconds == 45
    assert Settings.from_env({"INGEST_DEADLINE_SECONDS": "90"}).ingest_deadline_seconds == 90


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"INGEST_DEADLINE_SECONDS": "900"}, "INGEST_DEADLINE_SECONDS (900 s) must be shorter"),
        ({"INGEST_DEADLINE_SECONDS": "0"}, "INGEST_DEADLINE_SECONDS must be a number of seconds"),
        ({"INGEST_MAX_PER_USER": "9"}, "INGEST_MAX_PER_USER (9) must not exceed"),
        ({"MAX_JSON_BYTES": str(2 << 20)}, "MAX_JSON_BYTES (2097152) must not exceed"),
        ({"MAX_JSON_DEPTH": "1"}, "MAX_JSON_DEPTH must be between 2 and 1000"),
        ({"RATE_LIMITS_ENABLED": "maybe"}, "RATE_LIMITS_ENABLED must be true or false"),
        ({"BCRYPT_MAX_CONCURRENT": "0"}, "BCRYPT_MAX_CONCURRENT must be between 1 and 64"),
    ],
)
def test_unworkable_bounds_are_refused_by_name(env: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError, match=named.replace("(", r"\(").replace(")", r"\)")):
        Settings.from_env(env)
