"""What people do with the registry in a browser, end to end, each page checked by
axe-core (zero WCAG 2.1 AA violations) and photographed."""

from __future__ import annotations

import re
import uuid
import zipfile
from typing import Any

import pytest

from tests.conftest import ADMIN, BERT, GH_BERT, HF
from tests.e2e.conftest import Site, check_page
from tests.fakes import FakeUpstream
from tests.fakes.records import FakeHfRepo, json_file, readme_file, safetensors_file
from tests.functional.access_support import add_user, password_of

pytestmark = pytest.mark.xdist_group("e2e")


def sign_in(page: Any, name: str, password: str) -> None:
    page.goto("/signin")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/$"))


def model_id(site: Site, url: str) -> str:
    """The id of the model from `url`, ingesting it when it is not there yet."""
    resp = site.admin.call("POST", "/artifact/model", json={"url": url})
    if resp.status_code == 409:
        found = re.search(r"as model (\S+);", resp.get_json()["message"])
        assert found
        return found.group(1)
    assert resp.status_code == 201, resp.get_data(as_text=True)
    return str(resp.get_json()["metadata"]["id"])


def test_sign_in_search_judge_download_and_sign_out(page: Any, site: Site) -> None:
    model_id(site, BERT)
    child = model_id(site, f"{HF}/acme/bert-finetuned-sst2")
    page.goto("/signin")
    check_page(page, "signin")
    sign_in(page, ADMIN["name"], ADMIN["password"])
    check_page(page, "home")

    page.get_by_label("Search names and READMEs").fill("finetuned")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"/search\?"))
    check_page(page, "search")
    page.get_by_role("link", name=re.compile("bert-finetuned-sst2")).first.click()
    page.wait_for_url(re.compile(f"/view/model/{child}"))
    check_page(page, "artifact")
    assert page.locator("#rating .score").count() >= 8
    assert page.locator("#lineage svg").count() == 1
    page.get_by_text("Evidence for license").click()
    assert page.locator("details.evidence[open] pre").first.is_visible()

    with page.expect_download() as caught:
        page.get_by_role("link", name=re.compile("Download everything")).click()
    path = caught.value.path()
    assert zipfile.is_zipfile(path) and "config.json" in zipfile.ZipFile(path).namelist()

    page.get_by_role("checkbox", name=re.compile("^config")).check()
    with page.expect_download() as parts:
        page.get_by_role("button", name="Download the chosen parts").click()
    chosen = zipfile.ZipFile(parts.value.path()).namelist()
    assert "config.json" in chosen and not any(n.endswith(".safetensors") for n in chosen)

    page.get_by_role("link", name="Audit trail").click()
    check_page(page, "audit")

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile("/signin"))
    page.goto(f"/view/model/{child}")
    assert "/signin" in page.url


def tab_to(page: Any, selector: str, limit: int = 80) -> None:
    """Press Tab until the element `selector` has the focus; it must show a focus ring."""
    target = page.locator(selector).first
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            style = target.evaluate(
                "el => { const s = getComputedStyle(el); return [s.outlineStyle, s.outlineWidth]; }"
            )
            assert style[0] != "none" and style[1] != "0px", f"no visible focus on {selector}"
            return
    raise AssertionError(f"{selector} never got the focus with Tab")


def test_the_main_journey_with_the_keyboard_alone(page: Any, site: Site) -> None:
    ident = model_id(site, BERT)
    page.goto("/signin")
    tab_to(page, "a.skip-link")
    assert page.locator("a.skip-link").is_visible()
    tab_to(page, "#username")
    page.keyboard.type(ADMIN["name"])
    page.keyboard.press("Tab")
    page.keyboard.type(ADMIN["password"])
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/$"))
    tab_to(page, "#q")
    page.keyboard.type("bert-base-uncased")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/search\?"))
    tab_to(page, f'a[href="/view/model/{ident}"]')
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(f"/view/model/{ident}"))
    tab_to(page, "#download a.button")
    with page.expect_download() as caught:
        page.keyboard.press("Enter")
    assert zipfile.is_zipfile(caught.value.path())
    tab_to(page, "#rating details.evidence summary")
    page.keyboard.press("Enter")
    assert page.locator("#rating details.evidence").first.evaluate("d => d.open")
    tab_to(page, ".signout button")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile("/signin"))


