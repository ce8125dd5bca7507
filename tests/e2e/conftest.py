"""Browser tests: the registry on a live loopback server, driven by Playwright through
Debian's chromium (`E2E_CHROMIUM`, default /usr/bin/chromium; Playwright's own browser
download is not used), with axe-core injected into every page checked.

One server and one browser per test session. Every page a test checks is run through
axe-core (WCAG 2.1 A and AA rules) in the light and the dark colour scheme, must not
scroll sideways at 320 px, and is photographed at desktop and phone width into
`E2E_SCREENSHOTS` (default var/screenshots), which the terminal summary names.
Without chromium the tests are skipped, unless REGISTRY_TEST_REQUIRE_BROWSER=1 (CI).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import axe_playwright_python
import pytest
from flask.testing import FlaskClient

from registry.app import build_registry, create_app
from registry.db import migrate
from registry.db.session import Database
from registry.services.container import Registry
from tests.conftest import ADMIN, Api, make_settings, screenshots_dir
from tests.fakes import FakeUpstream
from tests.functional.live_server import serve

CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
REQUIRE = os.environ.get("REGISTRY_TEST_REQUIRE_BROWSER") == "1"
SHOTS = screenshots_dir()
AXE_JS = Path(axe_playwright_python.__file__).parent / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
NARROW = {"width": 320, "height": 640}


@dataclass
class Site:
    url: str
    registry: Registry
    admin: Api  # the API, as the default administrator (to set up data)


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory, upstream: FakeUpstream) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("e2e")
    url = f"sqlite:///{root / 'registry.db'}"
    db = Database(url)
    migrate.upgrade(db)
    db.dispose()
    # A small README cap keeps the hostile README's page (and axe's run over it) quick.
    settings = make_settings(
        root, url, upstream, ingest_policy="license>=0.5", web_readme_max_bytes=16384
    )
    registry = build_registry(settings)
    registry.users.seed()
    app = create_app(registry)
    client: FlaskClient = app.test_client()
    token = Api(client).login(ADMIN["name"], ADMIN["password"]).get_json()
    with serve(app) as base:
        yield Site(base, registry, Api(client, token))
    registry.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists() and shutil.which(CHROMIUM) is None:
        if REQUIRE:
            pytest.fail(f"chromium is required (REGISTRY_TEST_REQUIRE_BROWSER=1): {CHROMIUM}")
        pytest.skip(f"no chromium at {CHROMIUM}; install Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any, site: Site) -> Iterator[Any]:
    context = browser.new_context(viewport=DESKTOP, base_url=site.url, accept_downloads=True)
    context.set_default_timeout(15_000)
    tab = context.new_page()
    dialogs: list[str] = []
    tab.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    # What the pages' Content-Security-Policy blocked (an inline style or script of the
    # registry's own). A README's images from other sites are refused by design.
    blocked: list[str] = []

    def note(msg: Any) -> None:
        if "Content Security Policy" in msg.text and not msg.text.startswith("Loading the image"):
            blocked.append(msg.text)

    tab.on("console", note)
    yield tab
    context.close()
    assert dialogs == [], f"a page opened dialogs (a script ran): {dialogs}"
    assert blocked == [], f"the CSP blocked parts of a page: {blocked}"


def _violations(page: Any) -> list[dict[str, Any]]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol, which the pages' CSP does not govern
        # (a <script> tag with axe's source would be an inline script the CSP refuses).
        page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS
    )
    found: list[dict[str, Any]] = result["violations"]
    return found


def _describe(violations: list[dict[str, Any]]) -> str:
    return json.dumps(
        [
            {
                "id": v["id"],
                "help": v["help"],
                "nodes": [n["target"] for n in v["nodes"][:5]],
                "summary": v["nodes"][0].get("failureSummary", "") if v["nodes"] else "",
            }
            for v in violations
        ],
        indent=2,
    )


def check_page(page: Any, name: str) -> None:
    """axe-core in light and dark schemes, reflow at 320 px, and the screenshots."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        found = _violations(page)
        assert found == [], f"axe on {name} ({scheme}): {_describe(found)}"
    page.emulate_media(color_scheme="light")
    page.screenshot(path=str(SHOTS / f"{name}-desktop.png"), full_page=True)
    page.screenshot(path=str(SHOTS / f"{name}-desktop-top.png"))  # what one screen shows
    page.set_viewport_size(NARROW)
    overflow = page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= NARROW["width"], f"{name} scrolls sideways at 320 px ({overflow} px wide)"
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(SHOTS / f"{name}-phone.png"), full_page=True)
    page.set_viewport_size(DESKTOP)
