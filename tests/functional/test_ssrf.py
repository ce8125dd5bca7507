"""Server-side request forgery, tried against the running registry over HTTP.

An "internal" server on 127.0.0.1 holds a secret; a stand-in for a public host
listens on 127.0.0.2, the one range these registries open (URL_ALLOW_NETWORKS), as a
company would open a mirror. Every attack must answer 4xx, store nothing, leave the
secret unread and the registry answering. Names go to a stub resolver in place of
the system's (socket.getaddrinfo), which also plays the rebinding attacker.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from registry.app import create_app
from registry.services.container import Registry
from tests.conftest import MakeApi
from tests.functional.live_server import serve

SECRET = b"internal-secret-do-not-leak"
PUBLIC_BODY = b"\x00weights from the public host\x00"


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        server: _Server = self.server  # type: ignore[assignment]
        server.paths.append(self.path)
        server.hosts.append(self.headers.get("Host", ""))
        parts = urlsplit(self.path)
        if parts.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", parse_qs(parts.query)["to"][0])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(server.body)))
        self.end_headers()
        self.wfile.write(server.body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Never share a port with another listener (the registry's own test server): each
    # request must reach the server it was sent to.
    allow_reuse_address = False
    allow_reuse_port = False

    def __init__(self, address: tuple[str, int], body: bytes) -> None:
        super().__init__(address, _Handler)
        self.body = body
        self.paths: list[str] = []
        self.hosts: list[str] = []


def _start(address: str, port: int, body: bytes) -> _Server:
    server = _Server((address, port), body)
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    ).start()
    return server


@pytest.fixture
def hosts() -> Iterator[tuple[_Server, _Server]]:
    """(public, secret): the same port on 127.0.0.2 and on 127.0.0.1."""
    for _ in range(20):
        public = _start("127.0.0.2", 0, PUBLIC_BODY)
        try:
            secret = _start("127.0.0.1", public.server_address[1], SECRET)
        except OSError:  # that port is taken on 127.0.0.1: try another
            public.shutdown()
            public.server_close()
            continue
        break
    else:
        pytest.fail("no port free on both 127.0.0.1 and 127.0.0.2")
    yield public, secret
    for server in (public, secret):
        server.shutdown()
        server.server_close()


Answers = dict[str, Callable[[], str]]


@pytest.fixture
def names(monkeypatch: pytest.MonkeyPatch) -> Answers:
    """A stub resolver: the names in the returned dict answer what their function says;
    literal addresses go to the real resolver (they need no DNS)."""
    real = socket.getaddrinfo
    answers: Answers = {}

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name in answers:
            return real(answers[name](), port, *args, **kwargs)
        try:
            socket.inet_pton(socket.AF_INET6 if ":" in name else socket.AF_INET, name)
        except OSError:
            raise socket.gaierror(socket.EAI_NONAME, "no such name in the stub") from None
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers


@pytest.fixture
def live(make_api: MakeApi) -> Iterator[tuple[str, dict[str, str], Registry]]:
    """The registry with its default egress policy plus 127.0.0.2, served over HTTP."""
    api, registry = make_api(url_allow_networks=("127.0.0.2/32",))
    assert api.token is not None
    with serve(create_app(registry=registry)) as base:
        yield base, {"X-Authorization": api.token}, registry


def _ingest_from(base: str, headers: dict[str, str], port: int) -> requests.Response:
    """Ingest the allowed host's model (127.0.0.2 is in the allow-list): 201."""
    made = requests.post(
        f"{base}/artifact/model",
        json={"url": f"http://127.0.0.2:{port}/files/model.bin"},
        headers=headers,
        timeout=30,
    )
    assert made.status_code == 201, made.text
    return made


def _assert_refused_and_still_serving(
    base: str, headers: dict[str, str], registry: Registry, resp: requests.Response
) -> None:
    assert 400 <= resp.status_code < 500, resp.text
    assert SECRET.decode() not in resp.text
    listed = requests.post(f"{base}/artifacts", json=[{"name": "*"}], headers=headers, timeout=10)
    assert listed.json() == []
    assert list(registry.blobs.iter_blobs()) == []
    assert requests.get(f"{base}/health", timeout=10).status_code == 200


