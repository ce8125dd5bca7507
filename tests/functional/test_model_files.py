"""Model files at ingest: pickles scanned (never unpickled) and judged by INGEST_POLICY,
safetensors headers checked against the file; from the fake hub and by upload."""

from __future__ import annotations

import io
import pickle
import zipfile
import zlib
from collections.abc import Iterator
from fractions import Fraction

import pytest

from registry.services.container import Registry
from registry.settings import DEFAULT_INGEST_POLICY
from tests.conftest import Api, MakeApi
from tests.fakes import FakeUpstream
from tests.fakes.pickles import (
    PICKLE_MARKER,
    lying_safetensors,
    malicious_pickle,
    torch_state_dict_zip,
)

HUB = "https://huggingface.co"


@pytest.fixture(autouse=True)
def _marker() -> Iterator[None]:
    """Nothing may ever load the malicious pickle: its payload would create the marker."""
    PICKLE_MARKER.unlink(missing_ok=True)
    yield
    assert not PICKLE_MARKER.exists(), "a malicious pickle was unpickled"


def _zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _upload(api: Api, kind: str, files: dict[str, bytes]) -> object:
    return api.call(
        "POST",
        f"/artifact/{kind}?name=pickled",
        data=_zip({"README.md": b"---\nlicense: mit\n---\n# Pickled\n", **files}),
        headers={"Content-Type": "application/zip"},
    )


def _nothing_stored(api: Api, registry: Registry) -> None:
    assert api.enumerate([{"name": "*"}]).get_json() == []
    assert list(registry.blobs.iter_blobs()) == []
    work = registry.settings.data_dir / "work"
    assert [p for p in work.rglob("*") if p.is_file() or p.name.startswith("ingest-")] == []


def test_a_hub_model_whose_pickle_calls_os_system_is_refused_by_default(
    make_api: MakeApi,
) -> None:
    api, registry = make_api(ingest_policy=DEFAULT_INGEST_POLICY)
    url = f"{HUB}/fault/pickle-os-system"
    resp = api.call("POST", "/artifact/model", json={"url": url})
    assert resp.status_code == 424, resp.get_data(as_text=True)
    body = resp.get_json()
    assert "pytorch_model.bin: dangerous import posix.system" in body["message"]
    assert body["details"]["failures"] == ["pickle_safety=0 fails pickle_safety>=0.5"]
    _nothing_stored(api, registry)


@pytest.mark.parametrize(
    ("kind", "name", "data"),
    [
        ("model", "model.pt", malicious_pickle()),
        # torch's zip format: the pickle is archive/data.pkl inside the file.
        ("model", "weights/model.pth", _zip({"archive/data.pkl": malicious_pickle()})),
        # joblib.load and pandas decompress before unpickling; so does the scan.
        ("model", "clf.joblib", zlib.compress(malicious_pickle())),
        # Named as anything else, a pickle is still found by its first bytes.
        ("model", "weights.msgpack", malicious_pickle()),
        ("dataset", "data/rows.pkl", malicious_pickle()),
        ("code", "fixtures/state.ckpt", malicious_pickle()),
    ],
)
def test_an_uploaded_malicious_pickle_is_refused_naming_the_file_and_the_import(
    make_api: MakeApi, kind: str, name: str, data: bytes
) -> None:
    api, registry = make_api(ingest_policy=DEFAULT_INGEST_POLICY)
    resp = _upload(api, kind, {name: data})
    assert resp.status_code == 424, resp.get_data(as_text=True)  # type: ignore[attr-defined]
    message = resp.get_json()["message"]  # type: ignore[attr-defined]
    assert f"{name}: dangerous import posix.system" in message
    assert "Nothing was unpickled" in message
    _nothing_stored(api, registry)


