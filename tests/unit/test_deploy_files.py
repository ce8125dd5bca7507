"""The deployment files keep their promises: the example settings cannot go live,
the build context holds only what the image needs, and every image is pinned."""

from __future__ import annotations

import fnmatch
import re
import secrets
from pathlib import Path

import pytest
import yaml

from registry.settings import Settings, SettingsError

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
_VARIABLE = re.compile(r"\$\$|\$\{(\w+)(?:(:?[-?])([^}]*))?\}")


def _dotenv(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        name, sep, value = line.partition("=")
        if sep and not name.startswith("#"):
            values[name.strip()] = value.strip()
    return values


def _interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's `${VAR}`, `${VAR:-default}`, `${VAR:?error}` and `$$`."""

    def one(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name, kind, default = match.groups()
        if env.get(name):
            return env[name]
        if kind and kind.endswith("?"):
            raise KeyError(f"compose refuses to start without {name}: {default}")
        return default or ""

    return _VARIABLE.sub(one, value)


def _registry_environment(dotenv: dict[str, str]) -> dict[str, str]:
    """The environment the Compose stack gives each registry replica."""
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    declared = compose["services"]["registry"]["environment"]
    return {name: _interpolate(str(value), dotenv) for name, value in declared.items()}


def test_the_example_settings_are_refused_in_production() -> None:
    env = _registry_environment(_dotenv(DEPLOY / ".env.example"))
    assert env["FLASK_ENV"] == "production"
    with pytest.raises(SettingsError) as refused:
        Settings.from_env(env)
    for variable in ("SECRET_KEY", "JWT_SECRET", "REGISTRY_ADMIN_PASSWORD"):
        assert variable in str(refused.value)


def test_the_example_with_real_secrets_makes_a_working_configuration() -> None:
    dotenv = {
        name: secrets.token_hex(24) if value == "CHANGE-ME" else value
        for name, value in _dotenv(DEPLOY / ".env.example").items()
    }
    settings = Settings.from_env(_registry_environment(dotenv))
    assert settings.is_production
    assert settings.database_url == (
        f"postgresql://registry:{dotenv['POSTGRES_PASSWORD']}@postgres:5432/registry"
    )
    assert (settings.aws_s3_bucket, settings.aws_endpoint_url) == (
        "model-registry",
        "http://minio:9000",
    )


def test_compose_refuses_to_start_without_the_secrets() -> None:
    with pytest.raises(KeyError, match="JWT_SECRET"):
        _registry_environment({"SECRET_KEY": "x" * 32})
    with pytest.raises(KeyError, match="REGISTRY_ADMIN_PASSWORD"):
        _registry_environment({"SECRET_KEY": "x" * 32, "JWT_SECRET": "y" * 32})


def _ignored(path: str, patterns: list[str]) -> bool:
    """Docker's rule for the patterns used here: the last pattern that matches the path
    or one of its parent folders decides, and `!` includes again."""
    parts = path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    verdict = False
    for pattern in patterns:
        glob = pattern.removeprefix("!")
        globs = [glob, glob.removeprefix("**/")]  # `**/x` also matches x at the top
        if any(fnmatch.fnmatchcase(p, g) for p in prefixes for g in globs):
            verdict = not pattern.startswith("!")
    return verdict


def test_the_build_context_holds_only_what_the_image_copies() -> None:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    patterns = [ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")]
    copied = [
        source
        for line in (DEPLOY / "Dockerfile").read_text().splitlines()
        if line.startswith("COPY ") and "--from" not in line
        for source in line.split()[1:-1]
    ]
    assert copied, "the Dockerfile copies the sources"
    for source in copied:
        assert not _ignored(source, patterns), source
    assert not _ignored("src/registry/app.py", patterns)
    for kept_out in (
        ".venv/bin/python",
        "var/registry.db",
        ".git/HEAD",
        "deploy/.env",
        "tests/conftest.py",
        "src/registry/__pycache__/app.cpython-311.pyc",
        ".mypy_cache/3.11/x.json",
    ):
        assert _ignored(kept_out, patterns), kept_out


def _images() -> list[str]:
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    images = [svc["image"] for svc in compose["services"].values() if "image" in svc]
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    images += re.findall(r"^ARG \w+_IMAGE=(\S+)", dockerfile, re.MULTILINE)
    return images


def test_every_third_party_image_is_pinned_by_version() -> None:
    third_party = [image for image in _images() if not image.startswith("model-registry:")]
    assert len(third_party) >= 5
    for image in third_party:
        _, _, tag = image.partition(":")
        assert tag and tag != "latest" and re.search(r"\d", tag), image
