"""`registry login | logout | pull | push`: commands that talk to a running registry.

The registry's address comes from REGISTRY_URL (or the last `registry login`), the
token from `registry login` (kept in $XDG_CONFIG_HOME/registry/token). Failures are
one line on stderr and exit status 1, never a traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click
from tqdm import tqdm

from registry.client import (
    ClientError,
    RegistryClient,
    Target,
    forget_login,
    registry_url,
    save_login,
    stored_token,
)
from registry.domain.errors import RegistryError
from registry.domain.models import ArtifactType, FileRole
from registry.settings import DEFAULT_ADMIN_NAME
from registry.sources.safety import safe_relpath


def _client() -> RegistryClient:
    token = stored_token()
    if token is None:
        raise click.ClickException("not logged in: run `registry login` first")
    return RegistryClient(registry_url(), token)


@click.command("login")
@click.option("--url", help="The registry's address (default: REGISTRY_URL, or the last login's).")
@click.option("--user", default=DEFAULT_ADMIN_NAME, show_default=True)
@click.password_option(confirmation_prompt=False, help="Asked for when not given.")
def login(url: str | None, user: str, password: str) -> None:
    """Get a token and keep it in $XDG_CONFIG_HOME/registry/token (mode 600)."""
    base = (url or registry_url()).rstrip("/")
    try:
        token = RegistryClient(base, None).login(user, password)
    except ClientError as exc:
        raise click.ClickException(str(exc)) from exc
    path = save_login(base, token)
    click.echo(f"logged in to {base} as {user}; token kept in {path}")


@click.command("logout")
def logout() -> None:
    """Revoke the kept token at the registry and forget it."""
    token = stored_token()
    if token is None:
        click.echo("not logged in")
        return
    try:
        RegistryClient(registry_url(), token).logout()
    except ClientError as exc:
        raise click.ClickException(f"{exc}; the token is kept, run logout again") from exc
    forget_login()
    click.echo(f"logged out of {registry_url()}; the token is revoked")


@click.command("pull")
@click.argument("name_or_id")
@click.option(
    "--part",
    "parts",
    multiple=True,
    type=click.Choice([r.value for r in FileRole]),
    help="Only these parts (repeatable): weights, config, tokenizer, code, data, docs.",
)
@click.option("--to", "target", type=click.Path(path_type=Path), help="Folder (default: ./NAME).")
def pull(name_or_id: str, parts: tuple[str, ...], target: Path | None) -> None:
    """Download an artifact's files (by id, name or upstream repo id), resuming and verifying.

    Each file's sha256 is checked against the registry's; an interrupted pull resumes
    where it stopped when run again.
    """
    client = _client()
    try:
        artifact_id, name = client.resolve(name_or_id)
        sha, files = client.files(artifact_id)
        chosen = [f for f in files if not parts or f.role in parts]
        if not chosen:
            raise ClientError(f"{name} has no files in the part(s) {', '.join(parts)}")
        folder = target or Path(name)
        total = sum(f.size for f in chosen)
        fetched = 0
        with tqdm(total=total, unit="B", unit_scale=True, desc=name, disable=None) as bar:
            for f in chosen:
                dest = folder / safe_relpath(f.path)
                fetched += client.download(Target(artifact_id, sha), f, dest, bar.update)
    except (ClientError, RegistryError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"{name} ({artifact_id}): {len(chosen)} files in {folder}, {fetched} downloaded, "
        "every sha256 verified"
    )


def _kind_of(url: str) -> str:
    host = urlsplit(url).hostname or ""
    if host.endswith(("huggingface.co", "hf.co")):
        return "dataset" if urlsplit(url).path.startswith("/datasets/") else "model"
    if host.endswith("github.com"):
        return "code"
    if host.endswith("kaggle.com"):
        return "dataset"
    return "model"


@click.command("push")
@click.argument("source")
@click.option("--type", "kind", type=click.Choice([t.value for t in ArtifactType]))
@click.option("--name", help="The artifact's name (a folder's name by default).")
def push(source: str, kind: str | None, name: str | None) -> None:
    """Ingest a URL, or upload a local folder, and print the rating and the verdict."""
    client = _client()
    folder = Path(source)
    try:
        if folder.is_dir():
            kind = kind or "model"
            name = name or folder.resolve().name
            click.echo(f"uploading {folder} as {kind} {name} ...", err=True)
            resp = client.upload(kind, folder, name)
        elif "://" in source:
            kind = kind or _kind_of(source)
            click.echo(f"ingesting {source} as {kind} ...", err=True)
            resp = client.ingest(kind, source, name)
        else:
            raise ClientError(f"{source} is neither a folder nor a URL")
        _report(client, kind, resp.status_code, resp.json())
    except (ClientError, RegistryError) as exc:
        raise click.ClickException(str(exc)) from exc


def _scores(rating: dict[str, Any]) -> str:
    parts = []
    for key, value in rating.items():
        if key.endswith("_latency") or key in {"name", "category", "net_score"}:
            continue
        # size_score is one score per device: the worst of them says the most.
        score = min(value.values(), default=0.0) if isinstance(value, dict) else value
        if isinstance(score, int | float):
            parts.append(f"{key} {score:.2f}")
    return ", ".join(parts)


def _report(client: RegistryClient, kind: str, status: int, body: dict[str, Any]) -> None:
    if status == 424:
        details = body.get("details", {})
        rating = details.get("rating") or {}
        click.echo(f"rating: net_score {rating.get('net_score', 0):.2f} ({_scores(rating)})")
        click.echo("verdict: refused: " + "; ".join(details.get("failures", [body["message"]])))
        sys.exit(1)
    meta = body["metadata"]
    click.echo(f"stored {kind} {meta['name']} as {meta['id']}")
    if kind != "model":
        click.echo("verdict: admitted (datasets and code are not rated)")
        return
    rating = client.rating(meta["id"])
    click.echo(f"rating: net_score {rating['net_score']:.2f} ({_scores(rating)})")
    click.echo("verdict: admitted: the rating passes the registry's ingest policy")