SPELLINGS = [
    "127.0.0.1",
    "localhost",
    "localhost.",
    "[::1]",
    "2130706433",
    "0177.0.0.1",
    "0x7f000001",
    "127.1",
    "0.0.0.0",
    "[::ffff:127.0.0.1]",
    "[::ffff:7f00:1]",
    "[::ffff:169.254.169.254]",
    "[64:ff9b::7f00:1]",
    "169.254.169.254",
    "internal.attacker.test",  # a name that resolves to loopback
]


@pytest.mark.parametrize("kind", ["code", "model"])
@pytest.mark.parametrize("host", SPELLINGS)
def test_internal_addresses_in_every_spelling_are_refused(
    live: tuple[str, dict[str, str], Registry],
    hosts: tuple[_Server, _Server],
    names: Answers,
    kind: str,
    host: str,
) -> None:
    base, headers, registry = live
    public, secret = hosts
    names["internal.attacker.test"] = lambda: "127.0.0.1"
    url = f"http://{host}:{secret.server_address[1]}/internal/secret.txt"
    resp = requests.post(f"{base}/artifact/{kind}", json={"url": url}, headers=headers, timeout=30)
    assert "may not fetch" in resp.json()["message"], resp.text
    _assert_refused_and_still_serving(base, headers, registry, resp)
    assert secret.paths == [] and public.paths == []


def test_a_redirect_from_a_public_host_to_an_internal_one_is_refused(
    live: tuple[str, dict[str, str], Registry], hosts: tuple[_Server, _Server]
) -> None:
    base, headers, registry = live
    public, secret = hosts
    port = public.server_address[1]
    url = f"http://127.0.0.2:{port}/redirect?to=http://0x7f000001:{port}/internal/secret.txt"
    resp = requests.post(f"{base}/artifact/code", json={"url": url}, headers=headers, timeout=30)
    _assert_refused_and_still_serving(base, headers, registry, resp)
    assert public.paths == [urlsplit(url).path + "?" + urlsplit(url).query]
    assert secret.paths == []


@pytest.mark.parametrize(
    "host",
    [
        "\uff11\uff12\uff17.\uff10.\uff10.\uff11",  # fullwidth digits: NFKC makes 127.0.0.1
        "127\u30020\u30020\u30021",  # ideographic full stops
        "\u24db\u24de\u24d2\u24d0\u24db\u24d7\u24de\u24e2\u24e3",  # circled "localhost"
        "127.0.0.1.5",
        "0x7f.0x100.1.1",
    ],
)
def test_hosts_that_are_no_name_nor_address_are_refused(
    live: tuple[str, dict[str, str], Registry], hosts: tuple[_Server, _Server], host: str
) -> None:
    base, headers, registry = live
    public, secret = hosts
    url = f"http://{host}:{secret.server_address[1]}/internal/secret.txt"
    resp = requests.post(f"{base}/artifact/code", json={"url": url}, headers=headers, timeout=30)
    assert resp.status_code == 400, resp.text
    _assert_refused_and_still_serving(base, headers, registry, resp)
    assert secret.paths == [] and public.paths == []


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.2/x", "gopher://127.0.0.2/"])
def test_only_http_and_https_are_fetched(
    live: tuple[str, dict[str, str], Registry], url: str
) -> None:
    base, headers, registry = live
    resp = requests.post(f"{base}/artifact/code", json={"url": url}, headers=headers, timeout=30)
    _assert_refused_and_still_serving(base, headers, registry, resp)


def test_an_update_to_an_internal_url_is_refused_and_keeps_the_artifact(
    live: tuple[str, dict[str, str], Registry], hosts: tuple[_Server, _Server]
) -> None:
    base, headers, _ = live
    public, secret = hosts
    port = public.server_address[1]
    made = _ingest_from(base, headers, port)
    art_id, name = made.json()["metadata"]["id"], made.json()["metadata"]["name"]
    body = {
        "metadata": {"id": art_id, "name": name, "type": "model"},
        "data": {"url": f"http://[::ffff:7f00:1]:{port}/internal/secret.txt"},
    }
    resp = requests.put(f"{base}/artifacts/model/{art_id}", json=body, headers=headers, timeout=30)
    assert resp.status_code == 400, resp.text
    assert secret.paths == []
    bundle = requests.get(f"{base}/download/{art_id}", headers=headers, timeout=30)
    assert SECRET not in bundle.content


