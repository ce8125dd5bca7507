"""Ingest and update: from a source URL to a stored, listed artifact.

Order of writes (so a crash never leaves a visible half-artifact):
1. download into a private work folder, hashing each file and writing the bundle as
   the bytes arrive (services/bundle_writer.py), then decide (services/ingest_gate.py);
2. upload blobs (idempotent; a crash here leaves orphans that `registry gc` frees);
3. under the blob lock, one transaction inserts or swaps the database rows.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from registry.db.access import GroupRepository
from registry.db.constraints import UQ_ARTIFACT_SOURCE, broken_unique_constraint
from registry.db.models import ArtifactFileRow, ArtifactLinkRow, ArtifactRow, RatingRow
from registry.db.repositories import ArtifactRepository, to_artifact
from registry.db.session import Database
from registry.domain.errors import BadRequest, Conflict, NotFound, RegistryError
from registry.domain.lineage import DeclaredLink
from registry.domain.models import Artifact, ArtifactType, AuditAction, User
from registry.domain.names import validate_artifact_name
from registry.limits.guards import IngestSlots
from registry.services import workdirs
from registry.services.access import can_see, private_groups, require_manager
from registry.services.audit import record_event
from registry.services.blobs import BlobJanitor
from registry.services.bundle_writer import BundleWriter
from registry.services.ids import new_artifact_id
from registry.services.ingest_gate import AdmitAll, FileCheck, IngestPolicy
from registry.services.metadata import description_of, link_origin, links_of, origin_of
from registry.services.telemetry import PipelineTelemetry, Unobserved
from registry.sources import deadline
from registry.sources.base import (
    CanonicalSource,
    Manifest,
    Source,
    SourceKind,
    SourceRef,
)
from registry.sources.resolver import hf_key, parse_source_url
from registry.storage.blobs import BlobStore

MAX_README_CHARS = 1 << 20  # searchable README text kept in the database


@dataclass
class _Observed:
    """What one ingest reports when it ends: its source once known, the bytes stored."""

    source: str = "unknown"
    size: int = 0


@dataclass(frozen=True)
class _Prepared:
    manifest: Manifest
    bundle_path: Path
    bundle_sha256: str
    bundle_size: int
    epoch: int
    links: list[DeclaredLink]
    rating: dict[str, Any] | None


class IngestService:
    def __init__(
        self,
        db: Database,
        blobs: BlobStore,
        sources: Mapping[SourceKind, Source],
        *,
        hf_endpoint: str,
        work_root: Path,
        janitor: BlobJanitor,
        policy: IngestPolicy | None = None,
        upload_workers: int = 4,
        canonical: Callable[[str, str], str] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        telemetry: PipelineTelemetry | None = None,
        file_check: FileCheck | None = None,
        slots: IngestSlots | None = None,
        deadline_seconds: float | None = None,
        fetch_deadline_seconds: float | None = None,
    ) -> None:
        self.file_check = file_check
        self.db = db
        self.slots = slots
        self.deadline_seconds = deadline_seconds
        self.fetch_deadline_seconds = fetch_deadline_seconds
        self.blobs = blobs
        self.sources = sources
        self.telemetry: PipelineTelemetry = telemetry or Unobserved()
        self.hf_endpoint = hf_endpoint
        self.work_root = work_root
        self.policy: IngestPolicy = policy or AdmitAll()
        self.upload_workers = upload_workers
        self.canonical = canonical
        self.clock = clock
        self.janitor = janitor

    # -- public use cases -------------------------------------------------

    def create(
        self,
        artifact_type: ArtifactType,
        url: str,
        name: str | None,
        user: User,
        groups: tuple[str, ...] = (),
    ) -> Artifact:
        """Ingest `url`; with `groups`, the artifact is private to them from the start."""
        with self._observed(success=201) as seen, self._bounded(user):
            return self._create(artifact_type, url, name, user, groups, seen=seen)

    def _create(
        self,
        artifact_type: ArtifactType,
        url: str,
        name: str | None,
        user: User,
        groups: tuple[str, ...],
        *,
        seen: _Observed,
    ) -> Artifact:
        ref = self._parse(url, artifact_type)
        seen.source = ref.kind.value
        final_name = validate_artifact_name(name if name is not None else ref.default_name)
        with self.db.read() as session:
            private_groups(session, groups, user)  # a 400 before anything is fetched
        self._refuse_duplicate(artifact_type, ref, None, user)
        with self._workdir() as workdir:
            prepared = self._prepare(artifact_type, final_name, ref, workdir)
            now = self.clock()
            row = ArtifactRow(
                id=new_artifact_id(),
                type=artifact_type.value,
                name=final_name,
                created_at=now,
                created_by=user.name,
                owner_id=user.id,
                version=1,
            )
            self._fill(row, ref, prepared, now, user)
            try:
                with self.db.blob_lock(), self.db.transaction() as session:
                    self._ensure_blobs(session, prepared)
                    ArtifactRepository(session).add(row)
                    if groups:
                        GroupRepository(session).set_for_artifact(
                            row.seq, private_groups(session, groups, user)
                        )
                    self._store_rating(session, row, prepared, now)
                    record_event(session, AuditAction.CREATE, row, user, now)
                    artifact = to_artifact(row)
            except IntegrityError as exc:
                if broken_unique_constraint(exc) != UQ_ARTIFACT_SOURCE:
                    raise  # any other integrity error is a bug of the registry's
                raise self._conflict_after(artifact_type, ref, user) from exc
        seen.size = prepared.manifest.total_size
        return artifact

    def update(
        self,
        artifact_type: ArtifactType,
        artifact_id: str,
        name: str,
        url: str,
        user: User,
    ) -> Artifact:
        with self._observed(success=200) as seen, self._bounded(user):
            return self._update(artifact_type, artifact_id, name, url, user, seen=seen)

    def _update(
        self,
        artifact_type: ArtifactType,
        artifact_id: str,
        name: str,
        url: str,
        user: User,
        *,
        seen: _Observed,
    ) -> Artifact:
        with self.db.read() as session:
            current = ArtifactRepository(session, user).get(artifact_id)
            if current is None or current.type != artifact_type.value:
                raise NotFound(f"no {artifact_type.value} artifact with id {artifact_id}")
            require_manager(session, current, user, "update")
            if current.name != name:
                raise BadRequest(
                    f"metadata.name {name!r} does not match the stored name {current.name!r}; "
                    "the name and id of an update must match the artifact"
                )
        ref = self._parse(url, artifact_type)
        seen.source = ref.kind.value
        self._refuse_duplicate(artifact_type, ref, artifact_id, user)
        with self._workdir() as workdir:
            prepared = self._prepare(artifact_type, name, ref, workdir)
            now = self.clock()
            try:
                with self.db.blob_lock():
                    with self.db.transaction() as session:
                        repo = ArtifactRepository(session)
                        row = repo.get(artifact_id, lock=True)
                        if row is None:
                            raise NotFound(f"artifact {artifact_id} was deleted during the update")
                        old = {f.sha256 for f in row.files} | {row.bundle_sha256}
                        self._ensure_blobs(session, prepared)
                        row.files.clear()
                        row.links.clear()
                        session.flush()
                        self._fill(row, ref, prepared, now, user)
                        row.version += 1
                        session.flush()
                        self._store_rating(session, row, prepared, now)
                        record_event(session, AuditAction.UPDATE, row, user, now)
                        freed = self.janitor.unreferenced(session, old)
                        artifact = to_artifact(row)
                    self.janitor.delete_files(freed)
            except IntegrityError as exc:
                if broken_unique_constraint(exc) != UQ_ARTIFACT_SOURCE:
                    raise  # any other integrity error is a bug of the registry's
                raise self._conflict_after(artifact_type, ref, user) from exc
        seen.size = prepared.manifest.total_size
        return artifact

    @contextmanager
    def _bounded(self, user: User) -> Iterator[None]:
        """One of the user's ingest slots (429 when none is free), and the deadline of
        the whole ingest, which every upstream transfer below it honours."""
        slot = self.slots.hold(user.id) if self.slots is not None else nullcontext()
        with slot:
            if self.deadline_seconds is None:
                yield
                return
            what = f"INGEST_DEADLINE_SECONDS ({self.deadline_seconds:g} s)"
            with deadline.bounded(self.deadline_seconds, what, self.fetch_deadline_seconds):
                yield

    @staticmethod
    def _in_time(doing: str) -> None:
        """Refuse to go on once the ingest's deadline has passed."""
        limit = deadline.current()
        if limit is not None:
            limit.check(doing)

    @contextmanager
    def _observed(self, success: int) -> Iterator[_Observed]:
        """Report the ingest's duration, source and outcome (the HTTP status it ends with)."""
        seen = _Observed()
        started = time.perf_counter()
        outcome = 500
        try:
            yield seen
            outcome = success
        except RegistryError as exc:
            outcome = exc.status
            raise
        finally:
            elapsed = time.perf_counter() - started
            size = seen.size if outcome == success else 0
            self.telemetry.ingest_finished(seen.source, outcome, elapsed, size)

    def sweep_workdirs(self, older_than: timedelta, *, dry_run: bool = False) -> int:
        """Remove ingest work folders left by killed processes; returns how many (with
        `dry_run`, how many would go, removing nothing)."""
        return workdirs.sweep(self.work_root, older_than, dry_run=dry_run)

    # -- steps ------------------------------------------------------------

    def _parse(self, url: str, artifact_type: ArtifactType) -> SourceRef:
        """The source `url` names, keyed so that every spelling of the same upstream
        revision (the default branch named or not, hf.co, `.git` ...) is one artifact."""
        ref = parse_source_url(url, artifact_type, self.hf_endpoint)
        hub_kinds = {SourceKind.HF_MODEL: "model", SourceKind.HF_DATASET: "dataset"}
        if ref.kind in hub_kinds and ref.repo_id and "/" not in ref.repo_id and self.canonical:
            # A legacy id ("bert-base-uncased") is the repository the Hub moved it to;
            # it is still fetched as given (the Hub redirects), only the key changes.
            moved = self.canonical(hub_kinds[ref.kind], ref.repo_id)
            ref = replace(ref, key=hf_key(ref.kind, moved, ref.revision, ref.subpath))
        source = self.sources.get(ref.kind)
        return source.canonical(ref) if isinstance(source, CanonicalSource) else ref

    def _workdir(self) -> workdirs.WorkDir:
        return workdirs.WorkDir(workdirs.new_workdir(self.work_root))

    def _refuse_duplicate(
        self, artifact_type: ArtifactType, ref: SourceRef, exclude_id: str | None, user: User
    ) -> None:
        existing = self._existing(artifact_type, ref, user)
        if existing is not None and existing[0] != exclude_id:
            raise _exists(artifact_type, ref.url, *existing)

    def _conflict_after(self, artifact_type: ArtifactType, ref: SourceRef, user: User) -> Conflict:
        """An insert lost a race on (type, source): name the artifact that won."""
        existing = self._existing(artifact_type, ref, user)
        if existing is None:
            return Conflict(
                f"{ref.url} was ingested as {artifact_type.value} by a concurrent request and "
                "deleted again since; send the request again"
            )
        return _exists(artifact_type, ref.url, *existing)

    def _existing(
        self, artifact_type: ArtifactType, ref: SourceRef, user: User
    ) -> tuple[str, bool] | None:
        """(id, whether `user` may see it) of the artifact ingested from `ref` already."""
        with self.db.read() as session:
            repo = ArtifactRepository(session)
            existing = repo.id_by_source(artifact_type, ref.key)
            row = repo.get(existing) if existing is not None else None
            return None if row is None else (row.id, can_see(session, row, user))

    def _prepare(
        self, artifact_type: ArtifactType, name: str, ref: SourceRef, workdir: Path
    ) -> _Prepared:
        with self.db.read() as session:
            epoch = ArtifactRepository(session).blob_epoch()
        bundle = workdir / "bundle.zip"
        # The bundle is written beside the download, from the bytes as they arrive.
        with BundleWriter(bundle) as writer:
            manifest = self.sources[ref.kind].fetch(ref, artifact_type, workdir, writer)
            self._in_time(f"fetching {ref.url}")
            if not manifest.files:
                raise BadRequest(f"{ref.url} has no files to ingest")
            if self.file_check is not None:
                manifest.upstream["file_scan"] = self.file_check.scan(manifest.files, workdir)
            links = links_of(description_of(manifest), self.canonical)
            rating = self.policy.check(artifact_type, name, manifest, links)
            self._in_time(f"rating {ref.url}")
            bundle_sha, bundle_size = writer.finish((f.path, f.local) for f in manifest.files)
        uploads = {f.sha256: f.local for f in manifest.files}
        uploads[bundle_sha] = bundle
        with ThreadPoolExecutor(self.upload_workers, thread_name_prefix="blob-upload") as pool:
            list(pool.map(lambda item: self.blobs.put_file(*item), uploads.items()))
        self._in_time(f"storing {ref.url}")
        return _Prepared(manifest, bundle, bundle_sha, bundle_size, epoch, links, rating)

    def _ensure_blobs(self, session: Session, prepared: _Prepared) -> None:
        """Under the blob lock: if any blob was deleted since we uploaded, upload again."""
        if ArtifactRepository(session).blob_epoch() == prepared.epoch:
            return
        local = {f.sha256: f.local for f in prepared.manifest.files}
        local[prepared.bundle_sha256] = prepared.bundle_path
        for digest, path in local.items():
            if not self.blobs.exists(digest):
                self.blobs.put_file(digest, path)

    def _fill(
        self, row: ArtifactRow, ref: SourceRef, prepared: _Prepared, now: datetime, user: User
    ) -> None:
        manifest = prepared.manifest
        row.source_url = ref.url
        row.source_key = ref.key
        row.readme = manifest.readme[:MAX_README_CHARS]
        row.card = _jsonable(manifest.card)
        row.upstream = _jsonable(manifest.upstream)
        row.size = manifest.total_size
        row.bundle_sha256 = prepared.bundle_sha256
        row.bundle_size = prepared.bundle_size
        row.updated_at = now
        row.updated_by = user.name
        row.origin = origin_of(ref)
        row.files = [
            ArtifactFileRow(path=f.path, sha256=f.sha256, size=f.size, role=f.role.value)
            for f in manifest.files
        ]
        row.links = [
            ArtifactLinkRow(
                target_origin=link_origin(link),
                ref=link.ref,
                kind=link.kind,
                relationship=link.relationship,
                source=link.source,
            )
            for link in prepared.links
        ]

    @staticmethod
    def _store_rating(
        session: Session, row: ArtifactRow, prepared: _Prepared, now: datetime
    ) -> None:
        """Keep the rating the policy computed; it describes exactly these contents."""
        session.execute(delete(RatingRow).where(RatingRow.artifact_seq == row.seq))
        if prepared.rating is not None:
            session.add(
                RatingRow(
                    artifact_seq=row.seq,
                    artifact_version=row.version,
                    computed_at=now,
                    payload=_jsonable(prepared.rating),
                )
            )


def _exists(artifact_type: ArtifactType, url: str, existing_id: str, visible: bool) -> Conflict:
    if not visible:  # a private artifact's id is not given away
        return Conflict(
            f"{url} is in the registry already as a {artifact_type.value} private to groups "
            "you are not in; ask its uploader or an administrator for access"
        )
    return Conflict(
        f"artifact exists already: {url} is in the registry as {artifact_type.value} "
        f"{existing_id}; update it with PUT /artifacts/{artifact_type.value}/{existing_id}",
        existing_id=existing_id,
    )


def _jsonable(value: object) -> dict[str, object]:
    """Round-trip through JSON so dates and odd YAML types cannot break the insert."""
    return dict(json.loads(json.dumps(value, default=str)))
