"""GET download_url: bytes exactly as upstream served them, ranges, ETags, parts."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest

from tests.conftest import BERT, BOOKCORPUS, GH_BERT, Api
from tests.fakes import FakeUpstream

LARGE = "https://huggingface.co/acme/large-weights"


def _zip(data: bytes) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(data))


def test_every_file_is_byte_identical_to_the_upstream(api: Api, upstream: FakeUpstream) -> None:
    art = api.ingest("model", BERT)
    resp = api.call("GET", api.download_path(art))
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "application/zip"
    assert int(resp.headers["Content-Length"]) == len(resp.get_data())
    assert 'filename="bert-base-uncased.zip"' in resp.headers["Content-Disposition"]
    repo = upstream.catalog.hf_repo("google-bert/bert-base-uncased")
    assert repo is not None
    with _zip(resp.get_data()) as zf:
        names = set(zf.namelist())
        for name in names:
            original = repo.file(name)
            assert original is not None, name
            assert hashlib.sha256(zf.read(name)).hexdigest() == original.sha256
    # The same weights in other formats were left out; everything else is there.
    upstream_names = {f.path for f in repo.files}
    assert upstream_names - names == {"pytorch_model.bin", "tf_model.h5", "flax_model.msgpack"}


def test_large_weights_stream_through_intact(api: Api, upstream: FakeUpstream) -> None:
    art = api.ingest("model", LARGE)
    resp = api.call("GET", api.download_path(art), buffered=False)
    digest = hashlib.sha256()
    size = 0
    for chunk in resp.response:
        digest.update(chunk)
        size += len(chunk)
    resp.close()
    assert size == int(resp.headers["Content-Length"])
    assert resp.headers["ETag"] == f'"{digest.hexdigest()}"'
    part = api.call("GET", api.download_path(art) + "?part=weights")
    original = upstream.catalog.hf_repo("acme/large-weights").file("model.safetensors")
    with _zip(part.get_data()) as zf:
        assert hashlib.sha256(zf.read("model.safetensors")).hexdigest() == original.sha256


def test_etag_if_none_match_and_ranges(api: Api) -> None:
    art = api.ingest("dataset", BOOKCORPUS)
    path = api.download_path(art)
    full = api.call("GET", path)
    body, etag = full.get_data(), full.headers["ETag"]
    assert full.headers["Accept-Ranges"] == "bytes"

    assert api.call("GET", path, headers={"If-None-Match": etag}).status_code == 304
    other = api.call("GET", path, headers={"If-None-Match": '"other"'})
    assert other.status_code == 200 and other.get_data() == body

    part = api.call("GET", path, headers={"Range": "bytes=10-109"})
    assert part.status_code == 206
    assert part.get_data() == body[10:110]
    assert part.headers["Content-Range"] == f"bytes 10-109/{len(body)}"
    assert part.headers["Content-Length"] == "100"

    tail = api.call("GET", path, headers={"Range": "bytes=-50"})
    assert tail.status_code == 206 and tail.get_data() == body[-50:]
    open_end = api.call("GET", path, headers={"Range": f"bytes={len(body) - 5}-"})
    assert open_end.get_data() == body[-5:]

    stale = api.call("GET", path, headers={"Range": "bytes=0-9", "If-Range": '"stale"'})
    assert stale.status_code == 200 and stale.get_data() == body

    beyond = api.call("GET", path, headers={"Range": f"bytes={len(body) + 10}-"})
    assert beyond.status_code == 416
    assert beyond.headers["Content-Range"] == f"bytes */{len(body)}"


def test_parts_download_only_the_chosen_roles(api: Api) -> None:
    art = api.ingest("model", BERT)
    path = api.download_path(art)
    whole = _zip(api.call("GET", path).get_data())
    weights = api.call("GET", path + "?part=weights")
    assert weights.status_code == 200
    assert _zip(weights.get_data()).namelist() == ["model.safetensors"]
    part = _zip(weights.get_data())
    assert part.read("model.safetensors") == whole.read("model.safetensors")
    # Empty pieces of a comma-separated list are skipped, not the end of the list.
    spaced = _zip(api.call("GET", path + "?part=config,,tokenizer").get_data())
    assert "config.json" in spaced.namelist() and "vocab.txt" in spaced.namelist()
    for name in spaced.namelist():
        assert spaced.read(name) == whole.read(name)
    cfg_tok = api.call("GET", path + "?part=config&part=tokenizer")
    names = set(_zip(cfg_tok.get_data()).namelist())
    assert {"config.json", "tokenizer.json", "vocab.txt"} <= names
    assert "model.safetensors" not in names and "README.md" not in names
    etag = cfg_tok.headers["ETag"]
    again = api.call("GET", path + "?part=tokenizer,config", headers={"If-None-Match": etag})
    assert again.status_code == 304
    every = set()
    for role in ("weights", "config", "tokenizer", "code", "data", "docs"):
        resp = api.call("GET", f"{path}?part={role}")
        if resp.status_code == 200:
            every |= set(_zip(resp.get_data()).namelist())
    assert every == set(_zip(api.call("GET", path).get_data()).namelist())


def test_part_errors(api: Api) -> None:
    art = api.ingest("code", GH_BERT)
    path = api.download_path(art)
    unknown = api.call("GET", path + "?part=secrets")
    assert unknown.status_code == 400
    assert unknown.get_json()["message"] == (
        "unknown part 'secrets'; choose among weights, config, tokenizer, code, data, docs"
    )
    absent = api.call("GET", path + "?part=weights,data")
    assert absent.status_code == 404
    ident = art["metadata"]["id"]
    assert absent.get_json()["message"] == (
        f"artifact {ident} has no files in the part(s) weights, data"
    )


def test_download_needs_a_token_and_an_existing_id(api: Api) -> None:
    art = api.ingest("code", GH_BERT)
    path = api.download_path(art)
    assert Api(api.client).call("GET", path).status_code == 403
    missing = api.call("GET", "/download/4242424242")
    assert missing.status_code == 404
    assert missing.get_json()["message"] == "no artifact with id 4242424242"
    assert api.call("GET", "/download/not%20valid").status_code == 400


@pytest.mark.parametrize("url_suffix", ["", "/tree/main/whisper"])
def test_github_code_keeps_only_the_named_folder(api: Api, url_suffix: str) -> None:
    art = api.ingest("code", "https://github.com/openai/whisper" + url_suffix)
    names = _zip(api.call("GET", api.download_path(art)).get_data()).namelist()
    assert names
    if url_suffix:
        assert not any(n.startswith("notebooks/") for n in names)
    else:
        assert any(n.startswith("whisper/") for n in names)
