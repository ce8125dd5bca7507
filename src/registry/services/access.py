"""The rules every use case applies to one artifact and one user.

- who may see an artifact: `registry.db.access.visible_to` (a private artifact is
  "not found" to everyone outside its groups, admins see everything);
- who may download it: `download_guard` (the `download` permission, and seeing it);
- who may manage it (update, delete, re-share, attach a monitor): `require_manager`
  (the `upload` permission, and being its uploader, a member of one of its groups or
  an admin);
- which groups an artifact may be made private to: `private_groups`.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from registry.auth import permissions
from registry.db.access import GroupRepository, visible_seqs
from registry.db.models import ArtifactRow, GroupRow
from registry.domain.errors import BadRequest, NotFound, PermissionDenied
from registry.domain.models import ArtifactType, Permission, User

MAX_GROUPS_PER_ARTIFACT = 32


def can_see(session: Session, row: ArtifactRow, user: User) -> bool:
    return user.is_admin or row.seq in visible_seqs(session, [row.seq], user)


def not_found(artifact_id: str, artifact_type: ArtifactType | None = None) -> NotFound:
    kind = artifact_type.value if artifact_type is not None else "artifact"
    return NotFound(f"no {kind} with id {artifact_id}")


def download_guard(session: Session, artifact: ArtifactRow, user: User) -> None:
    """The DownloadGuard of every download path (/download, the Hub API, the CLI)."""
    if not can_see(session, artifact, user):
        raise not_found(artifact.id)
    permissions.require(user, Permission.DOWNLOAD)


def require_manager(session: Session, row: ArtifactRow, user: User, verb: str) -> None:
    """403 unless `user` may change the artifact `row` (which the caller can see)."""
    permissions.require(user, Permission.UPLOAD)
    if user.is_admin or (row.owner_id is not None and row.owner_id == user.id):
        return
    groups = GroupRepository(session)
    if groups.is_member([g.id for g in groups.of_artifact(row.seq)], user.id):
        return
    raise PermissionDenied(
        f"only the uploader of {row.type} {row.id}, a member of one of its groups or an "
        f"administrator may {verb} it"
    )


def private_groups(session: Session, names: Iterable[str], user: User) -> list[GroupRow]:
    """The groups `names` an artifact is to be private to; [] makes it public.

    Unknown groups are a 400. Unless an admin, the user must belong to one of them, so
    nobody hides an artifact from themselves by mistake."""
    wanted = sorted({n.strip() for n in names})
    if len(wanted) > MAX_GROUPS_PER_ARTIFACT:
        raise BadRequest(f"an artifact can be private to at most {MAX_GROUPS_PER_ARTIFACT} groups")
    if not wanted:
        return []
    repo = GroupRepository(session)
    found = repo.by_names(wanted)
    missing = [n for n in wanted if n not in found]
    if missing:
        raise BadRequest(
            f"no group is named {', '.join(repr(n) for n in missing)}; an administrator "
            "creates groups with POST /groups"
        )
    rows = [found[n] for n in wanted]
    if not user.is_admin and not repo.is_member([g.id for g in rows], user.id):
        raise BadRequest(
            "you are a member of none of the groups "
            f"{', '.join(wanted)}: the artifact would be hidden from you too"
        )
    return rows
