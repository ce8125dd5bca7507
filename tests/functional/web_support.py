"""Helpers for the page tests: signed-in test clients and a light HTML reader."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

from flask.testing import FlaskClient

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(client: FlaskClient, path: str = "/signin") -> str:
    found = CSRF.search(client.get(path).get_data(as_text=True))
    assert found, f"{path} has no CSRF field"
    return found.group(1)


def signed_in(client: FlaskClient, name: str, password: str) -> FlaskClient:
    """A new test client of the same app, signed in as `name`."""
    browser = client.application.test_client()
    token = csrf_of(browser)
    resp = browser.post(
        "/signin", data={"username": name, "password": password, "csrf_token": token}
    )
    assert resp.status_code == 303, resp.get_data(as_text=True)
    return browser


def post_form(browser: FlaskClient, path: str, form: dict[str, Any], **kwargs: Any) -> Any:
    """POST a page's form with the session's CSRF token, as a browser would."""
    return browser.post(path, data={**form, "csrf_token": csrf_of(browser, "/")}, **kwargs)


class Page(HTMLParser):
    """Tags with their attributes, and the visible text."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def all(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.tags if name == tag]


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    return page


def assert_page_basics(html: str) -> None:
    """Landmarks, one h1, labelled controls, local assets only."""
    page = parse(html)
    assert page.all("html")[0].get("lang") == "en"
    assert len(page.all("h1")) == 1, "one h1 per page"
    assert page.all("main") and page.all("header") and page.all("nav") and page.all("footer")
    assert any(a.get("class") == "skip-link" for a in page.all("a"))
    labelled = {attrs.get("for") for attrs in page.all("label")}
    for tag in ("input", "select", "textarea"):
        for attrs in page.all(tag):
            if attrs.get("type") in {"hidden", "checkbox", "radio"}:
                continue  # checkboxes and radios are wrapped in their labels
            assert attrs.get("id") in labelled, f"unlabelled {tag}: {attrs}"
    for attrs in page.all("link") + page.all("script"):
        source = attrs.get("href") or attrs.get("src") or ""
        assert (source.startswith("/") and not source.startswith("//")) or source == "data:,"
