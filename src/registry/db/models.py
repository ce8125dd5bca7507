"""Relational schema (SQLAlchemy 2.0 declarative). Alembic migrations mirror it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class UserRow(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Comma-separated `Permission` values ("download,search,upload"); `admin` is is_admin.
    permissions: Mapped[str] = mapped_column(String(64), default="")


class TokenRow(Base):
    __tablename__ = "tokens"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # the JWT's jti
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    uses: Mapped[int] = mapped_column(Integer, default=0)
    # DELETE /authenticate, and a password change, revoke; `use_token` refuses revoked tokens.
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class GroupRow(Base):
    """A set of users an artifact can be private to."""

    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class GroupMemberRow(Base):
    __tablename__ = "group_members"

    group_id: Mapped[int] = mapped_column(
        ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class ArtifactRow(Base):
    __tablename__ = "artifacts"
    __table_args__ = (
        # One artifact per (type, upstream source): the spec's 409 "exists already",
        # enforced by the database so two concurrent ingests cannot both win.
        UniqueConstraint("type", "source_key", name="uq_artifacts_type_source"),
        Index("ix_artifacts_name", "name"),
        # Without AUTOINCREMENT SQLite hands the largest deleted `seq` to the next
        # insert, and a client holding that value as its offset would skip the new
        # artifact. PostgreSQL's sequence never goes back; this only affects SQLite.
        {"sqlite_autoincrement": True},
    )

    # `seq` orders listings and makes stable keyset pagination possible (it only ever
    # grows, on both backends); `id` is the public, unguessable identifier.
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(64), unique=True)
    type: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(512))
    source_url: Mapped[str] = mapped_column(Text)
    source_key: Mapped[str] = mapped_column(String(1024))
    readme: Mapped[str] = mapped_column(Text, default="")
    card: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    upstream: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    bundle_sha256: Mapped[str] = mapped_column(String(64))
    bundle_size: Mapped[int] = mapped_column(BigInteger)
    # Bumped on every content change, so cached ratings know they are stale.
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str | None] = mapped_column(String(255), nullable=True)
    updated_by: Mapped[str | None] = mapped_column(String(255), nullable=True)
    # Upstream identity without revision ("hf-model:org/name", "github:owner/repo"),
    # what other artifacts' declared links point at; None for plain URLs.
    origin: Mapped[str | None] = mapped_column(String(512), nullable=True, index=True)
    # The uploader's user id (None once that user is deleted): with the artifact's groups
    # and admins, who may update, delete, re-share it and attach its monitor program.
    owner_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)

    files: Mapped[list[ArtifactFileRow]] = relationship(
        back_populates="artifact",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="ArtifactFileRow.path",
    )
    links: Mapped[list[ArtifactLinkRow]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )


class ArtifactFileRow(Base):
    __tablename__ = "artifact_files"

    artifact_seq: Mapped[int] = mapped_column(
        ForeignKey("artifacts.seq", ondelete="CASCADE"), primary_key=True
    )
    path: Mapped[str] = mapped_column(String(1024), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    role: Mapped[str] = mapped_column(String(16))

    artifact: Mapped[ArtifactRow] = relationship(back_populates="files")


class ArtifactLinkRow(Base):
    """A parent, dataset or code repository an artifact's metadata names.

    Kept by upstream identity (`target_origin`), not by registry id, so a parent
    ingested after its child is found without touching the child.
    """

    __tablename__ = "artifact_links"

    artifact_seq: Mapped[int] = mapped_column(
        ForeignKey("artifacts.seq", ondelete="CASCADE"), primary_key=True
    )
    target_origin: Mapped[str] = mapped_column(String(512), primary_key=True, index=True)
    ref: Mapped[str] = mapped_column(String(512))
    kind: Mapped[str] = mapped_column(String(16))
    relationship: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(32))


class ArtifactGroupRow(Base):
    """An artifact private to a group. An artifact with no rows here is public; one with
    rows is visible only to the members of those groups (and to admins)."""

    __tablename__ = "artifact_groups"

    artifact_seq: Mapped[int] = mapped_column(
        ForeignKey("artifacts.seq", ondelete="CASCADE"), primary_key=True
    )
    # No cascade: a group that still hides artifacts cannot be deleted (deleting it
    # would make them public).
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), primary_key=True, index=True)


class MonitorRow(Base):
    """One version of a model's monitor program; the newest decides its downloads.
    A version without a program (None) marks the model as no longer sensitive."""

    __tablename__ = "monitors"
    __table_args__ = (UniqueConstraint("artifact_seq", "version", name="uq_monitors_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    artifact_seq: Mapped[int] = mapped_column(
        ForeignKey("artifacts.seq", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    program: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(255))


class RatingRow(Base):
    """The stored rating of a model, valid while the artifact's version matches."""

    __tablename__ = "ratings"

    artifact_seq: Mapped[int] = mapped_column(
        ForeignKey("artifacts.seq", ondelete="CASCADE"), primary_key=True
    )
    artifact_version: Mapped[int] = mapped_column(Integer)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)


class AuditEventRow(Base):
    """Audit events outlive the artifacts they name, so there is no foreign key."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_artifact", "artifact_id", "id"),
        Index("ix_audit_user", "user_name", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    action: Mapped[str] = mapped_column(String(16))
    artifact_id: Mapped[str] = mapped_column(String(64))
    artifact_name: Mapped[str] = mapped_column(String(512))
    artifact_type: Mapped[str] = mapped_column(String(16))
    user_name: Mapped[str] = mapped_column(String(255))
    user_is_admin: Mapped[bool] = mapped_column(Boolean)
    # For downloads a monitor program decided: "allowed" or "refused", and what it said
    # ({"monitor_version", "exit_code", "output", "problem"}). Refused attempts are kept
    # for the administrators' trail; the spec's per-artifact trail lists real downloads.
    outcome: Mapped[str | None] = mapped_column(String(16), nullable=True)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class BlobEpochRow(Base):
    """A counter bumped whenever blobs are deleted.

    An ingest notes the epoch before it uploads; if the epoch moved by the time it
    commits, a delete may have removed a blob it relies on, so it re-checks them.
    """

    __tablename__ = "blob_epoch"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


class StatCounterRow(Base):
    """One shared figure for one minute (`minute` = Unix time // 60), added to by upserts
    from every process (see registry.observability.counters)."""

    __tablename__ = "stat_counters"

    minute: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(512), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


class LogLineRow(Base):
    """A recent log line, whole (`line` is the JSON the log handlers wrote)."""

    __tablename__ = "log_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    level: Mapped[str] = mapped_column(String(16))
    logger: Mapped[str] = mapped_column(String(128))
    event: Mapped[str] = mapped_column(String(256))
    request_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    line: Mapped[str] = mapped_column(Text)


class WorkLeaseRow(Base):
    """One running piece of capped work (an ingest), held in each `scope` it counts
    against ("ingest:all", "ingest:user:<id>") until it ends or `expires_at` (Unix
    seconds) passes, so a process that died mid-ingest frees its slot by itself
    (see registry.limits.stores)."""

    __tablename__ = "work_leases"

    lease: Mapped[str] = mapped_column(String(64), primary_key=True)
    scope: Mapped[str] = mapped_column(String(128), primary_key=True)
    expires_at: Mapped[float] = mapped_column(Float, index=True)
