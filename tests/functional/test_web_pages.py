"""The pages for people, through the app: home, search, the artifact page and its
actions, the ingest form and its outcomes, and the administrators' pages."""

from __future__ import annotations

import io
import time
import zipfile

import pytest
from flask.testing import FlaskClient

from registry.domain.errors import UpstreamUnavailable
from registry.services.container import Registry
from tests.conftest import ADMIN, BERT, GH_BERT, GH_WHISPER, HF, Api, MakeApi
from tests.fakes import FakeUpstream
from tests.functional.access_support import add_user, password_of
from tests.functional.web_support import assert_page_basics, parse, post_form, signed_in

Site = tuple[Api, Registry]


@pytest.fixture
def site(make_api: MakeApi) -> Site:
    return make_api(ingest_policy="license>=0.5")


def admin_browser(site: Site) -> FlaskClient:
    return signed_in(site[0].client, ADMIN["name"], ADMIN["password"])


def test_the_home_page_greets_browsers_and_points_json_clients_to_the_docs(site: Site) -> None:
    client = site[0].client.application.test_client()
    page = client.get("/")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert_page_basics(html)
    assert "Sign in" in html
    as_json = client.get("/", headers={"Accept": "application/json"})
    assert as_json.status_code == 200 and as_json.get_json()["docs"] == "/docs"
    signed = admin_browser(site).get("/").get_data(as_text=True)
    assert_page_basics(signed)
    assert 'action="/search"' in signed and "/admin/users" in signed


def test_pages_need_a_session(site: Site) -> None:
    anonymous = site[0].client.application.test_client()
    for path in ("/search", "/ingest", "/admin/users", "/view/model/123"):
        resp = anonymous.get(path)
        assert resp.status_code == 302 and resp.headers["Location"].startswith("/signin?next=")


def test_search_finds_names_and_readmes_as_text_or_regex_with_filters_and_pages(
    site: Site, upstream: FakeUpstream
) -> None:
    api, _ = site
    model = api.ingest("model", BERT)["metadata"]
    code = api.ingest("code", GH_BERT)["metadata"]
    browser = admin_browser(site)

    listed = browser.get("/search").get_data(as_text=True)
    assert_page_basics(listed)
    assert model["name"] in listed and code["name"] in listed
    assert "apache-2.0" in listed.lower()  # the licence of each result

    only_code = browser.get("/search?type=code").get_data(as_text=True)
    assert f"/view/code/{code['id']}" in only_code and f"/view/model/{model['id']}" not in only_code

    # Plain text is matched literally and in any case; "." is not a wildcard there.
    assert f"/view/model/{model['id']}" in browser.get("/search?q=BERT-BASE").get_data(as_text=True)
    literal = browser.get("/search?q=bert.base").get_data(as_text=True)
    assert "Nothing matches" in literal
    regex = browser.get("/search?q=bert.base&mode=regex").get_data(as_text=True)
    assert f"/view/model/{model['id']}" in regex

    bad = browser.get("/search?q=(unclosed&mode=regex")
    assert bad.status_code == 400 and 'role="alert"' in bad.get_data(as_text=True)

    # Pages follow the API's offsets.
    for i in range(21):
        api.ingest("code", f"{upstream.files_url}/files/weights.bin?v={i}", name=f"extra-{i}")
    first = browser.get("/search?q=extra").get_data(as_text=True)
    assert first.count('class="result card"') == 20 and "Next page" in first
    next_link = next(
        a["href"] for a in parse(first).all("a") if a.get("rel") == "next" and a.get("href")
    )
    second = browser.get(str(next_link).replace("&amp;", "&")).get_data(as_text=True)
    assert second.count('class="result card"') == 1 and "extra-20" in second


def test_a_user_without_search_is_told_so(site: Site) -> None:
    api, _ = site
    add_user(api, "nosearch", ["download"])
    browser = signed_in(api.client, "nosearch", password_of("nosearch"))
    resp = browser.get("/search")
    assert resp.status_code == 403 and "search" in resp.get_data(as_text=True)


def _zip_names(data: bytes) -> list[str]:
    return sorted(zipfile.ZipFile(io.BytesIO(data)).namelist())