def test_dns_rebinding_connects_to_the_address_that_was_checked(
    live: tuple[str, dict[str, str], Registry],
    hosts: tuple[_Server, _Server],
    names: Answers,
) -> None:
    """The first answer is public (and checked); every later one is loopback. A fetch
    that looked the name up again to connect would read the secret."""
    base, headers, _ = live
    public, secret = hosts
    answers = iter(["127.0.0.2"])
    names["rebind.attacker.test"] = lambda: next(answers, "127.0.0.1")
    port = public.server_address[1]
    url = f"http://rebind.attacker.test:{port}/files/model.bin"
    resp = requests.post(f"{base}/artifact/model", json={"url": url}, headers=headers, timeout=30)
    assert resp.status_code == 201, resp.text
    assert secret.paths == []
    assert public.paths == ["/files/model.bin"]
    assert public.hosts == [f"rebind.attacker.test:{port}"]  # the name, not the address
    art_id = resp.json()["metadata"]["id"]
    bundle = requests.get(f"{base}/download/{art_id}", headers=headers, timeout=30)
    assert SECRET not in bundle.content


def test_a_name_answering_public_and_internal_addresses_is_refused(
    live: tuple[str, dict[str, str], Registry],
    hosts: tuple[_Server, _Server],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    base, headers, registry = live
    public, secret = hosts
    real = socket.getaddrinfo

    def both(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "both.attacker.test":
            return real("127.0.0.2", port, *args, **kwargs) + real(
                "127.0.0.1", port, *args, **kwargs
            )
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", both)
    url = f"http://both.attacker.test:{public.server_address[1]}/files/model.bin"
    resp = requests.post(f"{base}/artifact/model", json={"url": url}, headers=headers, timeout=30)
    _assert_refused_and_still_serving(base, headers, registry, resp)
    assert public.paths == [] and secret.paths == []


def test_connection_failures_all_answer_the_same_message(make_api: MakeApi) -> None:
    """A closed port and a host that hangs up must not be told apart by the caller."""
    api, _ = make_api(url_allow_networks=("127.0.0.0/8",))
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        closed_port = closed.getsockname()[1]  # bound, never listening: refused
        with socket.socket() as rude:
            rude.bind(("127.0.0.1", 0))
            rude.listen(8)
            stop = threading.Event()

            def hang_up() -> None:
                rude.settimeout(0.1)
                while not stop.is_set():
                    try:
                        conn, _ = rude.accept()
                    except OSError:
                        continue
                    conn.recv(1024)
                    conn.close()

            thread = threading.Thread(target=hang_up, daemon=True)
            thread.start()
            messages = []
            for port in (closed_port, rude.getsockname()[1]):
                url = f"http://127.0.0.1:{port}/weights.bin"
                resp = api.call("POST", "/artifact/model", json={"url": url})
                assert resp.status_code == 502, resp.get_data(as_text=True)
                messages.append(resp.get_json()["message"].replace(str(port), "PORT"))
            stop.set()
            thread.join(5)
    assert messages[0] == messages[1]
    assert "refused" not in messages[0].lower() and "disconnected" not in messages[0].lower()


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "localhost", "[::1]", "2130706433", "169.254.169.254"]
)
def test_the_license_check_never_fetches_the_url_it_is_given(
    live: tuple[str, dict[str, str], Registry], hosts: tuple[_Server, _Server], host: str
) -> None:
    """github_url only names a repository to ask GITHUB_API_URL about: a URL on another
    host is refused, and nothing is fetched from it."""
    base, headers, _ = live
    public, secret = hosts
    port = public.server_address[1]
    made = _ingest_from(base, headers, port)
    url = f"http://{host}:{port}/owner/repo"
    resp = requests.post(
        f"{base}/artifact/model/{made.json()['metadata']['id']}/license-check",
        json={"github_url": url},
        headers=headers,
        timeout=30,
    )
    assert resp.status_code == 400, resp.text
    assert secret.paths == []
    assert public.paths == ["/files/model.bin"]