def _outcome(page: Any, status: str) -> Any:
    box = page.locator(f"#outcome .outcome-{status}")
    box.wait_for(timeout=30_000)
    return box


def test_ingest_shows_each_outcome_in_place(page: Any, site: Site) -> None:
    sign_in(page, ADMIN["name"], ADMIN["password"])
    page.goto("/ingest")
    check_page(page, "ingest")
    page.get_by_label("URL", exact=True).fill(GH_BERT)
    assert page.get_by_label("Type").input_value() == "code"  # guessed from the URL
    page.get_by_role("button", name="Add to the registry").click()
    first = page.locator("#outcome .outcome-201, #outcome .outcome-409")
    first.first.wait_for(timeout=30_000)
    page.get_by_role("button", name="Add to the registry").click()
    conflict = _outcome(page, "409")
    assert conflict.get_by_role("link", name="See the existing one").count() == 1

    page.get_by_label("URL", exact=True).fill(f"{HF}/acme/noncommercial-model")
    assert page.get_by_label("Type").input_value() == "model"
    page.get_by_role("button", name="Add to the registry").click()
    refused = _outcome(page, "424")
    assert "Failing rules" in refused.inner_text() and "license" in refused.inner_text()
    check_page(page, "ingest-refused")

    page.get_by_label("URL", exact=True).fill("https://github.com/fault/server-error")
    page.get_by_role("button", name="Add to the registry").click()
    failed = _outcome(page, "502")
    assert failed.get_by_role("button", name="Try again").count() == 1
    failed.get_by_role("button", name="Try again").click()
    _outcome(page, "502")
    check_page(page, "ingest-failed")

    page.get_by_label("URL", exact=True).fill(f"{HF}/acme/solo-model")
    page.get_by_role("button", name="Add to the registry").click()
    done = page.locator("#outcome .outcome-201, #outcome .outcome-409").first
    done.wait_for(timeout=30_000)
    done.get_by_role("link").click()
    page.wait_for_url(re.compile("/view/model/"))


def test_ingest_works_without_javascript(browser: Any, site: Site) -> None:
    context = browser.new_context(base_url=site.url, java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, ADMIN["name"], ADMIN["password"])
        page.goto("/ingest")
        page.get_by_label("URL", exact=True).fill("https://github.com/openai/whisper")
        page.get_by_role("button", name="Add to the registry").click()
        page.wait_for_load_state()
        assert "/view/code/" in page.url or "Already in the registry" in page.content()
        page.goto("/ingest")
        page.get_by_label("URL", exact=True).fill("https://github.com/fault/server-error")
        page.get_by_role("button", name="Add to the registry").click()
        page.wait_for_load_state()
        assert page.get_by_role("button", name="Try again").count() == 1
    finally:
        context.close()


def test_the_license_check(page: Any, site: Site) -> None:
    ident = model_id(site, BERT)
    sign_in(page, ADMIN["name"], ADMIN["password"])
    page.goto(f"/view/model/{ident}")
    page.get_by_label("GitHub repository URL").fill(GH_BERT)
    page.get_by_role("button", name="Check").click()
    page.wait_for_url(re.compile("license-check"))
    assert "Compatible" in page.locator(".verdict").inner_text()
    check_page(page, "license-check")


