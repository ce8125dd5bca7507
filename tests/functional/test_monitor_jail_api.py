"""Monitor programs run for real, in the jail, deciding downloads through the API: they
allow, refuse, hang, allocate without bound, try the network and try to read the
registry's files; each is a decision (200 or 403), never a hang or a 500. On SQLite only:
what is recorded of each decision is tested on both databases in test_monitors_api.py."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from registry.services.container import Registry
from tests.conftest import ADMIN_USER, Api, MakeApi
from tests.fakes import FakeUpstream
from tests.functional.access_support import add_user
from tests.jail_support import jail_lock, jail_or_skip, phone_home_program

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture(autouse=True)
def _host_share() -> Iterator[None]:
    jail_or_skip()
    with jail_lock(exclusive=False):
        yield


@pytest.fixture
def setup(make_api: MakeApi, upstream: FakeUpstream) -> tuple[Api, Registry, str]:
    api, registry = make_api(
        monitor_timeout_seconds=3.0,
        sandbox_memory_mb=192,
        sandbox_pids=32,
        sandbox_output_bytes=16 << 10,
    )
    art = api.ingest("model", f"{upstream.files_url}/files/bundle.zip", name="guarded")
    return api, registry, str(art["metadata"]["id"])


def _decide(setup: tuple[Api, Registry, str], program: str, path: str = "") -> Any:
    api, _, model = setup
    put = api.call(
        "PUT", f"/artifacts/model/{model}/monitor", data=program, content_type="text/plain"
    )
    assert put.status_code == 200, put.get_data(as_text=True)
    bob = add_user(api, "bob", ["search", "download"])
    return bob.call("GET", path or f"/download/{model}")


def test_a_program_that_exits_0_allows_and_sees_its_arguments_and_bundle(
    setup: tuple[Api, Registry, str],
) -> None:
    api, registry, model = setup
    size = registry.artifacts.get(None, model, ADMIN_USER).bundle_size
    program = f"""
const fs = require("fs");
const [name, uploader, downloader, zip] = process.argv.slice(2);
const head = fs.readFileSync(zip).subarray(0, 2).toString();
const ok = name === "guarded" && uploader === "{ADMIN_USER.name}" && downloader === "bob"
  && fs.statSync(zip).size === {size} && head === "PK";
console.log(ok ? "fine" : `unexpected: ${{process.argv.slice(2).join(" ")}} ${{head}}`);
process.exit(ok ? 0 : 1);
"""
    resp = _decide(setup, program)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    trail = api.call("GET", f"/audit?artifact={model}&action=DOWNLOAD").get_json()
    assert [(e["outcome"], e["detail"]["output"].strip()) for e in trail] == [("allowed", "fine")]


def test_a_non_zero_exit_refuses_with_the_programs_stdout(
    setup: tuple[Api, Registry, str],
) -> None:
    resp = _decide(setup, 'console.log("bob is not on the model team"); process.exit(3);')
    assert resp.status_code == 403
    assert resp.get_json()["message"].endswith("bob is not on the model team")
    api, _, model = setup
    trail = api.call("GET", f"/audit?artifact={model}&action=DOWNLOAD").get_json()
    assert [(e["outcome"], e["detail"]["exit_code"]) for e in trail] == [("refused", 3)]


def test_a_hanging_program_is_a_refusal_at_its_deadline(
    setup: tuple[Api, Registry, str],
) -> None:
    resp = _decide(setup, "for (;;) {}")
    assert resp.status_code == 403
    assert "ran past its time limit" in resp.get_json()["message"]


def test_a_program_that_allocates_without_bound_is_refused(
    setup: tuple[Api, Registry, str],
) -> None:
    resp = _decide(setup, "const b = []; for (;;) b.push(Buffer.alloc(16 << 20, 1));")
    assert resp.status_code == 403


def test_a_program_cannot_reach_the_network(setup: tuple[Api, Registry, str]) -> None:
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0)
    program = phone_home_program(server.getsockname()[1])
    try:
        resp = _decide(setup, program)
        with pytest.raises(BlockingIOError):
            server.accept()
    finally:
        server.close()
    assert resp.status_code == 403
    assert resp.get_json()["message"].endswith("no network: ECONNREFUSED")


def test_a_program_sees_none_of_the_registrys_files(
    setup: tuple[Api, Registry, str],
) -> None:
    _, registry, model = setup
    stored = registry.artifacts.get(None, model, ADMIN_USER)
    blob = registry.blobs.local_path(stored.bundle_sha256)
    database = registry.settings.effective_database_url.removeprefix("sqlite:///")
    secrets = [str(blob), str(Path(database)), str(registry.settings.data_dir)]
    program = f"""
const fs = require("fs"); const seen = [];
for (const p of {secrets!r}) {{
  try {{ fs.statSync(p); seen.push(`found ${{p}}`); }} catch (e) {{ seen.push(e.code); }}
}}
console.log(seen.join(" "));
process.exit(seen.some((s) => s.startsWith("found")) ? 0 : 1);
"""
    resp = _decide(setup, program)
    assert resp.status_code == 403
    assert resp.get_json()["message"].endswith("ENOENT ENOENT ENOENT")


def test_the_hub_api_is_guarded_by_the_same_program(
    setup: tuple[Api, Registry, str],
) -> None:
    _, _, model = setup
    resp = _decide(
        setup,
        'console.log("no hub downloads"); process.exit(1);',
        path=f"/hf/artifacts/{model}/resolve/main/config.json",
    )
    assert resp.status_code == 403
    assert resp.headers["X-Error-Code"] == "GatedRepo"
    assert "no hub downloads" in resp.headers["X-Error-Message"]