def test_the_artifact_page_shows_what_the_details_endpoint_says(site: Site) -> None:
    api, _ = site
    parent = api.ingest("model", BERT)["metadata"]
    child = api.ingest("model", f"{HF}/acme/bert-finetuned-sst2")["metadata"]
    details = api.call("GET", f"/artifacts/model/{child['id']}/details").get_json()
    browser = admin_browser(site)
    resp = browser.get(f"/view/model/{child['id']}")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert_page_basics(html)
    for f in details["files"]:
        assert f["sha256"] in html and f["path"] in html
    assert details["bundle"]["sha256"] in html
    assert (details["license"] or "none declared") in html
    # The rating: a bar and the value as text for each metric, evidence on demand.
    assert "net score" in html and 'class="score"' in html and "<details" in html
    assert 'class="fill"' in html and "style=" not in html  # the CSP allows no inline style
    assert "raspberry pi" in html
    # The lineage: an SVG drawn on the server, and the same as a list.
    assert "<svg" in html and 'class="lineage-list"' in html
    assert f'href="/view/model/{parent["id"]}">{parent["name"]}</a>' in html
    assert "license: apache" not in html  # the card's YAML header is not prose
    assert "With its dependencies" in html
    assert 'action="/view/model/' in html and "license-check" in html
    # The admin may manage it: update and delete are offered.
    assert "Update from the source" in html and f"/view/model/{child['id']}/delete" in html


def test_downloads_from_the_page_are_the_apis(site: Site) -> None:
    api, _ = site
    model = api.ingest("model", BERT)["metadata"]
    browser = admin_browser(site)
    whole = browser.get(f"/view/model/{model['id']}/download")
    assert whole.status_code == 200 and whole.mimetype == "application/zip"
    details = api.call("GET", f"/artifacts/model/{model['id']}/details").get_json()
    assert whole.headers["ETag"] == f'"{details["bundle"]["sha256"]}"'
    part = browser.get(f"/view/model/{model['id']}/download?part=config")
    assert part.status_code == 200
    configs = [f["path"] for f in details["files"] if f["role"] == "config"]
    assert _zip_names(part.data) == sorted(configs)
    trail = api.call("GET", f"/artifact/model/{model['id']}/audit").get_json()
    downloads = [e for e in trail if e["action"] == "DOWNLOAD"]
    assert len(downloads) == 2 and downloads[0]["user"]["name"] == ADMIN["name"]


def test_the_license_check_form(site: Site) -> None:
    api, _ = site
    model = api.ingest("model", BERT)["metadata"]
    browser = admin_browser(site)
    path = f"/view/model/{model['id']}/license-check"
    ok = post_form(browser, path, {"github_url": GH_BERT})
    assert ok.status_code == 200
    html = ok.get_data(as_text=True)
    assert_page_basics(html)
    assert "Compatible" in html and "apache-2.0" in html.lower()
    wrong = post_form(browser, path, {"github_url": "https://example.com/not-github"})
    assert wrong.status_code == 400 and 'role="alert"' in wrong.get_data(as_text=True)


def test_people_who_may_not_manage_an_artifact_see_no_controls(site: Site) -> None:
    api, _ = site
    model = api.ingest("model", BERT)["metadata"]
    add_user(api, "reader", ["search"])
    reader = signed_in(api.client, "reader", password_of("reader"))
    html = reader.get(f"/view/model/{model['id']}").get_data(as_text=True)
    assert "Update from the source" not in html and "/delete" not in html
    assert "Download everything" not in html and "download permission" in html
    # The server refuses anyway.
    assert reader.get(f"/view/model/{model['id']}/delete").status_code == 403
    assert (
        post_form(reader, f"/view/model/{model['id']}/delete", {"confirm": "yes"}).status_code
        == 403
    )
    update = {"name": "renamed", "url": BERT}
    assert post_form(reader, f"/view/model/{model['id']}/update", update).status_code == 403
    assert reader.get(f"/view/model/{model['id']}/download").status_code == 403
    assert api.call("GET", f"/artifacts/model/{model['id']}").status_code == 200


