"""Groups, and artifacts private to them.

Admins create groups and add users to them. An uploader makes an artifact private to
one or more groups at ingest or later (PUT .../visibility); a private artifact is then
visible only to those groups' members and to admins. A group that still hides an
artifact cannot be deleted: deleting it would make the artifact public.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError

from registry.auth import permissions
from registry.db.access import GroupRepository
from registry.db.constraints import broken_unique_constraint
from registry.db.models import ArtifactRow, GroupRow
from registry.db.repositories import ArtifactRepository, UserRepository
from registry.db.session import Database
from registry.domain.errors import BadRequest, Conflict, NotFound
from registry.domain.models import ArtifactType, AuditAction, Permission, User
from registry.services.access import not_found, private_groups, require_manager
from registry.services.audit import record_event

UQ_GROUP_NAME = "groups_name_key"
_GROUP_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


@dataclass(frozen=True)
class Group:
    name: str
    members: list[str]
    private_artifacts: int
    created_at: datetime


class GroupService:
    def __init__(
        self, db: Database, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self.db = db
        self.clock = clock

    # -- groups (admins) ----------------------------------------------------------

    def create(self, caller: User, name: str) -> Group:
        permissions.require(caller, Permission.ADMIN)
        if not _GROUP_NAME.match(name):
            raise BadRequest(
                "a group name is 1 to 64 letters, digits, '.', '_' or '-', starting with a "
                f"letter or digit; got {name!r}"
            )
        try:
            with self.db.transaction() as session:
                GroupRepository(session).add(GroupRow(name=name, created_at=self.clock()))
        except IntegrityError as exc:
            if broken_unique_constraint(exc) != UQ_GROUP_NAME:
                raise
            raise Conflict(f"a group named {name!r} exists already") from exc
        return self.get(caller, name)

    def all(self, caller: User) -> list[Group]:
        permissions.require(caller, Permission.ADMIN)
        with self.db.read() as session:
            repo = GroupRepository(session)
            return [self._group(repo, row) for row in repo.all()]

    def get(self, caller: User, name: str) -> Group:
        permissions.require(caller, Permission.ADMIN)
        with self.db.read() as session:
            repo = GroupRepository(session)
            return self._group(repo, self._existing(repo, name))

    def delete(self, caller: User, name: str) -> None:
        permissions.require(caller, Permission.ADMIN)
        with self.db.transaction() as session:
            repo = GroupRepository(session)
            group = self._existing(repo, name)
            hidden = repo.artifacts_hidden_by(group)
            if hidden:
                raise Conflict(
                    f"group {name!r} still hides {hidden} artifact(s); make them public or "
                    "private to other groups first (PUT /artifacts/{type}/{id}/visibility)"
                )
            repo.delete(group)

    def add_member(self, caller: User, name: str, user_name: str) -> Group:
        permissions.require(caller, Permission.ADMIN)
        with self.db.transaction() as session:
            repo = GroupRepository(session)
            group = self._existing(repo, name)
            user = UserRepository(session).get_by_name(user_name)
            if user is None:
                raise NotFound(f"no user is named {user_name!r}")
            repo.add_member(group, user.id)
            return self._group(repo, group)

    def remove_member(self, caller: User, name: str, user_name: str) -> Group:
        permissions.require(caller, Permission.ADMIN)
        with self.db.transaction() as session:
            repo = GroupRepository(session)
            group = self._existing(repo, name)
            user = UserRepository(session).get_by_name(user_name)
            if user is None or not repo.remove_member(group, user.id):
                raise NotFound(f"{user_name!r} is not a member of group {name!r}")
            return self._group(repo, group)

    # -- an artifact's visibility ---------------------------------------------------

    def visibility(self, artifact_type: ArtifactType, artifact_id: str, viewer: User) -> list[str]:
        """The groups the artifact is private to ([]: public)."""
        with self.db.read() as session:
            row = self._artifact(ArtifactRepository(session, viewer), artifact_type, artifact_id)
            return [g.name for g in GroupRepository(session).of_artifact(row.seq)]

    def set_visibility(
        self, artifact_type: ArtifactType, artifact_id: str, names: list[str], caller: User
    ) -> list[str]:
        """Make the artifact private to `names`, or public with []; audited as an UPDATE."""
        with self.db.transaction() as session:
            row = self._artifact(ArtifactRepository(session, caller), artifact_type, artifact_id)
            require_manager(session, row, caller, "change the visibility of")
            groups = private_groups(session, names, caller)
            GroupRepository(session).set_for_artifact(row.seq, groups)
            chosen = sorted(g.name for g in groups)
            record_event(
                session,
                AuditAction.UPDATE,
                row,
                caller,
                self.clock(),
                detail={"visibility": {"groups": chosen}},
            )
            return chosen

    # -- helpers ---------------------------------------------------------------------

    @staticmethod
    def _artifact(
        repo: ArtifactRepository, artifact_type: ArtifactType, artifact_id: str
    ) -> ArtifactRow:
        row = repo.get(artifact_id)
        if row is None or row.type != artifact_type.value:
            raise not_found(artifact_id, artifact_type)
        return row

    @staticmethod
    def _existing(repo: GroupRepository, name: str) -> GroupRow:
        group = repo.get(name)
        if group is None:
            raise NotFound(f"no group is named {name!r}")
        return group

    @staticmethod
    def _group(repo: GroupRepository, row: GroupRow) -> Group:
        return Group(
            name=row.name,
            members=repo.members(row),
            private_artifacts=repo.artifacts_hidden_by(row),
            created_at=row.created_at,
        )
