"""Administration of users: the /users API.

Admins register users and set their permissions; a user may read their own account,
change their own password (giving the current one) and delete themselves. The default
admin can change its password like anyone, and can be neither deleted nor demoted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from registry.auth import permissions
from registry.auth.passwords import verify_password
from registry.db.access import GroupRepository
from registry.db.models import UserRow
from registry.db.repositories import UserRepository
from registry.db.session import Database
from registry.domain.errors import Conflict, NotFound, PermissionDenied, Unauthorized
from registry.domain.models import Permission, Principal, User
from registry.services.audit import utc_iso
from registry.services.paging import cut, page_size
from registry.services.users import UserService


def _id(row: UserRow) -> int:
    return row.id


@dataclass(frozen=True)
class Account:
    name: str
    is_admin: bool
    permissions: list[str]
    groups: list[str]
    created_at: datetime

    def as_json(self) -> dict[str, object]:
        return {
            "user": {"name": self.name, "is_admin": self.is_admin},
            "permissions": self.permissions,
            "groups": self.groups,
            "created_at": utc_iso(self.created_at),
        }


@dataclass(frozen=True)
class AccountPage:
    items: list[Account]
    next_offset: str | None


@dataclass(frozen=True)
class AccountChange:
    """What PUT /users/{name} asks for; None leaves a field as it is."""

    granted: frozenset[Permission] | None = None
    is_admin: bool | None = None
    password: str | None = None
    current_password: str | None = None


class AccountService:
    def __init__(
        self, db: Database, users: UserService, *, page_size: int, max_page_size: int
    ) -> None:
        self.db = db
        self.users = users
        self.page_size = page_size
        self.max_page_size = max_page_size

    def register(
        self, caller: User, name: str, password: str, is_admin: bool, granted: frozenset[Permission]
    ) -> Account:
        permissions.require(caller, Permission.ADMIN)
        self.users.create_user(name, password, is_admin, granted)
        return self.get(caller, name)

    def page(self, caller: User, after_id: int, limit: int | None) -> AccountPage:
        permissions.require(caller, Permission.ADMIN)
        size = page_size(limit, self.page_size, self.max_page_size, "users")
        with self.db.read() as session:
            rows, next_offset = cut(UserRepository(session).page(after_id, size + 1), size, _id)
            groups = GroupRepository(session)
            return AccountPage([self._account(row, groups) for row in rows], next_offset)

    def get(self, caller: User, name: str) -> Account:
        self._self_or_admin(caller, name, "read")
        with self.db.read() as session:
            row = self._existing(UserRepository(session), name)
            return self._account(row, GroupRepository(session))

    def update(self, caller: Principal, name: str, change: AccountChange) -> Account:
        user = caller.user
        self._self_or_admin(user, name, "change")
        if (change.granted is not None or change.is_admin is not None) and not user.is_admin:
            raise PermissionDenied("only an administrator may change a user's permissions")
        if change.password is not None:
            self.users.check_password(name, change.password)
        with self.db.transaction() as session:
            repo = UserRepository(session)
            row = self._existing(repo, name)
            if change.granted is not None or change.is_admin is not None:
                self._set_permissions(row, change)
            if change.password is not None:
                if row.id == user.id and not verify_password(
                    change.current_password or "", row.password_hash
                ):
                    raise Unauthorized(
                        "to change your own password, send the current one as "
                        "secret.current_password"
                    )
                row.password_hash = self.users.hash(change.password)
                # Whoever held the old password may hold tokens: only the token
                # making this change survives it.
                repo.revoke_tokens(row.id, keep=caller.token_id if row.id == user.id else None)
            session.flush()
            return self._account(row, GroupRepository(session))

    def delete(self, caller: User, name: str) -> None:
        self._self_or_admin(caller, name, "delete")
        if name == self.users.admin_name:
            raise Conflict(f"the default administrator {name!r} cannot be deleted")
        with self.db.transaction() as session:
            repo = UserRepository(session)
            repo.delete(self._existing(repo, name))

    # -- rules ----------------------------------------------------------------

    def _set_permissions(self, row: UserRow, change: AccountChange) -> None:
        granted = change.granted
        if granted is None:
            granted = permissions.decode(row.permissions, False)
        if change.is_admin is not None:
            admin = change.is_admin
        elif change.granted is not None:
            admin = Permission.ADMIN in change.granted
        else:
            admin = row.is_admin
        if row.name == self.users.admin_name and not admin:
            raise Conflict(f"the default administrator {row.name!r} stays an administrator")
        row.is_admin = admin
        row.permissions = permissions.encode(Permission if admin else granted)

    @staticmethod
    def _self_or_admin(caller: User, name: str, verb: str) -> None:
        # Decided before any lookup, so a non-admin learns nothing of other users.
        if caller.name != name and not caller.is_admin:
            raise PermissionDenied(f"only an administrator may {verb} another user's account")

    @staticmethod
    def _existing(repo: UserRepository, name: str) -> UserRow:
        row = repo.get_by_name(name)
        if row is None:
            raise NotFound(f"no user is named {name!r}")
        return row

    @staticmethod
    def _account(row: UserRow, groups: GroupRepository) -> Account:
        return Account(
            name=row.name,
            is_admin=row.is_admin,
            permissions=permissions.listed(permissions.decode(row.permissions, row.is_admin)),
            groups=groups.groups_of(row.id),
            created_at=row.created_at,
        )
