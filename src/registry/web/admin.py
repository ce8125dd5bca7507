"""Administrators' pages: users (create, permissions, delete), groups (create,
members, delete) and the reset, behind a typed confirmation. Each links to the
dashboard. The services check `admin` again on every action."""

from __future__ import annotations

from flask import render_template, request, session, url_for
from werkzeug.wrappers import Response as BaseResponse

from registry.api.access import page
from registry.api.common import registry
from registry.domain.errors import BadRequest, RegistryError
from registry.domain.models import Permission, Principal
from registry.services.accounts import AccountChange
from registry.web.auth import admin_page, page_user, redirect_to, sign_out
from registry.web.pages import bp

ADMIN = "a signed-in administrator"
GRANTABLE = (Permission.SEARCH, Permission.DOWNLOAD, Permission.UPLOAD)
RESET_WORD = "reset"
USERS_PAGE = 200


def _granted() -> frozenset[Permission]:
    chosen = set()
    for value in request.form.getlist("permission"):
        try:
            chosen.add(Permission(value))
        except ValueError as exc:
            raise BadRequest(f"unknown permission {value!r}") from exc
    return frozenset(chosen)


def _users_page(
    message: str | None = None, error: str | None = None, status: int = 200
) -> tuple[str, int]:
    user = page_user()
    raw = request.args.get("offset", "")
    if raw and (not raw.isdigit() or len(raw) > 18):
        raise BadRequest("offset must be the value the previous page's Next link carried")
    accounts = registry().accounts.page(user, int(raw or 0), USERS_PAGE)
    html = render_template(
        "admin_users.html",
        accounts=accounts,
        grantable=GRANTABLE,
        message=message or request.args.get("done"),
        error=error,
        default_admin=registry().users.admin_name,
    )
    return html, status


@bp.get("/admin")
@page(ADMIN)
@admin_page
def admin() -> BaseResponse:
    return redirect_to(url_for("web.admin_users"))


@bp.get("/admin/users")
@page(ADMIN)
@admin_page
def admin_users() -> tuple[str, int]:
    return _users_page()


@bp.post("/admin/users")
@page(ADMIN)
@admin_page
def admin_create_user() -> BaseResponse | tuple[str, int]:
    name = request.form.get("name", "").strip()
    try:
        is_admin = request.form.get("is_admin") == "yes"
        registry().accounts.register(
            page_user(), name, request.form.get("password", ""), is_admin, _granted()
        )
    except RegistryError as exc:
        return _users_page(error=exc.message, status=exc.status)
    return redirect_to(url_for("web.admin_users", done=f"User {name} was created."))


@bp.post("/admin/users/<name>/permissions")
@page(ADMIN)
@admin_page
def admin_set_permissions(name: str) -> BaseResponse | tuple[str, int]:
    user = page_user()
    change = AccountChange(granted=_granted(), is_admin=request.form.get("is_admin") == "yes")
    caller = Principal(user=user, token_id=str(session.get("sid", "")))
    try:
        registry().accounts.update(caller, name, change)
    except RegistryError as exc:
        return _users_page(error=exc.message, status=exc.status)
    return redirect_to(url_for("web.admin_users", done=f"The permissions of {name} were saved."))


@bp.post("/admin/users/<name>/delete")
@page(ADMIN)
@admin_page
def admin_delete_user(name: str) -> BaseResponse | tuple[str, int]:
    try:
        registry().accounts.delete(page_user(), name)
    except RegistryError as exc:
        return _users_page(error=exc.message, status=exc.status)
    return redirect_to(url_for("web.admin_users", done=f"User {name} was deleted."))


def _groups_page(error: str | None = None, status: int = 200) -> tuple[str, int]:
    groups = registry().groups.all(page_user())
    html = render_template(
        "admin_groups.html", groups=groups, message=request.args.get("done"), error=error
    )
    return html, status


@bp.get("/admin/groups")
@page(ADMIN)
@admin_page
def admin_groups() -> tuple[str, int]:
    return _groups_page()


@bp.post("/admin/groups")
@page(ADMIN)
@admin_page
def admin_create_group() -> BaseResponse | tuple[str, int]:
    name = request.form.get("name", "").strip()
    try:
        registry().groups.create(page_user(), name)
    except RegistryError as exc:
        return _groups_page(error=exc.message, status=exc.status)
    return redirect_to(url_for("web.admin_groups", done=f"Group {name} was created."))


@bp.post("/admin/groups/<name>/members")
@page(ADMIN)
@admin_page
def admin_add_member(name: str) -> BaseResponse | tuple[str, int]:
    member = request.form.get("user", "").strip()
    try:
        registry().groups.add_member(page_user(), name, member)
    except RegistryError as exc:
        return _groups_page(error=exc.message, status=exc.status)
    return redirect_to(url_for("web.admin_groups", done=f"{member} joined {name}."))


@bp.post("/admin/groups/<name>/members/<member>/remove")
@page(ADMIN)
@admin_page
def admin_remove_member(name: str, member: str) -> BaseResponse | tuple[str, int]:
    try:
        registry().groups.remove_member(page_user(), name, member)
    except RegistryError as exc:
        return _groups_page(error=exc.message, status=exc.status)
    return redirect_to(url_for("web.admin_groups", done=f"{member} left {name}."))


@bp.post("/admin/groups/<name>/delete")
@page(ADMIN)
@admin_page
def admin_delete_group(name: str) -> BaseResponse | tuple[str, int]:
    try:
        registry().groups.delete(page_user(), name)
    except RegistryError as exc:
        return _groups_page(error=exc.message, status=exc.status)
    return redirect_to(url_for("web.admin_groups", done=f"Group {name} was deleted."))


@bp.get("/admin/reset")
@page(ADMIN)
@admin_page
def admin_reset() -> str:
    return render_template("admin_reset.html", word=RESET_WORD, error=None)


@bp.post("/admin/reset")
@page(ADMIN)
@admin_page
def admin_reset_submit() -> BaseResponse | tuple[str, int]:
    if request.form.get("confirmation", "").strip() != RESET_WORD:
        html = render_template(
            "admin_reset.html",
            word=RESET_WORD,
            error=f"Nothing was reset: type the word {RESET_WORD} to confirm.",
        )
        return html, 400
    user = page_user()
    registry().artifacts.reset(user)
    if user.name != registry().users.admin_name:
        sign_out()  # this administrator's account went with the reset
        return redirect_to(url_for("web.signin"))
    return redirect_to(url_for("web.admin_users", done="The registry was reset."))