def test_the_admin_creates_a_user_who_signs_in_with_fewer_rights(page: Any, site: Site) -> None:
    sign_in(page, ADMIN["name"], ADMIN["password"])
    page.goto("/admin/users")
    check_page(page, "admin-users")
    name = f"reader-{uuid.uuid4().hex[:6]}"
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password", exact=True).fill("a-readers-long-passphrase")
    page.get_by_role("button", name="Create the user").click()
    page.get_by_text(f"User {name} was created.").wait_for()
    page.goto("/admin/groups")
    check_page(page, "admin-groups")
    page.goto("/admin/reset")
    check_page(page, "admin-reset")
    page.goto("/dashboard")
    page.locator("#components-body td").first.wait_for()
    check_page(page, "dashboard")
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, name, "a-readers-long-passphrase")
    nav = page.get_by_role("navigation", name="Main")
    assert nav.get_by_role("link", name="Search").count() == 1
    assert nav.get_by_role("link", name="Administration").count() == 0
    assert nav.get_by_role("link", name="Add an artifact").count() == 0
    response = page.goto("/admin/users")
    assert response is not None and response.status == 403
    check_page(page, "forbidden")
    ident = model_id(site, BERT)
    page.goto(f"/view/model/{ident}")
    assert page.get_by_text("Update from the source").count() == 0
    assert page.get_by_role("link", name=re.compile("Download everything")).count() == 0


HOSTILE = """# A hostile card

<script>alert("script")</script>
<img src="https://example.com/x.png" onerror="alert('onerror')" alt="picture">
<a href="javascript:alert('link')">a javascript link</a>
[a data link](data:text/html;base64,PHNjcmlwdD5hbGVydCgnZGF0YScpPC9zY3JpcHQ+)
<iframe src="https://example.com/" title="frame"></iframe>

"""


def test_a_hostile_readme_and_a_long_foreign_name_render_safely(
    page: Any, site: Site, upstream: FakeUpstream
) -> None:
    repo = f"acme/hostile-{uuid.uuid4().hex[:6]}"
    card = {"license": "mit"}
    table = (
        "| a | b |\n|---|---|\n" + "| cell | <b onmouseover=\"alert('cell')\">x</b> |\n" * 110_000
    )  # about 5 MB
    upstream.catalog.hf_repos.append(
        FakeHfRepo(
            repo_id=repo,
            files=[
                readme_file(card, HOSTILE + table),
                json_file("config.json", {"model_type": "bert"}),
                safetensors_file("model.safetensors", [("w", "F32", [4, 4])], seed=repo),
            ],
            card_data=card,
        )
    )
    long_name = "Модель-для-распознавания-речи-" + "非常に長い名前" * 12
    resp = site.admin.call(
        "POST", "/artifact/model", json={"url": f"{HF}/{repo}", "name": long_name}
    )
    assert resp.status_code == 201, resp.get_data(as_text=True)
    ident = resp.get_json()["metadata"]["id"]
    sign_in(page, ADMIN["name"], ADMIN["password"])
    page.goto(f"/view/model/{ident}")
    assert page.locator(".readme script, .readme iframe, .readme [onerror]").count() == 0
    assert page.locator('.readme a[href^="javascript:"], .readme a[href^="data:"]').count() == 0
    assert "the first" in page.locator("#readme .notice").inner_text()
    page.locator(".readme b").first.hover()
    check_page(page, "artifact-hostile")
    page.goto("/search?q=非常に長い名前")
    assert page.locator(".result").count() >= 1
    check_page(page, "search-long-name")


def test_a_user_without_rights_sees_no_controls_and_the_server_refuses(
    page: Any, site: Site
) -> None:
    name = f"searcher-{uuid.uuid4().hex[:6]}"
    add_user(site.admin, name, ["search"])
    ident = model_id(site, BERT)
    sign_in(page, name, password_of(name))
    page.goto(f"/view/model/{ident}")
    assert page.get_by_text("You do not have the download permission").count() == 1
    response = page.goto(f"/view/model/{ident}/download")
    assert response is not None and response.status == 403