def test_update_and_delete_behind_a_confirmation(site: Site) -> None:
    api, _ = site
    code = api.ingest("code", GH_BERT)["metadata"]
    browser = admin_browser(site)
    base = f"/view/code/{code['id']}"
    before = api.call("GET", f"/artifact/code/{code['id']}/audit").get_json()
    updated = post_form(browser, f"{base}/update", {"name": code["name"], "url": GH_BERT})
    assert updated.status_code == 303 and "updated=1" in updated.headers["Location"]
    after = api.call("GET", f"/artifact/code/{code['id']}/audit").get_json()
    assert [e["action"] for e in after[len(before) :]].count("UPDATE") == 1
    renamed = post_form(browser, f"{base}/update", {"name": "another", "url": GH_BERT})
    assert renamed.status_code == 400 and "does not match" in renamed.get_data(as_text=True)
    confirm = browser.get(f"{base}/delete")
    assert confirm.status_code == 200
    assert_page_basics(confirm.get_data(as_text=True))
    assert api.call("GET", f"/artifacts/code/{code['id']}").status_code == 200  # not yet
    assert post_form(browser, f"{base}/delete", {}).status_code == 400  # not confirmed
    gone = post_form(browser, f"{base}/delete", {"confirm": "yes"})
    assert gone.status_code == 303
    assert api.call("GET", f"/artifacts/code/{code['id']}").status_code == 404


def test_the_audit_page(site: Site) -> None:
    api, _ = site
    code = api.ingest("code", GH_BERT)["metadata"]
    html = admin_browser(site).get(f"/view/code/{code['id']}/audit").get_data(as_text=True)
    assert_page_basics(html)
    assert "CREATE" in html and "AUDIT" in html


@pytest.mark.parametrize(
    ("url", "kind", "status", "expected"),
    [
        (f"{HF}/acme/noncommercial-model", "auto", 424, "Failing rules"),
        ("https://github.com/fault/server-error", "auto", 502, "Try again"),
        (f"{HF}/acme/does-not-exist", "model", 404, "Not added"),
        ("", "auto", 400, "enter the URL"),
    ],
)
def test_each_ingest_failure_is_shown_in_place(
    site: Site, url: str, kind: str, status: int, expected: str
) -> None:
    browser = admin_browser(site)
    resp = post_form(browser, "/ingest", {"url": url, "type": kind})
    assert resp.status_code == status
    html = resp.get_data(as_text=True)
    assert_page_basics(html)
    assert expected in html
    as_json = post_form(
        browser, "/ingest", {"url": url, "type": kind}, headers={"Accept": "application/json"}
    )
    assert as_json.status_code == status and as_json.get_json()["message"]


def test_ingest_succeeds_and_a_second_time_links_to_the_first(site: Site) -> None:
    browser = admin_browser(site)
    form = browser.get("/ingest")
    assert form.status_code == 200
    assert_page_basics(form.get_data(as_text=True))
    created = post_form(browser, "/ingest", {"url": GH_BERT, "type": "auto"})
    assert created.status_code == 303 and created.headers["Location"].startswith("/view/code/")
    page = browser.get(created.headers["Location"]).get_data(as_text=True)
    assert "was added to the registry" in page
    again = post_form(
        browser, "/ingest", {"url": GH_BERT, "type": "code"}, headers={"Accept": "application/json"}
    )
    assert again.status_code == 409
    assert again.get_json()["link"] == created.headers["Location"].split("?")[0]
    model = post_form(
        browser, "/ingest", {"url": BERT, "type": "auto"}, headers={"Accept": "application/json"}
    )
    assert model.status_code == 201 and model.get_json()["link"].startswith("/view/model/")


def test_the_admin_creates_a_user_who_then_has_fewer_rights(site: Site) -> None:
    api, _ = site
    browser = admin_browser(site)
    page = browser.get("/admin/users")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert_page_basics(html)
    assert "/dashboard" in html
    new = {"name": "ビルギット", "password": "a-long-enough-password", "permission": ["search"]}
    assert post_form(browser, "/admin/users", new).status_code == 303
    assert "ビルギット" in browser.get("/admin/users").get_data(as_text=True)
    user = signed_in(api.client, "ビルギット", "a-long-enough-password")
    home = user.get("/").get_data(as_text=True)
    assert "/admin/users" not in home and "/ingest" not in home
    assert user.get("/admin/users").status_code == 403
    no_form = user.get("/ingest")
    assert no_form.status_code == 403 and 'id="ingest-form"' not in no_form.get_data(as_text=True)
    refused = post_form(user, "/ingest", {"url": GH_BERT, "type": "auto"})
    assert refused.status_code == 403
    # Permissions changed, then the user deleted.
    grant = {"permission": ["search", "upload"]}
    assert post_form(browser, "/admin/users/ビルギット/permissions", grant).status_code == 303
    assert api.call("GET", "/users/ビルギット").get_json()["permissions"] == ["upload", "search"]
    assert post_form(browser, "/admin/users/ビルギット/delete", {}).status_code == 303
    assert api.call("GET", "/users/ビルギット").status_code == 404
    taken = post_form(
        browser, "/admin/users", {"name": ADMIN["name"], "password": "another-long-one-9"}
    )
    assert taken.status_code == 409 and 'role="alert"' in taken.get_data(as_text=True)


