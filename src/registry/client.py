"""The HTTP client behind `registry login | pull | push`: it talks to a running registry.

Downloads go through the Hub-compatible API (`/hf`), one file at a time: each file
resumes from its `.part` with a Range request and is checked against the sha256 the
registry lists for it before it takes its final name.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import requests

from registry.storage.blobs import CHUNK_SIZE

DEFAULT_URL = "http://127.0.0.1:8080"
_ID = re.compile(r"^[A-Za-z0-9-]{1,64}$")
_MAX_PAGES = 10_000


Progress = Callable[[int], Any]


@dataclass(frozen=True)
class Target:
    """An artifact at the commit a pull reads it at."""

    artifact_id: str
    sha: str


class ClientError(Exception):
    """A one-line reason a command failed, for the person who ran it."""


@dataclass(frozen=True)
class RemoteFile:
    path: str
    size: int
    sha256: str
    role: str


def config_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "registry"


def save_login(url: str, token: str) -> Path:
    """Keep the token (mode 600: it is a credential) and the registry's URL."""
    folder = config_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / "token"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(token + "\n")
    path.chmod(0o600)
    (folder / "url").write_text(url + "\n", encoding="utf-8")
    return path


def forget_login() -> bool:
    """Remove the kept token; False when there was none."""
    path = config_dir() / "token"
    existed = path.exists()
    path.unlink(missing_ok=True)
    return existed


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def registry_url() -> str:
    return (os.environ.get("REGISTRY_URL") or _read(config_dir() / "url") or DEFAULT_URL).rstrip(
        "/"
    )


def stored_token() -> str | None:
    return os.environ.get("REGISTRY_TOKEN") or _read(config_dir() / "token")


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK_SIZE):
            h.update(chunk)
    return h.hexdigest()


