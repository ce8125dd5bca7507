"""Integrity of the blob store: re-hash every blob, and repair what can be repaired.

A blob is named by its sha256, so checking it needs nothing but its bytes. Problems:
a blob the database references that the store lacks (`missing`), and a stored blob
whose bytes no longer hash to its name (`corrupt`, whether referenced or not).

Repair takes the bytes from where they came from: a file from the artifact's upstream
(fetched again by the same source that ingested it, and written only when it hashes
to the expected digest, so an upstream that changed since cannot slip other bytes in),
a bundle by building it again from the artifact's files (bundles are deterministic,
so an intact set of files gives the same bytes, and the ETag clients hold stays valid).
"""

from __future__ import annotations

import hashlib
import shutil
import uuid
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from registry.db.models import ArtifactFileRow, ArtifactRow
from registry.db.session import Database
from registry.domain.errors import BadRequest, RegistryError
from registry.domain.models import ArtifactType
from registry.services.bundles import build_bundle, build_legacy_bundle
from registry.sources.base import Manifest, Source, SourceKind
from registry.sources.resolver import parse_source_url
from registry.storage.blobs import BlobStore

# Re-fetches an artifact from its upstream into a folder: (source URL, type, folder).
Refetch = Callable[[str, str, Path], Manifest]
Progress = Callable[[int], None]  # called once per blob checked


@dataclass
class BlobProblem:
    digest: str
    kind: str  # "missing" or "corrupt"
    artifacts: list[str] = field(default_factory=list)  # ids of the artifacts using it
    repaired: bool = False
    note: str = ""  # why a repair did not happen


@dataclass
class VerifyReport:
    checked: int
    problems: list[BlobProblem]

    @property
    def unrepaired(self) -> list[BlobProblem]:
        return [p for p in self.problems if not p.repaired]


@dataclass(frozen=True)
class _Use:
    """One artifact's use of a blob: as a file (with its path) or as its bundle."""

    artifact_id: str
    seq: int
    path: str | None  # None: the bundle


class BlobVerifier:
    def __init__(self, db: Database, blobs: BlobStore, *, workers: int = 4) -> None:
        self.db = db
        self.blobs = blobs
        self.workers = workers

    def uses(self) -> dict[str, list[_Use]]:
        with self.db.read() as session:
            uses: dict[str, list[_Use]] = {}
            query = select(ArtifactRow.id, ArtifactRow.seq, ArtifactRow.bundle_sha256)
            for artifact_id, seq, digest in session.execute(query):
                uses.setdefault(digest, []).append(_Use(artifact_id, seq, None))
            files = select(
                ArtifactRow.id, ArtifactRow.seq, ArtifactFileRow.path, ArtifactFileRow.sha256
            )
            files = files.join(ArtifactFileRow, ArtifactFileRow.artifact_seq == ArtifactRow.seq)
            for artifact_id, seq, path, digest in session.execute(files):
                uses.setdefault(digest, []).append(_Use(artifact_id, seq, path))
        return uses

    def targets(self) -> tuple[list[str], dict[str, list[_Use]]]:
        """Every digest to check (stored or referenced) and who uses each."""
        uses = self.uses()
        stored = {digest for digest, _ in self.blobs.iter_blobs()}
        return sorted(stored | set(uses)), uses

    def check(self, digest: str) -> str | None:
        """None when the blob is intact, else "missing" or "corrupt"."""
        h = hashlib.sha256()
        try:
            for chunk in self.blobs.read(digest):
                h.update(chunk)
        except FileNotFoundError:
            return "missing"
        return None if h.hexdigest() == digest else "corrupt"

    def run(
        self, digests: list[str], uses: dict[str, list[_Use]], progress: Progress | None = None
    ) -> VerifyReport:
        """Hash `digests` on at most `workers` threads; blobs stream, memory stays flat."""
        problems: list[BlobProblem] = []
        with ThreadPoolExecutor(self.workers, thread_name_prefix="verify") as pool:
            for digest, kind in zip(digests, pool.map(self.check, digests), strict=True):
                if progress:
                    progress(1)
                if kind is None:
                    continue
                ids = sorted({u.artifact_id for u in uses.get(digest, [])})
                problems.append(BlobProblem(digest, kind, ids))
        return VerifyReport(len(digests), problems)


