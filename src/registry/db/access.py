"""Who sees which artifact, groups, and monitor programs.

`visible_to` is the one definition of visibility: every query that lists, finds or
reads artifacts on behalf of a user adds it (through a viewer-scoped
`ArtifactRepository`), so a private artifact cannot appear in one path and not another.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, delete, exists, func, select, true
from sqlalchemy.orm import Session

from registry.db.models import (
    ArtifactGroupRow,
    ArtifactRow,
    GroupMemberRow,
    GroupRow,
    MonitorRow,
    UserRow,
)
from registry.domain.models import User


def visible_to(user: User) -> ColumnElement[bool]:
    """SQL condition on `ArtifactRow`: the artifact is public (in no group), the user is
    in one of its groups, or the user is an administrator."""
    if user.is_admin:
        return true()
    in_a_group = exists().where(ArtifactGroupRow.artifact_seq == ArtifactRow.seq)
    member = exists().where(
        ArtifactGroupRow.artifact_seq == ArtifactRow.seq,
        ArtifactGroupRow.group_id == GroupMemberRow.group_id,
        GroupMemberRow.user_id == user.id,
    )
    return ~in_a_group | member


def visible_seqs(session: Session, seqs: Iterable[int], user: User) -> set[int]:
    """Which of the artifacts `seqs` the user may see."""
    wanted = sorted(set(seqs))
    if not wanted:
        return set()
    stmt = select(ArtifactRow.seq).where(ArtifactRow.seq.in_(wanted), visible_to(user))
    return set(session.scalars(stmt))


class GroupRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def get(self, name: str) -> GroupRow | None:
        return self.s.scalars(select(GroupRow).where(GroupRow.name == name)).first()

    def by_names(self, names: Iterable[str]) -> dict[str, GroupRow]:
        wanted = sorted(set(names))
        if not wanted:
            return {}
        rows = self.s.scalars(select(GroupRow).where(GroupRow.name.in_(wanted)))
        return {row.name: row for row in rows}

    def add(self, row: GroupRow) -> None:
        self.s.add(row)
        self.s.flush()

    def all(self) -> list[GroupRow]:
        return list(self.s.scalars(select(GroupRow).order_by(GroupRow.name)))

    def delete(self, group: GroupRow) -> None:
        self.s.execute(delete(GroupMemberRow).where(GroupMemberRow.group_id == group.id))
        self.s.execute(delete(GroupRow).where(GroupRow.id == group.id))

    def delete_all(self) -> None:
        self.s.execute(delete(ArtifactGroupRow))
        self.s.execute(delete(GroupMemberRow))
        self.s.execute(delete(GroupRow))

    def members(self, group: GroupRow) -> list[str]:
        stmt = (
            select(UserRow.name)
            .join(GroupMemberRow, GroupMemberRow.user_id == UserRow.id)
            .where(GroupMemberRow.group_id == group.id)
            .order_by(UserRow.name)
        )
        return list(self.s.scalars(stmt))

    def groups_of(self, user_id: int) -> list[str]:
        stmt = (
            select(GroupRow.name)
            .join(GroupMemberRow, GroupMemberRow.group_id == GroupRow.id)
            .where(GroupMemberRow.user_id == user_id)
            .order_by(GroupRow.name)
        )
        return list(self.s.scalars(stmt))

    def is_member(self, group_ids: Iterable[int], user_id: int) -> bool:
        ids = sorted(set(group_ids))
        if not ids:
            return False
        stmt = select(GroupMemberRow.user_id).where(
            GroupMemberRow.group_id.in_(ids), GroupMemberRow.user_id == user_id
        )
        return self.s.scalars(stmt).first() is not None

    def add_member(self, group: GroupRow, user_id: int) -> None:
        if not self.is_member([group.id], user_id):
            self.s.add(GroupMemberRow(group_id=group.id, user_id=user_id))
            self.s.flush()

    def remove_member(self, group: GroupRow, user_id: int) -> bool:
        result = self.s.execute(
            delete(GroupMemberRow).where(
                GroupMemberRow.group_id == group.id, GroupMemberRow.user_id == user_id
            )
        )
        return bool(getattr(result, "rowcount", 0))

    def artifacts_hidden_by(self, group: GroupRow) -> int:
        stmt = select(func.count()).where(ArtifactGroupRow.group_id == group.id)
        return int(self.s.scalar(stmt) or 0)

    # -- an artifact's groups ----------------------------------------------------

    def of_artifact(self, seq: int) -> list[GroupRow]:
        stmt = (
            select(GroupRow)
            .join(ArtifactGroupRow, ArtifactGroupRow.group_id == GroupRow.id)
            .where(ArtifactGroupRow.artifact_seq == seq)
            .order_by(GroupRow.name)
        )
        return list(self.s.scalars(stmt))

    def set_for_artifact(self, seq: int, groups: Iterable[GroupRow]) -> None:
        self.s.execute(delete(ArtifactGroupRow).where(ArtifactGroupRow.artifact_seq == seq))
        for group in {g.id: g for g in groups}.values():
            self.s.add(ArtifactGroupRow(artifact_seq=seq, group_id=group.id))
        self.s.flush()


class MonitorRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def latest(self, seq: int) -> MonitorRow | None:
        stmt = (
            select(MonitorRow)
            .where(MonitorRow.artifact_seq == seq)
            .order_by(MonitorRow.version.desc())
            .limit(1)
        )
        return self.s.scalars(stmt).first()

    def version(self, seq: int, version: int) -> MonitorRow | None:
        stmt = select(MonitorRow).where(
            MonitorRow.artifact_seq == seq, MonitorRow.version == version
        )
        return self.s.scalars(stmt).first()

    def versions(self, seq: int) -> list[MonitorRow]:
        stmt = select(MonitorRow).where(MonitorRow.artifact_seq == seq).order_by(MonitorRow.version)
        return list(self.s.scalars(stmt))

    def add(self, row: MonitorRow) -> None:
        self.s.add(row)
        self.s.flush()