def test_pickle_rules_are_the_operators_choice(make_api: MakeApi) -> None:
    # INGEST_POLICY=none admits it (the scan is still recorded as evidence).
    api, _ = make_api(ingest_policy="none")
    resp = _upload(api, "model", {"model.bin": malicious_pickle()})
    assert resp.status_code == 201, resp.get_data(as_text=True)  # type: ignore[attr-defined]
    # An unknown class passes the default, and fails a strict rule.
    unknown = pickle.dumps(Fraction(1, 3), protocol=2)  # fractions.Fraction: not known-safe
    strict, _ = make_api(ingest_policy="pickle_safety>=1")
    refused = _upload(strict, "model", {"model.bin": unknown})
    assert refused.status_code == 424  # type: ignore[attr-defined]
    assert "picklescan does not know: fractions.Fraction" in refused.get_json()["message"]  # type: ignore[attr-defined]
    lenient, _ = make_api(ingest_policy="pickle_safety>=0.5")
    admitted = _upload(lenient, "model", {"model.bin": unknown})
    assert admitted.status_code == 201  # type: ignore[attr-defined]


def test_a_benign_torch_state_dict_is_admitted_with_its_scan_as_evidence(
    make_api: MakeApi,
) -> None:
    api, _ = make_api(ingest_policy="pickle_safety>=1")
    art = api.ingest("model", f"{HUB}/fault/torch-pickle")
    rate = api.call("GET", f"/artifact/model/{art['metadata']['id']}/rate?evidence=true")
    assert rate.status_code == 200, rate.get_data(as_text=True)
    assert rate.get_json()["evidence"]["pickle_safety"] == [
        "score 1",
        "1 pickle file(s) scanned by picklescan 1.0.5, never unpickled",
        "pytorch_model.bin: 3 known-safe imports",
    ]
    assert "pickle_safety" not in rate.get_json()  # not a ModelRating field


def test_the_hub_fixtures_with_pickled_weights_pass_the_default_rule(make_api: MakeApi) -> None:
    # Their .bin files are generated bytes behind a zip signature, no loadable torch file:
    # unknown (0.5), which the default rule admits and a strict one does not.
    strict, _ = make_api(ingest_policy="pickle_safety>=1", keep_all_weight_formats=True)
    url = f"{HUB}/acme/diffusion-pipeline"
    assert strict.call("POST", "/artifact/model", json={"url": url}).status_code == 424
    api, _ = make_api(ingest_policy="pickle_safety>=0.5", keep_all_weight_formats=True)
    for repo in ("google-bert/bert-base-uncased", "acme/diffusion-pipeline"):
        art = api.ingest("model", f"{HUB}/{repo}")
        rate = api.call("GET", f"/artifact/model/{art['metadata']['id']}/rate?evidence=true")
        evidence = rate.get_json()["evidence"]["pickle_safety"]
        assert evidence[0] == "score 0.5"
        assert "not a readable zip" in evidence[2]


@pytest.mark.parametrize("source", ["hub", "upload"])
def test_a_safetensors_header_that_lies_about_its_data_is_refused(
    api: Api, registry: Registry, upstream: FakeUpstream, source: str
) -> None:
    if source == "hub":
        resp = api.call("POST", "/artifact/model", json={"url": f"{HUB}/fault/corrupt-safetensors"})
    else:
        resp = _upload(api, "model", {"model.safetensors": lying_safetensors()})
    assert resp.status_code == 400, resp.get_data(as_text=True)  # type: ignore[attr-defined]
    assert resp.get_json()["message"] == (  # type: ignore[attr-defined]
        "model.safetensors is not a valid safetensors file: the tensors cover 64 bytes, but "
        "the data section is 16; a loader could not trust it, so it is refused"
    )
    _nothing_stored(api, registry)


def test_the_torch_fixture_is_what_torch_writes() -> None:
    # The fixture's imports are exactly those of a real torch.save of a state dict.
    with zipfile.ZipFile(io.BytesIO(torch_state_dict_zip())) as zf:
        names = set(zf.namelist())
        data = zf.read("archive/data.pkl")
    assert names == {"archive/data.pkl", "archive/byteorder", "archive/data/0", "archive/version"}
    assert b"torch._utils\n_rebuild_tensor_v2" in data and b"torch\nFloatStorage" in data