class BlobRepairer:
    def __init__(self, verifier: BlobVerifier, refetch: Refetch, work_root: Path) -> None:
        self.verifier = verifier
        self.blobs = verifier.blobs
        self.db = verifier.db
        self.refetch = refetch
        self.work_root = work_root

    def repair(self, report: VerifyReport, uses: dict[str, list[_Use]]) -> None:
        """Repair what can be, files first (a bundle is rebuilt from them)."""
        bad = {p.digest: p for p in report.problems}
        files = [p for p in report.problems if any(u.path for u in uses.get(p.digest, []))]
        bundles = [p for p in report.problems if p not in files and uses.get(p.digest)]
        for problem in report.problems:
            if not uses.get(problem.digest):
                problem.note = "no artifact uses it: `registry gc` removes it"
        for problem in files:
            if not problem.repaired:
                self._from_upstream(problem, uses, bad)
        for problem in bundles:
            self._rebuild_bundle(problem, uses[problem.digest][0])

    @contextmanager
    def _workdir(self) -> Iterator[Path]:
        path = self.work_root / f"repair-{uuid.uuid4().hex}"
        path.mkdir(parents=True)
        try:
            yield path
        finally:
            shutil.rmtree(path, ignore_errors=True)

    def _store(self, digest: str, local: Path) -> None:
        self.blobs.delete(digest)  # a corrupt copy would make put_file a no-op
        self.blobs.put_file(digest, local)

    def _from_upstream(
        self, problem: BlobProblem, uses: dict[str, list[_Use]], bad: dict[str, BlobProblem]
    ) -> None:
        use = next(u for u in uses[problem.digest] if u.path)
        with self.db.read() as session:
            row = session.scalars(select(ArtifactRow).where(ArtifactRow.seq == use.seq)).first()
            if row is None:
                problem.note = "its artifact was deleted meanwhile"
                return
            url, kind = row.source_url, row.type
        with self._workdir() as workdir:
            try:
                manifest = self.refetch(url, kind, workdir)
            except RegistryError as exc:
                problem.note = f"re-fetching {url} failed: {exc.message}"
                return
            fetched = {f.sha256: f.local for f in manifest.files}
            # One fetch repairs every damaged file of this artifact.
            for digest, other in bad.items():
                if not other.repaired and digest in fetched:
                    self._store(digest, fetched[digest])
                    other.repaired, other.note = True, f"re-fetched from {url}"
        if not problem.repaired:
            problem.note = f"{url} no longer serves these bytes"

    def _rebuild_bundle(self, problem: BlobProblem, use: _Use) -> None:
        with self.db.read() as session:
            query = select(ArtifactFileRow).where(ArtifactFileRow.artifact_seq == use.seq)
            entries = [(f.path, f.sha256, f.size) for f in session.scalars(query)]
        with self._workdir() as workdir:
            staged = []
            for index, (path, digest, size) in enumerate(entries):
                local = workdir / f"file-{index}"
                h = hashlib.sha256()
                try:
                    with local.open("wb") as out:
                        for chunk in self.blobs.read(digest):
                            h.update(chunk)
                            out.write(chunk)
                except FileNotFoundError:
                    problem.note = f"its file {path} is missing too"
                    return
                if h.hexdigest() != digest:
                    problem.note = f"its file {path} is damaged too"
                    return
                staged.append((path, local, size))
            bundle = workdir / "bundle.zip"
            # Bundles ingested before zips carried data descriptors have the older
            # layout: the one that gives the recorded digest back is the one to store.
            for build in (build_bundle, build_legacy_bundle):
                digest, _size = build(staged, bundle)
                if digest == problem.digest:
                    break
            else:
                problem.note = "rebuilding it from its files gives other bytes"
                return
            self._store(digest, bundle)
        problem.repaired, problem.note = True, "rebuilt from the artifact's files"


def upstream_refetch(sources: Mapping[SourceKind, Source], hf_endpoint: str) -> Refetch:
    """Re-fetch an artifact the way its ingest fetched it."""

    def refetch(url: str, kind: str, workdir: Path) -> Manifest:
        artifact_type = ArtifactType(kind)
        ref = parse_source_url(url, artifact_type, hf_endpoint)
        if ref.kind is SourceKind.UPLOAD or ref.kind not in sources:
            raise BadRequest("it was uploaded, so it has no upstream to fetch it from again")
        return sources[ref.kind].fetch(ref, artifact_type, workdir)

    return refetch