class RegistryClient:
    def __init__(self, base_url: str, token: str | None, timeout: float = 60.0) -> None:
        self.base = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.session = requests.Session()

    def _call(self, method: str, path: str, ok: tuple[int, ...] = (200,), **kw: Any) -> Any:
        headers = dict(kw.pop("headers", {}))
        if self.token:
            headers["X-Authorization"] = self.token
        try:
            resp = self.session.request(
                method,
                self.base + path,
                headers=headers,
                timeout=kw.pop("timeout", self.timeout),
                **kw,
            )
        except requests.RequestException as exc:
            raise ClientError(f"cannot reach the registry at {self.base}: {exc}") from exc
        if resp.status_code not in ok:
            raise ClientError(_reason(resp))
        return resp

    # -- login ----------------------------------------------------------------

    def logout(self) -> None:
        """Revoke the token (DELETE /authenticate); one already dead is fine."""
        self._call("DELETE", "/authenticate", ok=(200, 403))

    def login(self, user: str, password: str) -> str:
        body = {"user": {"name": user, "is_admin": False}, "secret": {"password": password}}
        token = self._call("PUT", "/authenticate", json=body).json()
        if not isinstance(token, str):
            raise ClientError("the registry answered PUT /authenticate without a token")
        return token

    # -- pull -----------------------------------------------------------------

    def resolve(self, name_or_id: str) -> tuple[str, str]:
        """(artifact id, name) of an id, a registry name or an upstream repo id."""
        if "/" in name_or_id:
            for kind in ("models", "datasets"):
                found = self._call("GET", f"/hf/api/{kind}/{name_or_id}", ok=(200, 404))
                if found.status_code == 200:
                    info = found.json().get("registry", {})
                    return str(info["artifact_id"]), str(info["name"])
            raise ClientError(f"the registry has no model or dataset {name_or_id}")
        if _ID.match(name_or_id):
            found = self._call("GET", f"/hf/api/models/artifacts/{name_or_id}", ok=(200, 404))
            if found.status_code == 200:
                return name_or_id, str(found.json()["registry"]["name"])
        named = self._call("GET", f"/artifact/byName/{quote(name_or_id, safe='')}", ok=(200, 404))
        matches = named.json() if named.status_code == 200 else []
        if not matches:
            raise ClientError(f"no artifact is named or numbered {name_or_id!r}")
        if len(matches) > 1:
            listed = ", ".join(f"{m['id']} ({m['type']})" for m in matches)
            raise ClientError(
                f"{len(matches)} artifacts are named {name_or_id!r}: {listed}; pull one by id"
            )
        return str(matches[0]["id"]), str(matches[0]["name"])

    def files(self, artifact_id: str) -> tuple[str, list[RemoteFile]]:
        """The commit the artifact is served at, and its files with their sha256."""
        repo = f"/hf/api/models/artifacts/{artifact_id}"
        sha = str(self._call("GET", repo).json()["sha"])
        url: str | None = f"{self.base}{repo}/tree/{sha}?recursive=true"
        found: list[RemoteFile] = []
        for _ in range(_MAX_PAGES):
            if url is None:
                break
            resp = self._call("GET", url[len(self.base) :])
            found += [
                RemoteFile(e["path"], int(e["size"]), e["lfs"]["oid"], e.get("role", ""))
                for e in resp.json()
                if e.get("type") == "file"
            ]
            url = resp.links.get("next", {}).get("url")
        return sha, found

    def download(self, target: Target, f: RemoteFile, dest: Path, progress: Progress) -> bool:
        """Fetch `f` to `dest`, resuming a `.part` left by an interrupted pull.

        Returns False when `dest` already held the right bytes. A resumed file that does
        not verify is fetched once more from the start before giving up.
        """
        if dest.is_file() and dest.stat().st_size == f.size and sha256_of(dest) == f.sha256:
            progress(f.size)
            return False
        dest.parent.mkdir(parents=True, exist_ok=True)
        part = dest.with_name(dest.name + ".part")
        for attempt in range(2):
            have = part.stat().st_size if part.is_file() and attempt == 0 else 0
            self._fetch(target, f, part, have, progress)
            if sha256_of(part) == f.sha256:
                os.replace(part, dest)
                return True
            part.unlink()
            progress(-f.size)
        raise ClientError(f"{f.path} arrived with the wrong sha256 twice; try again later")

    def _fetch(
        self, target: Target, f: RemoteFile, part: Path, have: int, progress: Progress
    ) -> None:
        headers = {"Range": f"bytes={have}-", "If-Range": f'"{f.sha256}"'} if have else {}
        if have >= f.size:
            headers = {}
            have = 0
        path = f"/hf/artifacts/{target.artifact_id}/resolve/{target.sha}/{quote(f.path)}"
        resp = self._call("GET", path, ok=(200, 206), headers=headers, stream=True)
        with resp:
            mode = "ab" if resp.status_code == 206 else "wb"
            progress(have if mode == "ab" else 0)
            with part.open(mode) as out:
                for chunk in resp.iter_content(CHUNK_SIZE):
                    out.write(chunk)
                    progress(len(chunk))

    # -- push -----------------------------------------------------------------

    def ingest(self, kind: str, url: str, name: str | None) -> requests.Response:
        body = {"url": url, **({"name": name} if name else {})}
        # An ingest downloads and rates before it answers: wait as long as the server may.
        resp: requests.Response = self._call(
            "POST", f"/artifact/{kind}", ok=(201, 202, 424), json=body, timeout=900
        )
        return resp

    def upload(self, kind: str, folder: Path, name: str) -> requests.Response:
        with tempfile.TemporaryDirectory(prefix="registry-push-") as tmp:
            archive = Path(tmp) / "upload.zip"
            zip_folder(folder, archive)
            with archive.open("rb") as body:
                resp: requests.Response = self._call(
                    "POST",
                    f"/artifact/{kind}",
                    ok=(201, 202, 424),
                    params={"name": name},
                    data=body,
                    headers={"Content-Type": "application/zip"},
                    timeout=900,
                )
                return resp

    def rating(self, artifact_id: str) -> dict[str, Any]:
        resp = self._call("GET", f"/artifact/model/{artifact_id}/rate")
        return dict(resp.json())


def zip_folder(folder: Path, archive: Path) -> int:
    """Zip the regular files under `folder` (stored: weights do not compress)."""
    count = 0
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
        for path in sorted(_files(folder)):
            zf.write(path, path.relative_to(folder).as_posix())
            count += 1
    if not count:
        raise ClientError(f"{folder} holds no files to push")
    return count


def _files(folder: Path) -> Iterator[Path]:
    for root, dirs, names in os.walk(folder):
        dirs[:] = [d for d in dirs if d not in {".git", "__pycache__"}]
        for name in names:
            path = Path(root) / name
            if path.is_file() and not path.is_symlink():
                yield path


def _reason(resp: requests.Response) -> str:
    try:
        body = resp.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and body.get("message"):
        return f"{body['message']} ({resp.status_code})"
    return f"the registry answered {resp.status_code} for {resp.request.method} {resp.url}"
