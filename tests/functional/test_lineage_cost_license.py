"""GET .../lineage, GET .../cost, POST .../license-check on the fixture families."""

from __future__ import annotations

import pytest

from registry.services.container import Registry
from tests.conftest import BERT, BOOKCORPUS, FINETUNE, GH_BERT, Api

HF = "https://huggingface.co"
QUANTIZED = f"{HF}/acme/bert-sst2-quantized"
ADAPTER = f"{HF}/acme/peft-adapter"
MERGED = f"{HF}/acme/bert-merged"
SST2 = f"{HF}/datasets/stanfordnlp/sst2"


def _id(art: dict) -> str:
    return str(art["metadata"]["id"])


def _lineage(api: Api, ident: str) -> tuple[dict[str, dict], set[tuple[str, str, str]]]:
    resp = api.call("GET", f"/artifact/model/{ident}/lineage")
    assert resp.status_code == 200, resp.get_data(as_text=True)
    body = resp.get_json()
    nodes = {n["artifact_id"]: n for n in body["nodes"]}
    assert len(nodes) == len(body["nodes"]), "every node once"
    edges = {
        (e["from_node_artifact_id"], e["to_node_artifact_id"], e["relationship"])
        for e in body["edges"]
    }
    assert len(edges) == len(body["edges"]), "every edge once"
    return nodes, edges


def test_a_chain_base_finetune_quantized(api: Api) -> None:
    base = _id(api.ingest("model", BERT))
    tuned = _id(api.ingest("model", FINETUNE))
    quant = _id(api.ingest("model", QUANTIZED))
    nodes, edges = _lineage(api, quant)
    assert set(nodes) == {base, tuned, quant}
    assert edges == {(tuned, quant, "quantized_from"), (base, tuned, "base_model")}
    assert nodes[quant]["source"] == "registry"
    assert nodes[tuned]["source"] in {"config_json", "model_card"}
    assert nodes[base]["name"] == "bert-base-uncased"


def test_a_diamond_lists_the_shared_ancestor_once(api: Api) -> None:
    base = _id(api.ingest("model", BERT))
    tuned = _id(api.ingest("model", FINETUNE))
    adapter = _id(api.ingest("model", ADAPTER))
    merged = _id(api.ingest("model", MERGED))
    nodes, edges = _lineage(api, merged)
    assert set(nodes) == {base, tuned, adapter, merged}
    assert (tuned, merged, "merged_from") in edges and (adapter, merged, "merged_from") in edges
    assert (base, tuned, "base_model") in edges and (base, adapter, "adapter_of") in edges
    assert len(edges) == 4


def test_datasets_and_code_the_model_names_are_nodes(api: Api) -> None:
    base = _id(api.ingest("model", BERT))
    code = _id(api.ingest("code", GH_BERT))
    book = _id(api.ingest("dataset", BOOKCORPUS))
    tuned = _id(api.ingest("model", FINETUNE))
    sst2 = _id(api.ingest("dataset", SST2))
    nodes, edges = _lineage(api, tuned)
    assert set(nodes) == {base, code, book, tuned, sst2}
    assert (sst2, tuned, "fine_tuning_dataset") in edges
    # bert-base's card names "bookcorpus", a legacy id the hub files as bookcorpus/bookcorpus.
    assert (book, base, "training_dataset") in edges
    assert (code, base, "code_repository") in edges


def test_a_parent_outside_the_registry_is_reported_not_invented(api: Api) -> None:
    orphan = _id(api.ingest("model", f"{HF}/acme/orphan-finetune"))
    nodes, edges = _lineage(api, orphan)
    assert set(nodes) == {orphan} and edges == set()
    assert nodes[orphan]["metadata"]["parents_not_in_registry"] == ["someone-else/not-in-registry"]


def test_parents_ingested_after_children_link_up(api: Api) -> None:
    quant = _id(api.ingest("model", QUANTIZED))
    assert set(_lineage(api, quant)[0]) == {quant}
    tuned = _id(api.ingest("model", FINETUNE))
    assert set(_lineage(api, quant)[0]) == {quant, tuned}
    base = _id(api.ingest("model", BERT))
    assert set(_lineage(api, quant)[0]) == {quant, tuned, base}
    # ... and a deleted one drops out again: nothing is stale.
    assert api.call("DELETE", f"/artifacts/model/{tuned}").status_code == 200
    nodes, edges = _lineage(api, quant)
    assert set(nodes) == {quant} and edges == set()


def test_lineage_errors(api: Api) -> None:
    bad = _id(api.ingest("model", f"{HF}/acme/malformed-card"))
    resp = api.call("GET", f"/artifact/model/{bad}/lineage")
    assert resp.status_code == 400
    assert "base_model" in resp.get_json()["message"]
    assert api.call("GET", "/artifact/model/123456/lineage").status_code == 404
    dataset = _id(api.ingest("dataset", BOOKCORPUS))
    assert api.call("GET", f"/artifact/model/{dataset}/lineage").status_code == 404
    assert api.call("GET", "/artifact/model/no%20way/lineage").status_code == 400


def _mb(registry: Registry, ident: str) -> float:
    with registry.db.read() as session:
        from registry.db.repositories import ArtifactRepository

        row = ArtifactRepository(session).get(ident)
        assert row is not None
        return round(row.bundle_size / 1_000_000, 6)


