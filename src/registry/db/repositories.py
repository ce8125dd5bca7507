"""Data access: every query the services need, behind small repository classes.

Repositories take an open `Session` and never commit; the service that opened the
unit of work decides when it ends.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, and_, delete, false, or_, select, update
from sqlalchemy.orm import Session, selectinload

from registry.db.access import visible_to
from registry.db.models import (
    ArtifactFileRow,
    ArtifactRow,
    AuditEventRow,
    BlobEpochRow,
    GroupMemberRow,
    TokenRow,
    UserRow,
)
from registry.domain.models import (
    Artifact,
    ArtifactFile,
    ArtifactSummary,
    ArtifactType,
    FileRole,
    User,
)

S = TypeVar("S", bound=Select[*tuple[Any, ...]])


@dataclass(frozen=True)
class NameQuery:
    """One element of the enumerate request: a name ('*' for all) and optional types."""

    name: str
    types: tuple[ArtifactType, ...] | None = None


def to_artifact(row: ArtifactRow) -> Artifact:
    return Artifact(
        id=row.id,
        type=ArtifactType(row.type),
        name=row.name,
        source_url=row.source_url,
        source_key=row.source_key,
        readme=row.readme,
        card=dict(row.card or {}),
        size=row.size,
        bundle_sha256=row.bundle_sha256,
        bundle_size=row.bundle_size,
        created_at=row.created_at,
        updated_at=row.updated_at,
        created_by=row.created_by,
        updated_by=row.updated_by,
        files=tuple(
            ArtifactFile(path=f.path, sha256=f.sha256, size=f.size, role=FileRole(f.role))
            for f in row.files
        ),
    )


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class ArtifactRepository:
    """Artifacts as a viewer sees them: with `viewer`, every read leaves out what the
    viewer may not see (`registry.db.access.visible_to`), so a private artifact is "not
    found" to outsiders on every path. Without one, the registry's own unscoped view
    (ingest bookkeeping, blob references, reset)."""

    def __init__(self, session: Session, viewer: User | None = None) -> None:
        self.s = session
        self.viewer = viewer

    def _scoped(self, stmt: S) -> S:
        if self.viewer is None or self.viewer.is_admin:
            return stmt
        return stmt.where(visible_to(self.viewer))

    def add(self, row: ArtifactRow) -> None:
        self.s.add(row)
        self.s.flush()

    def get(self, artifact_id: str, *, lock: bool = False) -> ArtifactRow | None:
        stmt = (
            select(ArtifactRow)
            .where(ArtifactRow.id == artifact_id)
            .options(selectinload(ArtifactRow.files))
        )
        if lock:
            stmt = stmt.with_for_update()
        return self.s.scalars(self._scoped(stmt)).first()

    def id_by_source(self, type_: ArtifactType, source_key: str) -> str | None:
        return self.s.scalars(
            select(ArtifactRow.id).where(
                ArtifactRow.type == type_.value, ArtifactRow.source_key == source_key
            )
        ).first()

    def by_origins(self, type_: ArtifactType, origins: Iterable[str]) -> list[ArtifactRow]:
        """Artifacts of `type_` ingested from any of the upstream identities `origins`."""
        wanted = sorted(set(origins))
        if not wanted:
            return []
        stmt = (
            select(ArtifactRow)
            .where(ArtifactRow.type == type_.value, ArtifactRow.origin.in_(wanted))
            .order_by(ArtifactRow.seq)
        )
        return list(self.s.scalars(self._scoped(stmt)))

    def by_origin_name(self, type_: ArtifactType, prefix: str, name: str) -> list[ArtifactRow]:
        """Artifacts whose origin is `{prefix}:{anything}/{name}` (a repo of that name)."""
        pattern = f"{prefix}:%/{_escape_like(name)}"
        stmt = (
            select(ArtifactRow)
            .where(ArtifactRow.type == type_.value, ArtifactRow.origin.like(pattern, escape="\\"))
            .order_by(ArtifactRow.seq)
        )
        return list(self.s.scalars(self._scoped(stmt)))

    def page(
        self, queries: Sequence[NameQuery], after_seq: int, limit: int
    ) -> list[tuple[int, ArtifactSummary]]:
        """The union of `queries`, in ingest order, strictly after `after_seq`."""
        clauses = []
        for q in queries:
            parts = []
            if q.name != "*":
                parts.append(ArtifactRow.name == q.name)
            if q.types is not None:
                parts.append(ArtifactRow.type.in_([t.value for t in q.types]))
            clauses.append(and_(*parts) if parts else ArtifactRow.seq.is_not(None))
        stmt = (
            select(ArtifactRow.seq, ArtifactRow.id, ArtifactRow.name, ArtifactRow.type)
            .where(ArtifactRow.seq > after_seq, or_(*clauses) if clauses else false())
            .order_by(ArtifactRow.seq)
            .limit(limit)
        )
        return [
            (seq, ArtifactSummary(id=id_, name=name, type=ArtifactType(type_)))
            for seq, id_, name, type_ in self.s.execute(self._scoped(stmt))
        ]

    def by_name(self, name: str) -> list[ArtifactSummary]:
        stmt = (
            select(ArtifactRow.id, ArtifactRow.name, ArtifactRow.type)
            .where(ArtifactRow.name == name)
            .order_by(ArtifactRow.seq)
        )
        return [
            ArtifactSummary(id=i, name=n, type=ArtifactType(t))
            for i, n, t in self.s.execute(self._scoped(stmt))
        ]

    def iter_search_rows(
        self,
        after_seq: int = 0,
        types: Sequence[ArtifactType] | None = None,
        seqs: Sequence[int] | None = None,
        batch: int = 500,
    ) -> Iterator[tuple[int, ArtifactSummary, str]]:
        """Artifacts (of `types`, among `seqs` when given: the search index's candidates)
        after `after_seq` in ingest order, with their sequence number and README,
        streamed in batches to bound memory."""
        columns = (
            ArtifactRow.seq,
            ArtifactRow.id,
            ArtifactRow.name,
            ArtifactRow.type,
            ArtifactRow.readme,
        )
        wanted = None if seqs is None else sorted(q for q in set(seqs) if q > after_seq)
        last, start = after_seq, 0
        while True:
            if wanted is None:
                stmt = select(*columns).where(ArtifactRow.seq > last)
            else:
                chunk = wanted[start : start + batch]
                start += batch
                if not chunk:
                    return
                stmt = select(*columns).where(ArtifactRow.seq.in_(chunk))
            if types is not None:
                stmt = stmt.where(ArtifactRow.type.in_([t.value for t in types]))
            rows = self.s.execute(self._scoped(stmt.order_by(ArtifactRow.seq).limit(batch))).all()
            if not rows and wanted is None:
                return
            for seq, id_, name, type_, readme in rows:
                last = seq
                summary = ArtifactSummary(id=id_, name=name, type=ArtifactType(type_))
                yield seq, summary, readme or ""

    def by_ids(self, ids: Iterable[str]) -> list[ArtifactRow]:
        """The artifacts among `ids` the viewer may see (a bounded page of them)."""
        wanted = sorted(set(ids))
        if not wanted:
            return []
        stmt = select(ArtifactRow).where(ArtifactRow.id.in_(wanted))
        return list(self.s.scalars(self._scoped(stmt)))

    def delete(self, row: ArtifactRow) -> None:
        self.s.execute(delete(ArtifactFileRow).where(ArtifactFileRow.artifact_seq == row.seq))
        self.s.execute(delete(ArtifactRow).where(ArtifactRow.seq == row.seq))

    def delete_all(self) -> None:
        self.s.execute(delete(ArtifactFileRow))
        self.s.execute(delete(ArtifactRow))

    def referenced(self, digests: Iterable[str]) -> set[str]:
        """Which of `digests` some artifact still uses (as a file or as its bundle)."""
        wanted = sorted(set(digests))
        found: set[str] = set()
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            found.update(
                self.s.scalars(
                    select(ArtifactFileRow.sha256).where(ArtifactFileRow.sha256.in_(chunk))
                )
            )
            found.update(
                self.s.scalars(
                    select(ArtifactRow.bundle_sha256).where(ArtifactRow.bundle_sha256.in_(chunk))
                )
            )
        return found

    def all_referenced(self) -> set[str]:
        refs = set(self.s.scalars(select(ArtifactFileRow.sha256).distinct()))
        refs.update(self.s.scalars(select(ArtifactRow.bundle_sha256).distinct()))
        return refs

    def blob_epoch(self) -> int:
        value = self.s.scalar(select(BlobEpochRow.value).where(BlobEpochRow.id == 1))
        return int(value or 0)

    def bump_blob_epoch(self) -> None:
        updated = self.s.execute(
            update(BlobEpochRow).where(BlobEpochRow.id == 1).values(value=BlobEpochRow.value + 1)
        )
        if getattr(updated, "rowcount", 0) == 0:
            self.s.add(BlobEpochRow(id=1, value=1))
            self.s.flush()


class UserRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def get_by_name(self, name: str) -> UserRow | None:
        return self.s.scalars(select(UserRow).where(UserRow.name == name)).first()

    def page(self, after_id: int, limit: int) -> list[UserRow]:
        stmt = select(UserRow).where(UserRow.id > after_id).order_by(UserRow.id).limit(limit)
        return list(self.s.scalars(stmt))

    def delete(self, row: UserRow) -> None:
        """The user, their tokens (which stop working at once) and group memberships;
        their artifacts stay, owned by no one (admins and group members manage them)."""
        self.s.execute(
            update(ArtifactRow).where(ArtifactRow.owner_id == row.id).values(owner_id=None)
        )
        self.s.execute(delete(TokenRow).where(TokenRow.user_id == row.id))
        self.s.execute(delete(GroupMemberRow).where(GroupMemberRow.user_id == row.id))
        self.s.execute(delete(UserRow).where(UserRow.id == row.id))

    def revoke_token(self, token_id: str) -> None:
        self.s.execute(update(TokenRow).where(TokenRow.id == token_id).values(revoked=True))

    def revoke_tokens(self, user_id: int, *, keep: str | None = None) -> None:
        """Revoke every token of a user (after a password change), but `keep`."""
        stmt = update(TokenRow).where(TokenRow.user_id == user_id)
        if keep is not None:
            stmt = stmt.where(TokenRow.id != keep)
        self.s.execute(stmt.values(revoked=True))

    def add(self, row: UserRow) -> None:
        self.s.add(row)
        self.s.flush()

    def delete_all_except(self, keep_user_id: int) -> None:
        self.s.execute(delete(TokenRow).where(TokenRow.user_id != keep_user_id))
        self.s.execute(delete(UserRow).where(UserRow.id != keep_user_id))

    def add_token(self, row: TokenRow) -> None:
        self.s.add(row)
        self.s.flush()

    def use_token(self, token_id: str, now: datetime, max_uses: int) -> UserRow | None:
        """Count one use of a token; None when it is unknown, revoked, expired or used up.

        The conditional UPDATE makes the check and the count one atomic step, so
        concurrent requests cannot overspend a token.
        """
        conditions = [
            TokenRow.id == token_id,
            TokenRow.revoked.is_(False),
            TokenRow.expires_at > now,
        ]
        if max_uses > 0:
            conditions.append(TokenRow.uses < max_uses)
        # RETURNING: the count and the token's owner in one round trip (every
        # authenticated request makes this call).
        counted = update(TokenRow).where(*conditions).values(uses=TokenRow.uses + 1)
        user_id = self.s.execute(counted.returning(TokenRow.user_id)).scalar_one_or_none()
        return None if user_id is None else self.s.get(UserRow, user_id)

    def standing_token(self, token_id: str, now: datetime) -> UserRow | None:
        """The user of a token that is neither revoked nor expired (uses not counted)."""
        token = self.s.get(TokenRow, token_id)
        if token is None or token.revoked or token.expires_at <= now:
            return None
        return self.s.get(UserRow, token.user_id)


@dataclass(frozen=True)
class AuditFilter:
    """Which audit events to list; every field left None matches everything."""

    artifact_id: str | None = None
    user_name: str | None = None
    actions: tuple[str, ...] | None = None
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive
    hide_outcome: str | None = None  # leave out events with this outcome ("refused")


class AuditRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def add(self, row: AuditEventRow) -> None:
        self.s.add(row)

    def page(self, wanted: AuditFilter, after_id: int, limit: int) -> list[AuditEventRow]:
        """Matching events oldest first, strictly after the event `after_id`."""
        stmt = select(AuditEventRow).where(AuditEventRow.id > after_id)
        if wanted.artifact_id is not None:
            stmt = stmt.where(AuditEventRow.artifact_id == wanted.artifact_id)
        if wanted.user_name is not None:
            stmt = stmt.where(AuditEventRow.user_name == wanted.user_name)
        if wanted.actions is not None:
            stmt = stmt.where(AuditEventRow.action.in_(wanted.actions))
        if wanted.since is not None:
            stmt = stmt.where(AuditEventRow.at >= wanted.since)
        if wanted.until is not None:
            stmt = stmt.where(AuditEventRow.at < wanted.until)
        if wanted.hide_outcome is not None:
            stmt = stmt.where(
                or_(AuditEventRow.outcome.is_(None), AuditEventRow.outcome != wanted.hide_outcome)
            )
        return list(self.s.scalars(stmt.order_by(AuditEventRow.id).limit(limit)))

    def last_decision(self, artifact_id: str, user_name: str) -> AuditEventRow | None:
        """The newest monitored download of the artifact by the user, if any."""
        stmt = (
            select(AuditEventRow)
            .where(
                AuditEventRow.artifact_id == artifact_id,
                AuditEventRow.user_name == user_name,
                AuditEventRow.outcome.is_not(None),
            )
            .order_by(AuditEventRow.id.desc())
            .limit(1)
        )
        return self.s.scalars(stmt).first()

    def delete_all(self) -> None:
        self.s.execute(delete(AuditEventRow))
