"""The egress session over TLS: it connects to the address it checked, yet presents the
URL's name as the TLS server name (SNI) and checks the certificate against that name."""

from __future__ import annotations

import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests
import trustme

from registry.sources.egress import EgressPolicy, egress_session

NAME = "mirror.example.test"


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.server.hosts.append(self.headers.get("Host", ""))  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[int, list[str], list[str | None], Path]]:
    """An HTTPS server on 127.0.0.2 with a certificate for NAME only; yields its port,
    the Host headers and server names it saw, and the CA file that trusts it."""
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(NAME).configure_cert(context)
    names: list[str | None] = []
    context.sni_callback = lambda sock, name, ctx: names.append(name)  # type: ignore[assignment]
    server = ThreadingHTTPServer(("127.0.0.2", 0), _Handler)
    server.hosts = []  # type: ignore[attr-defined]
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    yield server.server_address[1], server.hosts, names, ca_file  # type: ignore[attr-defined]
    server.shutdown()
    server.server_close()


def _policy(answers: dict[str, str]) -> EgressPolicy:
    return EgressPolicy.from_settings(
        ("127.0.0.2/32",), (), lambda host, port: [answers[host]] if host in answers else []
    )


def test_https_goes_to_the_checked_address_with_the_urls_name(
    tls_server: tuple[int, list[str], list[str | None], Path],
) -> None:
    port, hosts, names, ca_file = tls_server
    session = egress_session(_policy({NAME: "127.0.0.2"}), retries=0)
    session.verify = str(ca_file)
    resp = session.get(f"https://{NAME}:{port}/file", timeout=10)
    assert resp.status_code == 200 and resp.content == b"ok"
    assert names == [NAME]
    assert hosts == [f"{NAME}:{port}"]


def test_a_certificate_for_another_name_is_refused(
    tls_server: tuple[int, list[str], list[str | None], Path],
) -> None:
    port, hosts, _, ca_file = tls_server
    other = "other.example.test"
    session = egress_session(_policy({other: "127.0.0.2"}), retries=0)
    session.verify = str(ca_file)
    with pytest.raises(requests.exceptions.SSLError):
        session.get(f"https://{other}:{port}/file", timeout=10)
    assert hosts == []
