"""Rating use cases: the ingest gate, GET /rate, and rating URLs from the CLI.

What the gate answers:
- the rating is complete and passes INGEST_POLICY: the model is stored with it;
- complete, and fails the policy: 424 (PolicyRejected), the only refusal for trust;
- a metric the policy reads could not be computed because an upstream failed: 502
  (UpstreamUnavailable when a retry may succeed, else UpstreamError) naming the upstream
  and the metrics left uncomputed; for any other reason (a metric crashed or timed
  out): 500 (RatingFailed). An incomplete rating is never a verdict on the model;
- a metric the policy does not read failed: admitted, the incomplete rating not kept.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.auth import permissions
from registry.db.models import ArtifactRow, RatingRow
from registry.db.repositories import ArtifactRepository
from registry.db.session import Database
from registry.domain.errors import (
    RETRY_HINT,
    BadRequest,
    NotFound,
    PolicyRejected,
    RatingFailed,
    RegistryError,
    UpstreamError,
    UpstreamUnavailable,
)
from registry.domain.lineage import DeclaredLink
from registry.domain.models import (
    ArtifactType,
    AuditAction,
    Credential,
    Permission,
    Principal,
    User,
)
from registry.rating import pickle_safety
from registry.rating.context import FileFact, ParentFacts
from registry.rating.engine import Rating, RatingEngine
from registry.rating.gather import RatingSubject
from registry.rating.metrics.base import MetricResult
from registry.rating.policy import Policy
from registry.services.audit import record_event
from registry.services.ingest import MAX_README_CHARS
from registry.services.metadata import (
    description_of,
    link_origin,
    links_of,
    stored_description,
)
from registry.services.telemetry import PipelineTelemetry, Unobserved
from registry.sources.base import Describer, Description, Manifest, SourceKind
from registry.sources.resolver import parse_source_url
from registry.storage.blobs import BlobStore


class RatingService:
    def __init__(
        self,
        db: Database,
        blobs: BlobStore,
        engine: RatingEngine,
        policy: Policy,
        hub_source: Describer,
        *,
        hf_endpoint: str,
        work_root: Path,
        canonical: Callable[[str, str], str] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        telemetry: PipelineTelemetry | None = None,
        charge: Callable[[Session, Credential], Principal] | None = None,
    ) -> None:
        self.telemetry: PipelineTelemetry = telemetry or Unobserved()
        # Counts a credential's token use inside the transaction that records RATE, so a
        # GET /rate served from the stored rating is one short write (UserService.charge).
        self.charge = charge
        self.db = db
        self.blobs = blobs
        self.engine = engine
        self.policy = policy
        self.hub_source = hub_source
        self.hf_endpoint = hf_endpoint
        self.work_root = work_root
        self.canonical = canonical
        self.clock = clock

    # -- subjects -----------------------------------------------------------

    def _subject(
        self, name: str, description: Description, links: Iterable[DeclaredLink]
    ) -> RatingSubject:
        links = tuple(links)
        ref = description.ref
        with self.db.read() as session:
            parents = self._parents(session, links)
            datasets = self._datasets_in_registry(session, links)
        return RatingSubject(
            name=name,
            repo_id=ref.repo_id or ref.url,
            hub_model=ref.kind is SourceKind.HF_MODEL,
            # The card as the registry keeps it: a rating at ingest and one computed
            # later from the database read the same text.
            readme=description.readme[:MAX_README_CHARS],
            card=description.card,
            config=description.config if isinstance(description.config, dict) else {},
            files=tuple(FileFact(path=p, size=s, role=r) for p, s, r in description.files),
            upstream=description.upstream,
            links=links,
            parents=parents,
            registry_datasets=datasets,
        )

    @staticmethod
    def _parents(session: Session, links: tuple[DeclaredLink, ...]) -> tuple[ParentFacts, ...]:
        facts = []
        for link in links:
            if link.kind != "model":
                continue
            parent = session.scalars(
                select(ArtifactRow)
                .where(ArtifactRow.origin == link_origin(link), ArtifactRow.type == "model")
                .order_by(ArtifactRow.seq)
            ).first()
            net: float | None = None
            if parent is not None:
                stored = session.get(RatingRow, parent.seq)
                value = stored.payload.get("rating", {}).get("net_score") if stored else None
                net = float(value) if isinstance(value, int | float) else None
            facts.append(
                ParentFacts(
                    ref=link.ref,
                    source=link.source,
                    artifact_id=parent.id if parent else None,
                    net_score=net,
                )
            )
        return tuple(facts)

    @staticmethod
    def _datasets_in_registry(session: Session, links: tuple[DeclaredLink, ...]) -> frozenset[str]:
        wanted = {link_origin(lk): lk.ref.lower() for lk in links if lk.kind == "dataset"}
        if not wanted:
            return frozenset()
        found = session.scalars(select(ArtifactRow.origin).where(ArtifactRow.origin.in_(wanted)))
        return frozenset(wanted[o] for o in found if o)

    def _rate(self, subject: RatingSubject) -> Rating:
        rating = self.engine.rate(subject)
        for name, outcome in rating.outcomes.items():
            self.telemetry.rating_metric(name, outcome.latency, outcome.error is not None)
        return rating

    # -- the ingest gate ----------------------------------------------------

    def check(
        self,
        artifact_type: ArtifactType,
        name: str,
        manifest: Manifest,
        links: list[DeclaredLink],
    ) -> dict[str, Any] | None:
        """IngestPolicy: rate a model before it is stored; refuse it (424) only when a
        complete rating fails the policy (see the module docstring). The pickle scan is
        judged for every artifact type: a dataset's pickle is loaded the same way."""
        pickles = pickle_safety.score(manifest.upstream.get("file_scan"))
        self._check_pickles(name, pickles, manifest)  # before asking any upstream
        if artifact_type is not ArtifactType.MODEL:
            return None
        rating = self._rate(self._subject(name, description_of(manifest), links))
        payload = with_pickle_safety(rating.payload(), pickles)
        if self.policy.undecided(payload["errors"]):
            raise _incomplete(name, rating)
        problems = self.policy.violations(payload["rating"], payload["errors"])
        if problems:
            self.telemetry.policy_refused(
                self.policy.failing_rules(payload["rating"], payload["errors"])
            )
            # A metric the policy does not read may be missing (null): say why.
            missing = {"missing": payload["errors"]} if payload["errors"] else {}
            raise PolicyRejected(
                f"{name} is not registered: its rating fails the ingest policy "
                f"({self.policy}): " + "; ".join(problems),
                failures=problems,
                rating=payload["rating"],
                **missing,
            )
        # An incomplete rating the policy did not need is not kept: GET /rate computes
        # it again later.
        return None if payload["errors"] else payload

    def _check_pickles(self, name: str, pickles: MetricResult | None, manifest: Manifest) -> None:
        """424 when the pickle scan fails the policy's pickle_safety rules, naming each
        file and import that made it fail."""
        rules = Policy(tuple(r for r in self.policy.rules if r.metric == pickle_safety.NAME))
        if pickles is None or not rules.rules:
            return
        scores = {pickle_safety.NAME: pickles.score}
        if not rules.violations(scores, {}):
            return
        self.telemetry.policy_refused(rules.failing_rules(scores, {}))
        findings = pickle_safety.dangerous_findings(manifest.upstream.get("file_scan"))
        found = "; ".join(findings or pickles.evidence[1:])
        raise PolicyRejected(
            f"{name} is not registered: loading its pickles would run code it should not "
            f"({found}); its pickle_safety {pickles.score:g} fails the ingest policy "
            f"({rules}). Nothing was unpickled; publish the weights as safetensors",
            failures=[f"{pickle_safety.NAME}={pickles.score:g} fails {r}" for r in rules.rules],
            evidence=list(pickles.evidence),
        )

    # -- GET /artifact/model/{id}/rate ---------------------------------------

    def rating_for(self, artifact_id: str, user: User) -> dict[str, Any]:
        """The stored rating payload ({"rating": ModelRating, "evidence", "errors"}),
        computed when the model has none for its current contents."""
        _caller, payload = self.rating_for_credential(artifact_id, user)
        return payload

    def rating_for_credential(
        self, artifact_id: str, who: User | Credential
    ) -> tuple[Principal | None, dict[str, Any]]:
        """As `rating_for`; given a credential, its token use is counted (and the `search`
        permission checked) in the same transaction that records the RATE event.
        Returns the caller charged here (None for a user already authenticated)."""
        caller, user, cached = self._stored(artifact_id, who)
        if cached is not None:
            return caller, cached
        # One computation per model, however many requests ask at once.
        with self.db.named_lock(f"rating:{artifact_id}"):
            _, _, cached = self._stored(artifact_id, user, record=False)
            if cached is not None:
                return caller, cached
            with self.db.read() as session:
                row = ArtifactRepository(session, user).get(artifact_id)
                if row is None:
                    raise NotFound(f"no model with id {artifact_id}")
                version = row.version
                links = [
                    DeclaredLink(lk.ref, lk.kind, lk.relationship, lk.source) for lk in row.links
                ]
                description = stored_description(row, self.blobs, self.hf_endpoint)
                name = row.name
            rating = self._rate(self._subject(name, description, links))
            self._raise_if_failed(rating)
            payload = with_pickle_safety(
                rating.payload(), pickle_safety.score(description.upstream.get("file_scan"))
            )
            with self.db.transaction() as session:
                current = ArtifactRepository(session).get(artifact_id)
                if current is not None and current.version == version:
                    session.merge(
                        RatingRow(
                            artifact_seq=current.seq,
                            artifact_version=version,
                            computed_at=self.clock(),
                            payload=payload,
                        )
                    )
            return caller, payload

    def _stored(
        self, artifact_id: str, who: User | Credential, record: bool = True
    ) -> tuple[Principal | None, User, dict[str, Any] | None]:
        """The stored rating if it matches the artifact's version; records RATE.

        A refusal (unknown model, missing permission) still spends the token use, as
        every request does: it is raised after the commit."""
        failure: RegistryError | None = None
        caller: Principal | None = None
        found: dict[str, Any] | None = None
        with self.db.transaction() as session:
            if isinstance(who, Credential):
                if self.charge is None:
                    raise TypeError("RatingService was built without a way to charge tokens")
                caller = self.charge(session, who)
                user = caller.user
            else:
                user = who
            try:
                if caller is not None:
                    permissions.require(user, Permission.SEARCH)
                row = ArtifactRepository(session, user).get(artifact_id)
                if row is None or row.type != ArtifactType.MODEL.value:
                    raise NotFound(f"no model with id {artifact_id}")
            except RegistryError as exc:
                failure = exc
            else:
                if record:
                    record_event(session, AuditAction.RATE, row, user, self.clock())
                stored = session.get(RatingRow, row.seq)
                if stored is not None and stored.artifact_version == row.version:
                    found = dict(stored.payload)
        if failure is not None:
            raise failure
        return caller, user, found

    @staticmethod
    def _raise_if_failed(rating: Rating) -> None:
        """The spec's 500 for GET /rate, naming each failed metric and the upstream."""
        if rating.failed:
            reasons = "; ".join(f"{n}: {rating.outcomes[n].error}" for n in rating.failed)
            upstreams = sorted({f.upstream for f in rating.upstream_failures() if f.upstream})
            raise RatingFailed(
                f"the rating could not compute {', '.join(rating.failed)} ({reasons})",
                failed_metrics=rating.failed,
                upstreams=upstreams,
            )

    # -- registry rate URL ----------------------------------------------------

    def rate_url(self, url: str) -> tuple[Rating, list[str]]:
        """Rate a Hugging Face model without ingesting it (no weights are downloaded).

        Returns the rating and the policy's objections to it (empty: it would be admitted).
        """
        ref = parse_source_url(url, ArtifactType.MODEL, self.hf_endpoint)
        if ref.kind is not SourceKind.HF_MODEL:
            raise BadRequest(f"{url} is not a Hugging Face model URL")
        self.work_root.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=self.work_root, prefix="rate-") as tmp:
            description = self.hub_source.describe(ref, Path(tmp))
        links = links_of(description, self.canonical)
        rating = self._rate(self._subject(ref.default_name, description, links))
        payload = rating.payload()
        return rating, self.policy.violations(payload["rating"], payload["errors"])


