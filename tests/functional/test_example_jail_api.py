"""Card examples through the API with RATING_EXECUTE_EXAMPLES=true: an example that attacks
the registry is rated, and changes nothing; a host that cannot jail examples refuses to
start with them enabled."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from registry.app import build_registry
from registry.settings import SettingsError
from tests.conftest import MakeApi, make_settings
from tests.fakes import FakeUpstream
from tests.fakes.records import FakeDownload, build_zip, json_file, readme_file
from tests.jail_support import jail_or_skip

ATTACK = """# A model whose example attacks the registry

## Usage

```python
import os

tried = []
for path in ["/etc/shadow", "{db}", "{data}/secret.key"]:
    try:
        tried.append("read " + open(path).read()[:30])
    except OSError as e:
        tried.append(type(e).__name__)
for path in ["{db}", "{blob}", "{data}/pwned.txt"]:
    try:
        with open(path, "a") as f:
            f.write("INSERT INTO users VALUES ('mallory', 1);")
        tried.append("wrote " + path)
    except OSError as e:
        tried.append(type(e).__name__)
raise SystemExit("attempts: " + " ".join(tried))
```
"""


def _tree(data: Path) -> dict[str, str]:
    return {
        str(p.relative_to(data)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(data.rglob("*"))
        if p.is_file() and "blobs" in p.parts and ".incoming" not in p.parts
    }


def test_an_example_that_attacks_the_registry_changes_nothing(
    make_api: MakeApi, upstream: FakeUpstream
) -> None:
    jail_or_skip()
    api, registry = make_api(rating_execute_examples=True)
    data = registry.settings.data_dir
    victim = api.ingest("model", f"{upstream.files_url}/files/bundle.zip", name="victim")
    blob = next(p for p in (data / "blobs").rglob("*") if p.is_file() and len(p.name) == 64)
    db = registry.settings.effective_database_url.removeprefix("sqlite:///")
    path = f"/files/attack-{uuid.uuid4().hex}.zip"
    readme = ATTACK.format(db=db, data=data, blob=blob)
    upstream.catalog.downloads.append(
        FakeDownload(
            path,
            content=build_zip(
                [readme_file({"license": "mit"}, readme), json_file("config.json", {})]
            ),
            content_type="application/zip",
        )
    )
    before = _tree(data)

    attacker = api.ingest("model", upstream.files_url + path, name="attacker")

    rate = api.call("GET", f"/artifact/model/{attacker['metadata']['id']}/rate?evidence=true")
    assert rate.status_code == 200
    evidence = " ".join(rate.get_json()["evidence"]["reproducibility"])
    # It ran (in the jail) and every attempt failed: nothing of the host is in there.
    assert "exited 1 in the sandbox: attempts: " + " ".join(["FileNotFoundError"] * 6) in evidence
    assert not (data / "pwned.txt").exists()
    after = _tree(data)
    assert {k: v for k, v in after.items() if k in before} == before
    download = api.call("GET", api.download_path(victim))
    assert download.status_code == 200
    assert hashlib.sha256(download.data).hexdigest() == download.headers["ETag"].strip('"')
    if db.startswith("/"):
        assert api.login("mallory", "anything").status_code == 401


@pytest.fixture
def fake_bwrap() -> Iterator[Path]:
    """A bwrap that fails as it does on a kernel without unprivileged user namespaces.
    In a folder the jail's user may enter (bwrap runs as that user when the tests are root)."""
    folder = Path(tempfile.mkdtemp(prefix="registry-fake-bwrap-"))
    folder.chmod(0o755)
    exe = folder / "bwrap"
    exe.write_text(
        "#!/bin/sh\necho 'bwrap: No permissions to creating new namespace, likely because "
        "the kernel does not allow non-privileged user namespaces.' >&2\nexit 1\n"
    )
    exe.chmod(0o755)
    yield exe
    shutil.rmtree(folder)


def test_examples_enabled_on_a_host_that_cannot_jail_them_refuse_to_start(
    tmp_path: Path, database_url: str, upstream: FakeUpstream, fake_bwrap: Path
) -> None:
    settings = make_settings(
        tmp_path,
        database_url,
        upstream,
        rating_execute_examples=True,
        sandbox_bwrap=str(tmp_path / "no-such-bwrap"),
    )
    with pytest.raises(SettingsError, match=r"RATING_EXECUTE_EXAMPLES=true, but .*not installed"):
        build_registry(settings)
    no_userns = settings.with_overrides(sandbox_bwrap=str(fake_bwrap))
    with pytest.raises(SettingsError, match="does not allow non-privileged user namespaces"):
        build_registry(no_userns)
    # The same host starts with examples off: nothing is run there, nothing is needed.
    build_registry(no_userns.with_overrides(rating_execute_examples=False)).close()


def test_an_interpreter_the_jail_cannot_run_refuses_to_start(
    tmp_path: Path, database_url: str, upstream: FakeUpstream
) -> None:
    jail_or_skip()
    settings = make_settings(
        tmp_path,
        database_url,
        upstream,
        rating_execute_examples=True,
        sandbox_python=str(tmp_path / "no-such-python3"),
    )
    with pytest.raises(SettingsError, match="no-such-python3' is not an executable"):
        build_registry(settings)


def test_registry_serve_refuses_with_the_reason(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DATA_DIR": str(tmp_path / "data"),
        "RATING_EXECUTE_EXAMPLES": "true",
        "SANDBOX_BWRAP": str(tmp_path / "no-such-bwrap"),
        "PORT": "1",  # never reached: it must not get as far as starting gunicorn
    }
    env.pop("DATABASE_URL", None)
    served = subprocess.run(
        [sys.executable, "-m", "registry", "serve"],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert served.returncode == 1
    assert "the example jail cannot be built on this host: bubblewrap" in served.stderr
    assert "Traceback" not in served.stderr
