"""The rules one setting's value must follow, and how a variable's text is read.

`registry.settings` declares each field with `env(VARIABLE, default, check)`; the
checks here say, in words a person can act on, what is wrong with a value (or None).
"""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Callable
from dataclasses import field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

Check = Callable[[Any], str | None]  # the problem with a value, or None


class SettingsError(ValueError):
    """A configuration value is missing or malformed."""


def env(variable: str, default: Any, check: Check | None = None) -> Any:
    return field(default=default, metadata={"env": variable, "check": check})


def between(low: float, high: float = math.inf, unit: str = "") -> Check:
    def check(value: float) -> str | None:
        if isinstance(value, float) and not math.isfinite(value):
            return "must be a finite number"
        if low <= value <= high:
            return None
        span = f"at least {low:g}" if high == math.inf else f"between {low:g} and {high:g}"
        return f"must be {span}{unit}, got {value:g}"

    return check


def positive(unit: str) -> Check:
    def check(value: float) -> str | None:
        if not math.isfinite(value) or value <= 0:
            return f"must be a number of {unit} greater than 0, got {value:g}"
        return None

    return check


def one_of(*allowed: str) -> Check:
    def check(value: str) -> str | None:
        return None if value in allowed else f"must be one of {', '.join(allowed)}, got {value!r}"

    return check


def http_url(value: str | None) -> str | None:
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme in {"http", "https"} and parts.netloc:
        return None
    return f"must be an http(s) URL such as https://host.example, got {value!r}"


def networks(value: tuple[str, ...]) -> str | None:
    for network in value:
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError:
            return f"must be comma-separated networks such as 169.254.0.0/16, got {network!r}"
    return None


def origins(value: tuple[str, ...]) -> str | None:
    for origin in value:
        parts = urlsplit(origin)
        if origin == "*" or (
            parts.scheme in {"http", "https"}
            and parts.netloc
            and not parts.path
            and not parts.query
        ):
            continue
        return f"must be comma-separated origins such as https://app.example (or *), got {origin!r}"
    return None


def redis_url(value: str | None) -> str | None:
    if value is None or urlsplit(value).scheme in {"redis", "rediss", "unix"}:
        return None
    return f"must be a redis://host:6379/0 (or rediss://, unix://) URL, got {value!r}"


def optional_port(value: int | None) -> str | None:
    return None if value is None else between(1, 65535)(value)


def not_empty(value: str) -> str | None:
    return None if value else "must not be empty"


def proxy_networks(value: str) -> str | None:
    """Proxy addresses or networks (or `*`), checked the way gunicorn checks them, so a
    typo stops `registry serve` with the variable's name instead of gunicorn's traceback."""
    entries = [part.strip() for part in value.split(",") if part.strip()]
    if not entries:
        return "must name at least one address, network or *"
    for entry in entries:
        if entry == "*":
            continue
        try:
            ipaddress.ip_network(entry)  # strict: 10.0.0.1/16 is a mistake, 10.0.0.0/16 is not
        except ValueError:
            return (
                f"must list IP addresses or networks such as 10.0.0.0/16 (or be *), got {entry!r}"
            )
    return None


def parse(variable: str, kind: str, raw: str) -> Any:
    """Turn the text of `variable` into its field's type."""
    kind = kind.removesuffix(" | None")  # a variable that is set has a value
    if kind == "bool":
        value = raw.lower()
        if value in {"1", "true", "yes", "on"}:
            return True
        if value in {"0", "false", "no", "off"}:
            return False
        raise SettingsError(f"{variable} must be true or false, got {raw!r}")
    if kind == "int":
        try:
            return int(raw)
        except ValueError as exc:
            raise SettingsError(f"{variable} must be a whole number, got {raw!r}") from exc
    if kind == "float":
        try:
            return float(raw)
        except ValueError as exc:
            raise SettingsError(f"{variable} must be a number, got {raw!r}") from exc
    if kind == "Path":
        return Path(raw)
    if kind == "tuple[str, ...]":
        return tuple(item.strip() for item in raw.split(",") if item.strip())
    return raw