def with_pickle_safety(payload: dict[str, Any], pickles: MetricResult | None) -> dict[str, Any]:
    """The payload with the pickle scan as evidence (`?evidence` shows it); the score is
    not a ModelRating field, so the contract's rating is unchanged."""
    if pickles is not None:
        score = pickles.score
        payload["evidence"][pickle_safety.NAME] = [f"score {score:g}", *pickles.evidence]
    return payload


def _incomplete(name: str, rating: Rating) -> UpstreamError | RatingFailed:
    """Why a model could not be judged at ingest: never a verdict on the model itself."""
    missing = {n: str(rating.outcomes[n].error) for n in rating.failed}
    missing["net_score"] = str(rating.net.error)
    failures = rating.upstream_failures()
    if not failures:
        return RatingFailed(
            f"{name} was not registered: the registry could not compute "
            f"{', '.join(rating.failed)} ({'; '.join(missing.values())}); see its logs",
            failed_metrics=rating.failed,
            missing=missing,
        )
    upstreams = sorted({f.upstream for f in failures if f.upstream})
    transient = all(f.transient for f in failures)
    retry = f"; {RETRY_HINT}" if transient else ""
    reasons = "; ".join(f.message.removesuffix(f"; {RETRY_HINT}") for f in failures)
    message = (
        f"{name} was not registered: {' and '.join(upstreams)} failed while it was being "
        f"rated ({reasons}), so {', '.join(rating.failed)} could not be computed{retry}. "
        "This is not a verdict on the model."
    )
    error = UpstreamUnavailable if transient else UpstreamError
    return error(
        message, upstream=", ".join(upstreams), failed_metrics=rating.failed, missing=missing
    )
