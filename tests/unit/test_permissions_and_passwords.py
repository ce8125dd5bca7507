"""Pure rules: permissions as stored and checked, and the password strength rule."""

from __future__ import annotations

import pytest

from registry.auth import permissions
from registry.auth.passwords import password_problem
from registry.domain.errors import BadRequest, PermissionDenied
from registry.domain.models import Permission, User
from registry.settings import DEFAULT_ADMIN_NAME, DEFAULT_ADMIN_PASSWORD

P = Permission


def test_permissions_round_trip_through_the_column_without_admin() -> None:
    column = permissions.encode({P.UPLOAD, P.SEARCH, P.ADMIN})
    assert column == "search,upload"
    assert permissions.decode(column, is_admin=False) == {P.UPLOAD, P.SEARCH}
    assert permissions.decode("", is_admin=True) == set(Permission)
    assert permissions.listed(set(Permission)) == ["upload", "search", "download", "admin"]


def test_permission_names_are_checked() -> None:
    assert permissions.parse_permissions([" Search", "download"]) == {P.SEARCH, P.DOWNLOAD}
    with pytest.raises(BadRequest, match="unknown permission 'fly'; choose among upload"):
        permissions.parse_permissions(["fly"])


def test_admin_implies_every_permission_and_refusals_name_the_missing_one() -> None:
    reader = User(1, "reader", is_admin=False, permissions=frozenset({P.SEARCH}))
    admin = User(2, "root", is_admin=True)
    assert reader.can(P.SEARCH) and not reader.can(P.DOWNLOAD)
    assert all(admin.can(p) for p in Permission)
    permissions.require(reader, P.SEARCH)
    with pytest.raises(PermissionDenied, match="lacks the 'download' permission") as refused:
        permissions.require(reader, P.DOWNLOAD)
    assert refused.value.details == {"missing_permission": "download"}


@pytest.mark.parametrize(
    ("name", "password", "problem"),
    [
        ("alice", "short-pass", "at least 12 characters"),
        ("alice", "x" * 1025, "at most 1024 characters"),
        ("alice-in-chains", "ALICE-IN-CHAINS", "not be the user name"),
        ("alice", "Password1234", "most common"),
        ("alice", "correcthorsebatterystaple", "most common"),
        ("alice", "abababababababab", "most common"),
        ("alice", "twelve chars", None),
        ("alice", "alice-uses-a-long-passphrase", None),
        (DEFAULT_ADMIN_NAME, DEFAULT_ADMIN_PASSWORD, None),  # the spec's must pass
    ],
)
def test_the_password_rule(name: str, password: str, problem: str | None) -> None:
    found = password_problem(name, password)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found