def test_cost_without_and_with_dependencies(api: Api, registry: Registry) -> None:
    base = _id(api.ingest("model", BERT))
    tuned = _id(api.ingest("model", FINETUNE))
    sst2 = _id(api.ingest("dataset", SST2))
    quant = _id(api.ingest("model", QUANTIZED))
    alone = api.call("GET", f"/artifact/model/{quant}/cost").get_json()
    assert alone == {
        quant: {"standalone_cost": _mb(registry, quant), "total_cost": _mb(registry, quant)}
    }

    full = api.call("GET", f"/artifact/model/{quant}/cost?dependency=true").get_json()
    assert set(full) == {quant, tuned, base, sst2}
    for ident in full:
        assert full[ident]["standalone_cost"] == _mb(registry, ident)
    expected_total = sum(_mb(registry, i) for i in (quant, tuned, base, sst2))
    assert full[quant]["total_cost"] == pytest.approx(expected_total, abs=1e-5)
    assert full[sst2]["total_cost"] == full[sst2]["standalone_cost"]  # a dataset depends on nothing
    assert full[tuned]["total_cost"] == pytest.approx(
        sum(_mb(registry, i) for i in (tuned, base, sst2)), abs=1e-5
    )
    # Files shared by the family (the tokenizer) are counted once in the extra field.
    assert full[quant]["deduplicated_cost"] < full[quant]["total_cost"]


def test_cost_counts_a_diamond_once(api: Api, registry: Registry) -> None:
    ids = [_id(api.ingest("model", url)) for url in (BERT, FINETUNE, ADAPTER, MERGED)]
    full = api.call("GET", f"/artifact/model/{ids[3]}/cost?dependency=true").get_json()
    assert set(full) == set(ids)
    assert full[ids[3]]["total_cost"] == pytest.approx(sum(_mb(registry, i) for i in ids), abs=1e-5)


def test_cost_errors(api: Api) -> None:
    book = _id(api.ingest("dataset", BOOKCORPUS))
    alone = api.call("GET", f"/artifact/dataset/{book}/cost").get_json()
    assert set(alone) == {book} and alone[book]["standalone_cost"] > 0
    assert api.call("GET", f"/artifact/model/{book}/cost").status_code == 404
    assert api.call("GET", "/artifact/model/999/cost").status_code == 404
    assert api.call("GET", f"/artifact/dataset/{book}/cost?dependency=maybe").status_code == 400
    assert api.call("GET", f"/artifact/weights/{book}/cost").status_code == 400
    assert Api(api.client).call("GET", f"/artifact/dataset/{book}/cost").status_code == 403


# (model fixture, code repository) -> may the code fine-tune the model and run it?
PAIRS = [
    ("licenses/mit-model", "acme/gpl-tool", True),
    ("licenses/mit-model", "acme/agpl-service", True),
    ("licenses/mit-model", "acme/unlicensed-tool", False),
    ("licenses/mit-model", "acme/custom-terms", False),
    ("licenses/lgpl-model", "acme/apache-lib", True),
    ("licenses/cc-by-sa-model", "acme/gpl-tool", True),
    ("licenses/gpl-model", "acme/mit-lib", True),
    ("licenses/gpl-model", "acme/agpl-service", True),
    ("licenses/agpl-model", "acme/lgpl-lib", True),
    ("licenses/openrail-model", "acme/apache-lib", True),
    ("licenses/openrail-model", "acme/gpl-tool", False),
    ("licenses/llama-model", "acme/mit-lib", True),
    ("licenses/llama-model", "acme/agpl-service", False),
    ("licenses/nc-model", "acme/mit-lib", False),
    ("licenses/other-model", "acme/mit-lib", False),
    ("licenses/unlicensed-model", "acme/mit-lib", False),
    ("google-bert/bert-base-uncased", "google-research/bert", True),
]


@pytest.mark.parametrize(("model", "code", "expected"), PAIRS)
def test_license_pairs(api: Api, model: str, code: str, expected: bool) -> None:
    ident = _id(api.ingest("model", f"{HF}/{model}"))
    resp = api.call(
        "POST",
        f"/artifact/model/{ident}/license-check",
        json={"github_url": f"https://github.com/{code}"},
    )
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert resp.get_json() is expected
    explained = api.call(
        "POST",
        f"/artifact/model/{ident}/license-check?explain=true",
        json={"github_url": f"https://github.com/{code}"},
    ).get_json()
    assert explained["compatible"] is expected and explained["reason"]


def test_license_check_errors(api: Api) -> None:
    ident = _id(api.ingest("model", f"{HF}/licenses/mit-model"))
    path = f"/artifact/model/{ident}/license-check"
    assert (
        api.call("POST", path, json={"github_url": "https://github.com/acme/nope"}).status_code
        == 404
    )
    assert (
        api.call(
            "POST", path, json={"github_url": "https://github.com/fault/server-error"}
        ).status_code
        == 502
    )
    for body in (
        {},
        {"github_url": 5},
        {"github_url": "https://gitlab.com/a/b"},
        {"github_url": "nonsense"},
    ):
        assert api.call("POST", path, json=body).status_code == 400, body
    missing = "/artifact/model/424242/license-check"
    assert (
        api.call(
            "POST", missing, json={"github_url": "https://github.com/acme/mit-lib"}
        ).status_code
        == 404
    )


def test_license_check_reads_the_current_version(api: Api) -> None:
    art = api.ingest("model", f"{HF}/licenses/mit-model", name="swap")
    path = f"/artifact/model/{_id(art)}/license-check"
    gpl = {"github_url": "https://github.com/acme/gpl-tool"}
    assert api.call("POST", path, json=gpl).get_json() is True
    body = {"metadata": art["metadata"], "data": {"url": f"{HF}/licenses/openrail-model"}}
    assert api.call("PUT", f"/artifacts/model/{_id(art)}", json=body).status_code == 200
    assert api.call("POST", path, json=gpl).get_json() is False
