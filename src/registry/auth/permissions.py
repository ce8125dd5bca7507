"""Permissions: what a user may do, how they are stored, and the one check.

A user holds some of `upload`, `search`, `download`; `admin` (the user's is_admin
flag) implies all of them. The API declares which permission each endpoint needs
(`registry.api.access`); services call `require` where a rule is theirs to enforce
(downloads, on every path that serves bytes).
"""

from __future__ import annotations

from collections.abc import Iterable

from registry.domain.errors import BadRequest, PermissionDenied
from registry.domain.models import Permission, User

# What `registry create-user` gives when no permission is named, and what users
# created before permissions existed were given: everything but administration.
EVERYDAY = frozenset({Permission.UPLOAD, Permission.SEARCH, Permission.DOWNLOAD})

_NEEDED_FOR = {
    Permission.UPLOAD: "upload, update or delete artifacts",
    Permission.SEARCH: "list, search or read artifacts",
    Permission.DOWNLOAD: "download artifacts",
    Permission.ADMIN: "administer the registry",
}


def parse_permissions(values: Iterable[object]) -> frozenset[Permission]:
    found: set[Permission] = set()
    for value in values:
        try:
            found.add(Permission(str(value).strip().lower()))
        except ValueError as exc:
            allowed = ", ".join(p.value for p in Permission)
            raise BadRequest(f"unknown permission {value!r}; choose among {allowed}") from exc
    return frozenset(found)


def encode(permissions: Iterable[Permission]) -> str:
    """The users.permissions column: sorted, comma-separated, without `admin`."""
    return ",".join(sorted(p.value for p in set(permissions) if p is not Permission.ADMIN))


def decode(column: str | None, is_admin: bool) -> frozenset[Permission]:
    found = {Permission(v) for v in (column or "").split(",") if v}
    if is_admin:
        found |= set(Permission)
    return frozenset(found)


def listed(permissions: Iterable[Permission]) -> list[str]:
    """For responses: in a fixed order."""
    held = set(permissions)
    return [p.value for p in Permission if p in held]


def require(user: User, permission: Permission) -> None:
    """403 naming the missing permission."""
    if not user.can(permission):
        raise PermissionDenied(
            f"user {user.name!r} lacks the {permission.value!r} permission needed to "
            f"{_NEEDED_FOR[permission]}; ask an administrator to grant it",
            missing_permission=permission.value,
        )
