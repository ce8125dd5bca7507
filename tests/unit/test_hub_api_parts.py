"""The Hub-compatible API's pure parts: path parsing, JSON shapes, revisions, pages."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from registry.api.hub_paths import UnknownEndpoint, allowed, parse, raw_segments
from registry.domain.errors import MethodNotAllowed, RepoNotFound
from registry.domain.models import ArtifactFile, ArtifactType, FileRole
from registry.services import hub_views
from registry.services.hub_mirror import HubRef, _Candidate, pick_revision
from registry.services.hub_views import HubRepo, commit_of, git_oid


def seg(path: str) -> list[str]:
    return raw_segments(path, "/hf/")


@pytest.mark.parametrize(
    ("path", "method", "action", "ref", "sub"),
    [
        ("/hf/api/models/org/name", "GET", "info", HubRef("model", "org/name"), ""),
        ("/hf/api/models/bert", "GET", "info", HubRef("model", "bert"), ""),
        ("/hf/api/models/bert/revision/main", "GET", "info", HubRef("model", "bert"), ""),
        (
            "/hf/api/datasets/a/b/revision/refs%2Fheads%2Fmain",
            "GET",
            "info",
            HubRef("dataset", "a/b", "refs/heads/main"),
            "",
        ),
        ("/hf/api/models/a/b/tree/main", "GET", "tree", HubRef("model", "a/b"), ""),
        (
            "/hf/api/models/a/b/tree/v1/unet%2Fsub",
            "GET",
            "tree",
            HubRef("model", "a/b", "v1"),
            "unet/sub",
        ),
        (
            "/hf/api/models/acme/tree/tree/main",
            "GET",
            "tree",
            HubRef("model", "acme/tree", "main"),
            "",
        ),
        ("/hf/api/models/a/b/paths-info/main", "POST", "paths-info", HubRef("model", "a/b"), ""),
        ("/hf/api/models/bert/refs", "GET", "refs", HubRef("model", "bert"), ""),
        (
            "/hf/a/b/resolve/main/config.json",
            "HEAD",
            "resolve",
            HubRef("model", "a/b"),
            "config.json",
        ),
        (
            "/hf/bert/resolve/abc/x/y.bin?download=1",
            "GET",
            "resolve",
            HubRef("model", "bert", "abc"),
            "x/y.bin",
        ),
        (
            "/hf/datasets/a/b/resolve/main/d%2Fe.csv",
            "GET",
            "resolve",
            HubRef("dataset", "a/b"),
            "d/e.csv",
        ),
        (
            "/hf/artifacts/123/resolve/main/f",
            "GET",
            "resolve",
            HubRef("model", "artifacts/123"),
            "f",
        ),
    ],
)
def test_paths_name_endpoints(path: str, method: str, action: str, ref: HubRef, sub: str) -> None:
    call = parse(seg(path), method)
    assert (call.action, call.ref, call.path) == (action, ref, sub)


@pytest.mark.parametrize(
    ("path", "method", "error"),
    [
        ("/hf/api/models/a/b/commits/main", "GET", UnknownEndpoint),
        ("/hf/api/models/a/b/tree/main", "POST", MethodNotAllowed),
        ("/hf/api/models/a/b/paths-info/main", "GET", MethodNotAllowed),
        ("/hf/a/b/resolve/main/x", "POST", MethodNotAllowed),
        ("/hf/a/b/blob/main/x", "GET", UnknownEndpoint),
        ("/hf/a/b/resolve/main", "GET", UnknownEndpoint),
        ("/hf/a/b/resolve/main/", "GET", UnknownEndpoint),
        ("/hf/..%2Fetc/b/resolve/main/x", "GET", RepoNotFound),
        ("/hf/api/models/a b/c", "GET", RepoNotFound),
    ],
)
def test_unknown_paths_are_refused(path: str, method: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        parse(seg(path), method)


@pytest.mark.parametrize(
    ("path", "methods"),
    [
        ("/hf/api/models/a/b", ("GET", "HEAD")),
        ("/hf/api/models/a/b/tree/main/sub", ("GET", "HEAD")),
        ("/hf/api/datasets/a/b/paths-info/main", ("POST",)),
        ("/hf/datasets/a/b/resolve/main/x.bin", ("GET", "HEAD")),
    ],
)
def test_each_path_names_the_methods_it_answers(path: str, methods: tuple[str, ...]) -> None:
    assert allowed(seg(path)) == methods
    with pytest.raises(UnknownEndpoint):
        allowed(seg("/hf/api/models/a/b/commits/main"))


def _repo(paths: list[str]) -> HubRepo:
    at = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    files = tuple(
        ArtifactFile(path=p, sha256=f"{i:064x}", size=10 + i, role=FileRole.CONFIG)
        for i, p in enumerate(paths)
    )
    return HubRepo(
        repo_id="org/name",
        repo_type="model",
        artifact_id="42",
        artifact_type=ArtifactType.MODEL,
        name="name",
        sha="a" * 40,
        files=files,
        card={"license": "mit"},
        upstream={"kind": "huggingface", "sha": "a" * 40, "pipeline_tag": "fill-mask"},
        source_url="https://huggingface.co/org/name",
        created_at=at,
        updated_at=at,
    )


def test_git_oid_is_gits_blob_id() -> None:
    # `printf 'hello\n' | git hash-object --stdin`
    assert git_oid(b"hello\n") == "ce013625030ba8dba906f756967f9e9ca394464a"


def test_commit_is_upstream_sha_for_hub_artifacts_else_from_the_bundle() -> None:
    bundle = "b" * 64
    assert commit_of({"kind": "huggingface", "sha": "c" * 40}, bundle) == "c" * 40
    assert commit_of({"kind": "github", "revision": "main"}, bundle) == "b" * 40
    assert commit_of({"kind": "huggingface", "sha": "short"}, bundle) == "b" * 40


def test_tree_lists_one_level_or_everything() -> None:
    repo = _repo(["README.md", "unet/config.json", "unet/sub/w.safetensors", "vae/c.json"])
    top = hub_views.tree(repo, "", recursive=False, expand=False)
    assert top is not None
    assert [(e["type"], e["path"]) for e in top] == [
        ("file", "README.md"),
        ("directory", "unet"),
        ("directory", "vae"),
    ]
    everything = hub_views.tree(repo, "", recursive=True, expand=False)
    assert everything is not None
    assert [e["path"] for e in everything] == [
        "README.md",
        "unet",
        "unet/config.json",
        "unet/sub",
        "unet/sub/w.safetensors",
        "vae",
        "vae/c.json",
    ]
    unet = hub_views.tree(repo, "unet", recursive=False, expand=True)
    assert unet is not None
    assert [e["path"] for e in unet] == ["unet/config.json", "unet/sub"]
    assert unet[0]["lastCommit"]["id"] == "a" * 40
    assert unet[0]["lfs"]["oid"] == f"{1:064x}"
    assert hub_views.tree(repo, "README.md", recursive=False, expand=False) is None
    assert hub_views.tree(repo, "nope", recursive=False, expand=False) is None


def test_pages_neither_repeat_nor_skip() -> None:
    repo = _repo([f"f{i:02d}" for i in range(7)])
    entries = hub_views.tree(repo, "", recursive=True, expand=False)
    assert entries is not None
    seen: list[str] = []
    cursor: str | None = None
    for _ in range(10):
        chunk, cursor = hub_views.page(entries, cursor, 3)
        seen += [e["path"] for e in chunk]
        if cursor is None:
            break
    assert seen == [f"f{i:02d}" for i in range(7)]
    assert hub_views.page(entries, "not base64 at all!", 3)[0][0]["path"] == "f00"


def test_paths_info_and_info_shapes() -> None:
    repo = _repo(["README.md", "unet/config.json"])
    found = hub_views.paths_info(repo, ["README.md", "unet", "missing"], expand=False)
    assert [(e["type"], e["path"]) for e in found] == [("file", "README.md"), ("directory", "unet")]
    info = hub_views.info(repo, blobs=True, expand=[])
    assert info["id"] == info["modelId"] == "org/name"
    assert info["pipeline_tag"] == "fill-mask" and info["author"] == "org"
    assert info["siblings"][0] == {
        "rfilename": "README.md",
        "size": 10,
        "blobId": git_oid(hub_views.lfs_pointer(f"{0:064x}", 10)),
        "lfs": {"sha256": f"{0:064x}", "size": 10, "pointerSize": 127},
    }
    assert "config" not in info  # absent properties are left out, not null
    assert set(hub_views.info(repo, blobs=False, expand=["sha"])) == {"_id", "id", "sha"}
    by_id = replace(repo, repo_id="artifacts/42", upstream={"kind": "github"})
    plain = hub_views.info(by_id, blobs=False, expand=[])
    assert "author" not in plain and plain["sha"] == "a" * 40 and "pipeline_tag" not in plain


def _candidate(seq: int, commit: str, revision: str | None, subpath: str | None) -> _Candidate:
    return _Candidate(str(seq), seq, commit, revision, subpath, frozenset())


def test_revisions_pick_the_stored_version() -> None:
    whole_old = _candidate(1, "1" * 40, None, None)
    pinned = _candidate(2, "2" * 40, "v1.0", None)
    folder = _candidate(3, "3" * 40, None, "unet")
    whole_new = _candidate(4, "4" * 40, None, None)
    all_ = [whole_old, pinned, folder, whole_new]
    assert pick_revision(all_, "main") is whole_new
    assert pick_revision(all_, "refs/heads/main") is whole_new
    assert pick_revision(all_, "1" * 40) is whole_old
    assert pick_revision(all_, "v1.0") is pinned
    assert pick_revision(all_, "v2.0") is None
    assert pick_revision([pinned, folder], "main") is folder
    assert pick_revision([], "main") is None
