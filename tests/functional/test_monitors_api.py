"""Sensitive models through the API, with a scripted runner in place of the jail: who may
attach a program, its versions, and how each download is decided, recorded and resumed.
(The jail running real programs is tested in test_monitor_jail_api.py.)"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from registry.services.container import Registry
from tests.conftest import ADMIN, Api, MakeApi
from tests.fakes import FakeUpstream
from tests.functional.access_support import add_user


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    exit_code: int | None
    output: str
    problem: str | None = None

    @property
    def message(self) -> str:
        return self.output or f"exit {self.exit_code}"


@dataclass
class ScriptedRunner:
    """Decides as the program text says: `allow` or `refuse <reason>`; records each run."""

    runs: list[dict[str, Any]] = field(default_factory=list)

    def __call__(
        self, program_text: str, *, model_name: str, uploader: str, downloader: str, zip_path: Path
    ) -> Verdict:
        self.runs.append(
            {
                "model": model_name,
                "uploader": uploader,
                "downloader": downloader,
                "zip": zip_path.read_bytes()[:2],
            }
        )
        if program_text.startswith("refuse"):
            return Verdict(False, 3, program_text.removeprefix("refuse").strip())
        return Verdict(True, 0, "ok")


@pytest.fixture
def runner(registry: Registry) -> ScriptedRunner:
    scripted = ScriptedRunner()
    registry.monitors.runner = scripted
    return scripted


@pytest.fixture
def model(api: Api, upstream: FakeUpstream) -> str:
    art = api.ingest("model", f"{upstream.files_url}/files/bundle.zip", name="guarded")
    return str(art["metadata"]["id"])


def _guard(api: Api, model: str, program: str) -> Any:
    return api.call(
        "PUT",
        f"/artifacts/model/{model}/monitor",
        data=program,
        content_type="application/javascript",
    )


def test_each_download_is_decided_by_the_newest_program_and_recorded(
    api: Api, model: str, runner: ScriptedRunner
) -> None:
    bob = add_user(api, "bob", ["search", "download"])
    assert _guard(api, model, "allow").get_json()["version"] == 1
    ok = bob.call("GET", f"/download/{model}")
    assert ok.status_code == 200
    assert runner.runs == [
        {"model": "guarded", "uploader": ADMIN["name"], "downloader": "bob", "zip": b"PK"}
    ]
    assert _guard(api, model, "refuse not for bob's team").get_json()["version"] == 2
    refused = bob.call("GET", f"/download/{model}?part=weights")
    assert refused.status_code == 403
    assert refused.get_json()["message"] == (
        "the download was refused by the model's monitor program: not for bob's team"
    )
    assert len(runner.runs) == 2

    trail = api.call("GET", f"/audit?artifact={model}&action=DOWNLOAD").get_json()
    assert [(e["user"]["name"], e["outcome"], e["detail"]["monitor_version"]) for e in trail] == [
        ("bob", "allowed", 1),
        ("bob", "refused", 2),
    ]
    assert trail[1]["detail"]["output"] == "not for bob's team"
    assert trail[1]["detail"]["exit_code"] == 3
    # The spec's trail lists downloads that happened, not refused attempts.
    spec = api.call("GET", f"/artifact/model/{model}/audit").get_json()
    assert [e["action"] for e in spec] == ["CREATE", "UPDATE", "DOWNLOAD", "UPDATE", "AUDIT"]


def test_a_resumed_range_reuses_the_decision_of_its_transfer(
    api: Api, model: str, runner: ScriptedRunner, registry: Registry
) -> None:
    _guard(api, model, "allow")
    whole = api.call("GET", f"/download/{model}")
    assert whole.status_code == 200 and len(runner.runs) == 1
    rest = api.call("GET", f"/download/{model}", headers={"Range": "bytes=100-"})
    assert rest.status_code == 206 and rest.data == whole.data[100:]
    assert len(runner.runs) == 1
    head = api.call("HEAD", f"/download/{model}")
    assert head.status_code == 200 and len(runner.runs) == 1
    # Past MONITOR_RESUME_SECONDS, or after the program changed, a range is decided afresh.
    registry.monitors.resume_window = timedelta(0)
    assert api.call("GET", f"/download/{model}", headers={"Range": "bytes=100-"}).status_code == 206
    assert len(runner.runs) == 2


def test_a_range_cannot_skip_a_refusal(api: Api, model: str, runner: ScriptedRunner) -> None:
    _guard(api, model, "refuse no")
    assert api.call("GET", f"/download/{model}").status_code == 403
    resumed = api.call("GET", f"/download/{model}", headers={"Range": "bytes=1-"})
    assert resumed.status_code == 403
    assert len(runner.runs) == 2


def test_the_hub_api_runs_the_program_once_per_file(
    api: Api, model: str, runner: ScriptedRunner
) -> None:
    _guard(api, model, "refuse gated for now")
    info = api.call("GET", f"/hf/api/models/artifacts/{model}")
    assert info.status_code == 200 and runner.runs == []  # metadata is not a download
    resp = api.call("GET", f"/hf/artifacts/{model}/resolve/main/config.json")
    assert resp.status_code == 403
    assert resp.headers["X-Error-Code"] == "GatedRepo"
    assert "gated for now" in resp.headers["X-Error-Message"]
    assert len(runner.runs) == 1


def test_without_a_jail_a_guarded_model_is_never_served(
    api: Api, model: str, registry: Registry
) -> None:
    registry.monitors.runner = None
    _guard(api, model, "allow")
    resp = api.call("GET", f"/download/{model}")
    assert resp.status_code == 403
    assert "cannot be run on this registry" in resp.get_json()["message"]


def test_versions_are_kept_and_removal_stops_guarding(
    api: Api, model: str, runner: ScriptedRunner
) -> None:
    _guard(api, model, "refuse one")
    api.call("PUT", f"/artifacts/model/{model}/monitor", json={"program": "refuse two"})
    assert api.call("GET", f"/artifacts/model/{model}/monitor").get_json()["program"] == (
        "refuse two"
    )
    first = api.call("GET", f"/artifacts/model/{model}/monitor?version=1").get_json()
    assert first["program"] == "refuse one" and first["created_by"] == ADMIN["name"]
    removed = api.call("DELETE", f"/artifacts/model/{model}/monitor")
    assert removed.status_code == 200 and removed.get_json()["program"] is None
    versions = api.call("GET", f"/artifacts/model/{model}/monitor/versions").get_json()
    assert [v["version"] for v in versions] == [1, 2, 3]
    assert "program" not in versions[0]
    assert api.call("GET", f"/download/{model}").status_code == 200
    assert runner.runs == []
    assert api.call("DELETE", f"/artifacts/model/{model}/monitor").status_code == 404


def test_only_the_models_managers_attach_or_read_its_program(
    api: Api, model: str, upstream: FakeUpstream
) -> None:
    _guard(api, model, "refuse secret rules")
    other = add_user(api, "other", ["upload", "search", "download"])
    assert _guard(other, model, "allow").status_code == 403
    assert other.call("GET", f"/artifacts/model/{model}/monitor").status_code == 403
    own = other.ingest("model", f"{upstream.files_url}/files/bundle.zip?v=own", name="own")
    assert _guard(other, own["metadata"]["id"], "allow").status_code == 200


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        ("   ", "application/javascript", 400),
        ("x\0y", "text/plain", 400),
        ("x" * (257 << 10), "application/javascript", 400),
        ("process.exit(0)", "application/octet-stream", 400),
        ('{"program": 5}', "application/json", 400),
    ],
)
def test_bad_programs_are_refused(
    api: Api, model: str, body: str, content_type: str, status: int
) -> None:
    resp = api.call(
        "PUT", f"/artifacts/model/{model}/monitor", data=body, content_type=content_type
    )
    assert resp.status_code == status


def test_only_models_take_a_program(api: Api, upstream: FakeUpstream) -> None:
    code = api.ingest("code", f"{upstream.files_url}/files/weights.bin")["metadata"]["id"]
    assert _guard(api, code, "allow").status_code == 404


def test_a_download_that_waits_too_long_for_a_monitor_slot_is_a_503(
    make_api: MakeApi, upstream: FakeUpstream
) -> None:
    api, registry = make_api(monitor_concurrency=1, monitor_timeout_seconds=0.5)
    model = api.ingest("model", f"{upstream.files_url}/files/bundle.zip")["metadata"]["id"]
    started, release = threading.Event(), threading.Event()

    def slow(program_text: str, **_: Any) -> Verdict:
        started.set()
        release.wait(30)
        return Verdict(True, 0, "ok")

    registry.monitors.runner = slow
    _guard(api, model, "allow")
    first: list[int] = []
    holder = threading.Thread(
        target=lambda: first.append(api.call("GET", f"/download/{model}").status_code)
    )
    holder.start()
    try:
        assert started.wait(30)
        waiting = api.call("GET", f"/download/{model}")
        assert waiting.status_code == 503
        assert "too many monitor programs" in waiting.get_json()["message"]
    finally:
        release.set()
        holder.join(30)
    assert first == [200]
