"""Users, passwords and access tokens: signing in, counting and revoking tokens.

Administration of users (the /users API) is `registry.services.accounts`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from registry.auth import permissions, tokens
from registry.auth.passwords import hash_password, password_problem, verify_password
from registry.db.constraints import UQ_USER_NAME, broken_unique_constraint
from registry.db.models import TokenRow, UserRow
from registry.db.repositories import UserRepository
from registry.db.session import Database
from registry.domain.errors import BadRequest, Conflict, Forbidden, Unauthorized
from registry.domain.models import Credential, Permission, Principal, User
from registry.limits.guards import BcryptGate, LoginGuard
from registry.settings import DEFAULT_ADMIN_PASSWORD

# Clients in the wild send the spec's default password with this other ending.
_DEFAULT_PASSWORD_VARIANT = ("DROP TABLE artifacts;", "DROP TABLE packages;")


def to_user(row: UserRow) -> User:
    return User(
        id=row.id,
        name=row.name,
        is_admin=row.is_admin,
        permissions=permissions.decode(row.permissions, row.is_admin),
    )


class UserService:
    def __init__(
        self,
        db: Database,
        *,
        jwt_secret: str,
        bcrypt_rounds: int,
        admin_name: str,
        admin_password: str,
        token_ttl: timedelta,
        token_max_uses: int,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        login_guard: LoginGuard | None = None,
        bcrypt_gate: BcryptGate | None = None,
    ) -> None:
        self.db = db
        self.login_guard = login_guard
        self.bcrypt_gate = bcrypt_gate or BcryptGate(64)
        self.jwt_secret = jwt_secret
        self.bcrypt_rounds = bcrypt_rounds
        self.admin_name = admin_name
        self.admin_password = admin_password
        self.token_ttl = token_ttl
        self.token_max_uses = token_max_uses
        self.clock = clock
        self._dummy_hash: str | None = None

    def ensure_default_admin(self, session: Session) -> UserRow:
        """Create the default admin with its configured password (REGISTRY_ADMIN_PASSWORD,
        else the published one) when it is absent.

        An existing one keeps its password: once an administrator has changed it, no
        restart or reset brings back the password anyone who read the spec knows."""
        repo = UserRepository(session)
        row = repo.get_by_name(self.admin_name)
        if row is None:
            row = UserRow(
                name=self.admin_name,
                password_hash=hash_password(self.admin_password, self.bcrypt_rounds),
                is_admin=True,
                permissions=permissions.encode(Permission),
                created_at=self.clock(),
            )
            repo.add(row)
        row.is_admin = True
        return row

    def seed(self) -> None:
        """Create the default admin; and when REGISTRY_ADMIN_PASSWORD is set while the
        admin still has the published password, replace that password (and revoke the
        tokens it gave), so an installation seeded before the variable was set is fixed
        by setting it. A password an administrator chose is never touched."""
        try:
            with self.db.transaction() as session:
                row = self.ensure_default_admin(session)
                if self.admin_password != DEFAULT_ADMIN_PASSWORD and verify_password(
                    DEFAULT_ADMIN_PASSWORD, row.password_hash
                ):
                    row.password_hash = hash_password(self.admin_password, self.bcrypt_rounds)
                    UserRepository(session).revoke_tokens(row.id)
        except IntegrityError as exc:
            if broken_unique_constraint(exc) != UQ_USER_NAME:
                raise
            # another worker seeded it at the same moment

    def admin_has_published_password(self) -> bool:
        """Whether the default admin exists and still signs in with the published password."""
        with self.db.read() as session:
            row = UserRepository(session).get_by_name(self.admin_name)
            stored = row.password_hash if row is not None else None
        return stored is not None and verify_password(DEFAULT_ADMIN_PASSWORD, stored)

    def check_password(self, name: str, password: str) -> None:
        """400 when `password` fails the strength rule (README) for user `name`. The
        published default admin password passes it (it is long and uncommon)."""
        problem = password_problem(name, password)
        if problem is not None:
            raise BadRequest(problem)

    def hash(self, password: str) -> str:
        return hash_password(password, self.bcrypt_rounds)

    def create_user(
        self,
        name: str,
        password: str,
        is_admin: bool,
        granted: frozenset[Permission] = permissions.EVERYDAY,
    ) -> User:
        if not name or len(name) > 255 or name != name.strip() or not name.isprintable():
            raise BadRequest(
                "user name must be 1 to 255 printable characters without surrounding spaces"
            )
        self.check_password(name, password)
        admin = is_admin or Permission.ADMIN in granted
        try:
            with self.db.transaction() as session:
                row = UserRow(
                    name=name,
                    password_hash=self.hash(password),
                    is_admin=admin,
                    permissions=permissions.encode(Permission if admin else granted),
                    created_at=self.clock(),
                )
                UserRepository(session).add(row)
                return to_user(row)
        except IntegrityError as exc:
            if broken_unique_constraint(exc) != UQ_USER_NAME:
                raise
            raise Conflict(f"a user named {name!r} exists already") from exc

    def _candidates(self, name: str, password: str) -> list[str]:
        candidates = [password]
        ours, theirs = _DEFAULT_PASSWORD_VARIANT
        if name == self.admin_name and password.endswith(theirs):
            variant = password[: -len(theirs)] + ours
            if variant == self.admin_password:
                candidates.append(variant)
        return candidates

    def authenticate(self, name: str, password: str, address: str | None = None) -> str:
        """Check credentials; return the token value for X-Authorization.

        Failed attempts are limited per user name and per client `address` (429 once
        either has too many), and at most BCRYPT_MAX_CONCURRENT checks run at once."""
        if self.login_guard is not None:
            self.login_guard.before(name, address)
        with self.bcrypt_gate.slot():
            user_id = self._verified(name, password)
        if user_id is None:
            if self.login_guard is not None:
                self.login_guard.failed(name, address)
            raise Unauthorized("the user name or password is invalid")
        if self.login_guard is not None:
            self.login_guard.succeeded(name)
        return self.issue_token(User(id=user_id, name=name, is_admin=False)).value

    def _verified(self, name: str, password: str) -> int | None:
        """The id of user `name` if `password` is theirs, else None."""
        with self.db.read() as session:
            row = UserRepository(session).get_by_name(name)
            stored = row.password_hash if row else None
            user_id = row.id if row else None
        if stored is None or user_id is None:
            # Verify against a dummy hash of the same cost, so the response time
            # does not reveal which user names exist.
            if self._dummy_hash is None:
                self._dummy_hash = hash_password("dummy-password", self.bcrypt_rounds)
            verify_password(password, self._dummy_hash)
            return None
        if not any(verify_password(p, stored) for p in self._candidates(name, password)):
            return None
        return user_id

    def issue_token(self, user: User) -> tokens.IssuedToken:
        """A new token for a user already authenticated (by password, or by a browser
        session: the workload runner's clients)."""
        now = self.clock()
        issued = tokens.issue(self.jwt_secret, user.id, user.name, now, self.token_ttl)
        with self.db.transaction() as session:
            UserRepository(session).add_token(
                TokenRow(
                    id=issued.token_id,
                    user_id=user.id,
                    issued_at=issued.issued_at,
                    expires_at=issued.expires_at,
                    uses=0,
                    revoked=False,
                )
            )
        return issued

    # -- browser sessions: a token row the session cookie names by id ---------------

    def open_session(self, name: str, password: str, address: str | None = None) -> str:
        """Check the credentials; return the id of a new token for a browser session.

        The cookie holds only this id (signed with SECRET_KEY); the token row says
        whether the session still stands (expiry, revocation at sign-out)."""
        value = self.authenticate(name, password, address)
        token_id = tokens.decode(self.jwt_secret, value, self.clock())
        if token_id is None:  # pragma: no cover - we have just issued it
            raise Unauthorized("the session could not be opened")
        return token_id

    def session_user(self, token_id: str) -> User | None:
        """The user of a standing browser session (uses are not counted: a page that
        refreshes itself would spend a token's uses)."""
        with self.db.read() as session:
            row = UserRepository(session).standing_token(token_id, self.clock())
            return None if row is None else to_user(row)

    def close_session(self, token_id: str) -> None:
        with self.db.transaction() as session:
            UserRepository(session).revoke_token(token_id)

    def credential(self, header_value: str | None) -> Credential:
        """The signed token in an X-Authorization header, checked without the database.

        Its use is counted by `charge`, inside the one write transaction of the request."""
        if not header_value:
            raise Forbidden("missing X-Authorization header; get a token from PUT /authenticate")
        token_id = tokens.decode(self.jwt_secret, header_value, self.clock())
        if token_id is None:
            raise Forbidden("the X-Authorization token is invalid or expired")
        return Credential(token_id)

    def charge(self, session: Session, credential: Credential) -> Principal:
        """Count one use of the token in `session`'s transaction; 403 when it is spent."""
        row = UserRepository(session).use_token(
            credential.token_id, self.clock(), self.token_max_uses
        )
        if row is None:
            raise Forbidden(
                "the X-Authorization token is expired, revoked or used up; "
                "get a new one from PUT /authenticate"
            )
        return Principal(user=to_user(row), token_id=credential.token_id)

    def principal(self, header_value: str | None) -> Principal:
        """The caller behind an X-Authorization header, counting one use of the token."""
        credential = self.credential(header_value)
        with self.db.transaction() as session:
            return self.charge(session, credential)

    def revoke(self, caller: Principal) -> None:
        """DELETE /authenticate: the token the request came with stops working."""
        with self.db.transaction() as session:
            UserRepository(session).revoke_token(caller.token_id)