def test_groups_and_the_reset(site: Site) -> None:
    api, _ = site
    add_user(api, "member", ["search"])
    browser = admin_browser(site)
    assert post_form(browser, "/admin/groups", {"name": "team"}).status_code == 303
    assert post_form(browser, "/admin/groups/team/members", {"user": "member"}).status_code == 303
    html = browser.get("/admin/groups").get_data(as_text=True)
    assert_page_basics(html)
    assert "member" in html
    assert post_form(browser, "/admin/groups/team/members/member/remove", {}).status_code == 303
    assert post_form(browser, "/admin/groups/team/delete", {}).status_code == 303
    assert api.call("GET", "/groups/team").status_code == 404
    bad = post_form(browser, "/admin/groups", {"name": "no spaces"})
    assert bad.status_code == 400
    api.ingest("code", GH_BERT)
    reset_page = browser.get("/admin/reset")
    assert_page_basics(reset_page.get_data(as_text=True))
    wrong = post_form(browser, "/admin/reset", {"confirmation": "yes"})
    assert wrong.status_code == 400 and "Nothing was reset" in wrong.get_data(as_text=True)
    assert api.call("POST", "/artifacts", json=[{"name": "*"}]).get_json() != []
    assert post_form(browser, "/admin/reset", {"confirmation": "reset"}).status_code == 303
    assert api.call("POST", "/artifacts", json=[{"name": "*"}]).get_json() == []


def test_forms_without_the_csrf_token_are_refused(site: Site) -> None:
    api, _ = site
    code = api.ingest("code", GH_BERT)["metadata"]
    browser = admin_browser(site)
    for path, form in [
        ("/ingest", {"url": GH_BERT}),
        (f"/view/code/{code['id']}/delete", {"confirm": "yes"}),
        ("/admin/users", {"name": "x", "password": "y" * 20}),
        ("/admin/reset", {"confirmation": "reset"}),
        ("/admin/groups", {"name": "g"}),
    ]:
        assert browser.post(path, data=form).status_code == 400, path
    assert api.call("GET", f"/artifacts/code/{code['id']}").status_code == 200


def test_a_section_that_fails_says_why_and_the_rest_still_shows(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    api, registry = site
    model = api.ingest("model", BERT)["metadata"]

    def down(*_args: object) -> None:
        raise UpstreamUnavailable("huggingface answered 503; a retry may succeed")

    monkeypatch.setattr(registry.ratings, "rating_for", down)
    resp = admin_browser(site).get(f"/view/model/{model['id']}")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "The rating is not available: huggingface answered 503" in html
    assert "Download everything" in html  # the other sections still show
    assert "No parent model, dataset or code" in html and "With its dependencies" in html


def test_pages_count_against_the_apis_rate_limits(make_api: MakeApi) -> None:
    api, registry = make_api(
        rate_limits_enabled=True,
        rate_limit_search_per_minute=1,
        rate_limit_ingest_per_minute=1,
        rate_limit_rating_per_minute=1,
    )
    assert registry.rate_limits is not None
    at = time.time()
    registry.rate_limits.clock = lambda: at  # one minute throughout
    model = api.ingest("model", BERT)["metadata"]
    browser = signed_in(api.client, ADMIN["name"], ADMIN["password"])
    assert browser.get("/search?q=bert").status_code == 200
    again = browser.get("/search?q=bert")
    assert again.status_code == 429 and "RATE_LIMIT_SEARCH_PER_MINUTE" in again.get_data(
        as_text=True
    )
    assert browser.get("/search").status_code == 200  # listing is not a regex search
    first = browser.get(f"/view/model/{model['id']}").get_data(as_text=True)
    assert "The rating is not available" not in first
    second = browser.get(f"/view/model/{model['id']}").get_data(as_text=True)
    assert "The rating is not available: too many rating requests" in second
    assert post_form(browser, "/ingest", {"url": GH_BERT}).status_code == 303
    refused = post_form(browser, "/ingest", {"url": GH_WHISPER})
    assert refused.status_code == 429 and "RATE_LIMIT_INGEST_PER_MINUTE" in refused.get_data(
        as_text=True
    )
