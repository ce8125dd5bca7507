"""Content-addressed storage on a real database: shared blobs, freeing, gc, races."""

from __future__ import annotations

import os
import time
from datetime import timedelta
from pathlib import Path

from registry.domain.models import ArtifactType
from registry.services.blobs import GcReport
from registry.services.container import Registry
from registry.storage.blobs import BlobStore
from tests.conftest import ADMIN_USER, BERT, FINETUNE, GH_BERT

ADMIN = ADMIN_USER
M = ArtifactType.MODEL


def _stored(registry: Registry) -> set[str]:
    return {d for d, _ in registry.blobs.iter_blobs()}


def _epoch(registry: Registry) -> int:
    from registry.db.repositories import ArtifactRepository

    with registry.db.read() as session:
        return ArtifactRepository(session).blob_epoch()


def _referenced(registry: Registry) -> set[str]:
    from registry.db.repositories import ArtifactRepository

    with registry.db.read() as session:
        return ArtifactRepository(session).all_referenced()


def test_shared_files_are_stored_once(registry: Registry) -> None:
    bert = registry.ingest.create(M, BERT, None, ADMIN)
    tuned = registry.ingest.create(M, FINETUNE, None, ADMIN)
    shared = {f.sha256 for f in bert.files} & {f.sha256 for f in tuned.files}
    assert shared, "the fine-tune reuses the base model's tokenizer"
    assert _stored(registry) == _referenced(registry)
    everything = [f.sha256 for a in (bert, tuned) for f in a.files] + [
        bert.bundle_sha256,
        tuned.bundle_sha256,
    ]
    assert len(_stored(registry)) == len(set(everything)) < len(everything)


def test_delete_frees_only_blobs_no_one_else_uses(registry: Registry) -> None:
    bert = registry.ingest.create(M, BERT, None, ADMIN)
    tuned = registry.ingest.create(M, FINETUNE, None, ADMIN)
    registry.artifacts.delete(M, bert.id, ADMIN)
    stored = _stored(registry)
    assert stored == _referenced(registry)
    assert {f.sha256 for f in tuned.files} <= stored
    only_bert = {f.sha256 for f in bert.files} - {f.sha256 for f in tuned.files}
    assert only_bert and not (only_bert & stored)
    assert bert.bundle_sha256 not in stored


def test_update_frees_the_replaced_contents(registry: Registry) -> None:
    art = registry.ingest.create(
        ArtifactType.CODE, "https://github.com/openai/whisper", None, ADMIN
    )
    updated = registry.ingest.update(
        ArtifactType.CODE, art.id, art.name, "https://github.com/openai/whisper/tree/v1", ADMIN
    )
    assert updated.bundle_sha256 != art.bundle_sha256
    assert _stored(registry) == _referenced(registry)
    assert art.bundle_sha256 not in _stored(registry)


def test_gc_removes_old_orphans_and_spares_the_rest(registry: Registry, tmp_path: Path) -> None:
    import hashlib

    registry.ingest.create(ArtifactType.CODE, GH_BERT, None, ADMIN)
    orphan_old = tmp_path / "old"
    orphan_old.write_bytes(b"left behind by a crashed ingest")
    orphan_new = tmp_path / "new"
    orphan_new.write_bytes(b"uploaded a moment ago by a running ingest")
    old_digest = hashlib.sha256(orphan_old.read_bytes()).hexdigest()
    new_digest = hashlib.sha256(orphan_new.read_bytes()).hexdigest()
    registry.blobs.put_file(old_digest, orphan_old)
    registry.blobs.put_file(new_digest, orphan_new)
    if hasattr(registry.blobs, "root"):  # age the old one (local folder store)
        path = registry.blobs.root / old_digest[:2] / old_digest[2:4] / old_digest
        past = time.time() - 7200
        os.utime(path, (past, past))
    referenced = _referenced(registry)
    epoch = _epoch(registry)
    report = registry.janitor.collect(timedelta(hours=1))
    assert report == GcReport(
        scanned=len(referenced) + 2, referenced=len(referenced), deleted=1, kept_recent=1
    )
    assert _stored(registry) == referenced | {new_digest}
    # In-flight ingests learn that blobs went away (they re-check their uploads).
    assert _epoch(registry) == epoch + 1
    # Nothing left to free: the epoch stays, so ingests are not sent re-checking.
    again = registry.janitor.collect(timedelta(hours=1))
    assert (again.deleted, again.kept_recent) == (0, 1)
    assert _epoch(registry) == epoch + 1


class _DeleteDuringUpload:
    """A blob store that, right after the shared tokenizer is uploaded, lets a
    concurrent delete remove the only artifact that referenced it."""

    def __init__(self, inner: BlobStore, trigger_digest: str, action: object) -> None:
        self.inner = inner
        self.trigger = trigger_digest
        self.action = action
        self.fired = False

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)

    def put_file(self, digest: str, source: Path) -> None:
        self.inner.put_file(digest, source)
        if digest == self.trigger and not self.fired:
            self.fired = True
            self.action()  # type: ignore[operator]


def test_a_blob_deleted_between_upload_and_commit_is_uploaded_again(registry: Registry) -> None:
    bert = registry.ingest.create(M, BERT, None, ADMIN)
    tokenizer = next(f.sha256 for f in bert.files if f.path == "tokenizer.json")
    wrapper = _DeleteDuringUpload(
        registry.blobs, tokenizer, lambda: registry.artifacts.delete(M, bert.id, ADMIN)
    )
    registry.ingest.blobs = wrapper  # type: ignore[assignment]
    registry.ingest.upload_workers = 1
    tuned = registry.ingest.create(M, FINETUNE, None, ADMIN)
    assert wrapper.fired
    assert registry.blobs.exists(tokenizer)
    assert tokenizer in {f.sha256 for f in tuned.files}
    assert _stored(registry) == _referenced(registry)
