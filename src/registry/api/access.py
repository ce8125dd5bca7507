"""Who may call which endpoint: declared next to each route, enforced in one hook.

Every view carries a `Rule` (`@public`, `@requires(Permission.SEARCH)`, ...). The
`enforce` hook, run before every request, reads the matched endpoint's rule: public
routes pass; the others need a valid token (one use of it is counted) and the
rule's permission, else 403 naming the permission (401 for reset, as the spec says).
An endpoint that declares nothing is refused, so a route added without a decision
never serves anyone (and the permission-matrix test, which walks the url_map, fails).

Rules that depend on the artifact or the account (its uploader, its groups, "that
user") are the services' to check; the rule says so in `also`, which the README table
repeats.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from flask import Flask, current_app, g, request

from registry.api.common import registry, request_token
from registry.auth import permissions
from registry.domain.errors import RegistryError, Unauthorized
from registry.domain.models import Permission

F = TypeVar("F", bound=Callable[..., object])
_ATTRIBUTE = "registry_access_rule"


@dataclass(frozen=True)
class Rule:
    public: bool = False
    permission: Permission | None = None  # None (and not public): any valid token
    also: str = ""  # what the service checks beyond the permission (for the docs)
    # The view counts the token use itself, inside its service's transaction (downloads:
    # the use and the DOWNLOAD event commit together), and checks the permission there.
    charged_by_view: bool = False
    spec_401: bool = False  # the spec answers a missing permission with 401 (reset)
    # A page for people: the browser session (registry.web.auth) decides, not a token.
    page: bool = False

    def describe(self) -> str:
        if self.public:
            return "public"
        if self.page:
            return f"browser session; {self.also}" if self.also else "browser session"
        held = f"`{self.permission.value}`" if self.permission else "any valid token"
        if self.spec_401:
            held += " (401 without it, as the spec says; other refusals are 403)"
        return f"{held}; {self.also}" if self.also else held


class Undeclared(RegistryError):
    """A route without a Rule: refused until someone decides who may call it."""

    status = 500
    code = "undeclared_endpoint"


def _declare(rule: Rule) -> Callable[[F], F]:
    def mark(view: F) -> F:
        setattr(view, _ATTRIBUTE, rule)
        return view

    return mark


def public(view: F) -> F:
    return _declare(Rule(public=True))(view)


def page(also: str = "") -> Callable[[F], F]:
    """A page for people: its own decorators check the signed-in session and its rights."""
    return _declare(Rule(page=True, also=also))


def requires(
    permission: Permission | None,
    *,
    also: str = "",
    charged_by_view: bool = False,
    spec_401: bool = False,
) -> Callable[[F], F]:
    return _declare(
        Rule(
            permission=permission,
            also=also,
            charged_by_view=charged_by_view,
            spec_401=spec_401,
        )
    )


# Routes registered outside the API's views: Flask's static files and the pages' assets.
EXTERNAL_RULES = {"static": Rule(public=True), "web.static": Rule(public=True)}


def rule_of(app: Flask, endpoint: str) -> Rule | None:
    view = app.view_functions.get(endpoint)
    declared = getattr(view, _ATTRIBUTE, None)
    if isinstance(declared, Rule):
        return declared
    return EXTERNAL_RULES.get(endpoint)


def enforce() -> None:
    """before_request of the whole app: authenticate and check the endpoint's permission."""
    endpoint = request.endpoint
    if endpoint is None:  # no route matched: the 404 or 405 follows
        return
    rule = rule_of(current_app, endpoint)
    if rule is None:
        raise Undeclared(f"the endpoint {endpoint} declares no permission; it serves no one")
    if rule.public or rule.charged_by_view or rule.page:
        return
    g.principal = registry().users.principal(request_token())
    if rule.permission is None:
        return
    if rule.spec_401 and not g.principal.user.can(rule.permission):
        raise Unauthorized(
            f"only an administrator may do this; {g.principal.user.name!r} is not one"
        )
    permissions.require(g.principal.user, rule.permission)


def install(app: Flask) -> None:
    app.before_request(enforce)
