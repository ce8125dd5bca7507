"""Run the three fakes (Hub, GitHub, plain files) on loopback ports in background threads."""

from __future__ import annotations

import threading
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from .catalog import Catalog, default_catalog
from .files import FilesApp
from .github import GitHubApp
from .hub import HubApp
from .kaggle import KaggleApp
from .kaggle_content import KAGGLE_KEY, KAGGLE_USERNAME
from .wsgi import FakeApp, RequestLog


class _QuietHandler(WSGIRequestHandler):
    """Keeps test output clean: werkzeug logs every request to stderr otherwise."""

    def log(self, type: str, message: str, *args: Any) -> None:
        pass


class FakeUpstream:
    """The fake Hugging Face Hub, GitHub API, file server and Kaggle API, as one context manager.

    >>> with FakeUpstream() as upstream:
    ...     HfApi(endpoint=upstream.hf_endpoint).model_info("google-bert/bert-base-uncased")

    Ports default to 0 (ephemeral); pass fixed ones for a demo.  ``release_slow`` unblocks the
    ``fault/slow-download`` repo; ``hub.slow_stalled`` tells that a body has reached its stall.
    """

    def __init__(
        self,
        catalog: Catalog | None = None,
        *,
        host: str = "127.0.0.1",
        hf_port: int = 0,
        github_port: int = 0,
        files_port: int = 0,
        kaggle_port: int = 0,
        slow_timeout: float = 60.0,
        quiet: bool = True,
    ) -> None:
        self.catalog = catalog if catalog is not None else default_catalog()
        self.host = host
        self.release_slow = threading.Event()
        self.hub = HubApp(self.catalog, release_slow=self.release_slow, slow_timeout=slow_timeout)
        self.github = GitHubApp(self.catalog)
        self.files = FilesApp(self.catalog)
        self.kaggle = KaggleApp(self.catalog)
        self._ports = {
            "hub": hf_port,
            "github": github_port,
            "files": files_port,
            "kaggle": kaggle_port,
        }
        self._quiet = quiet
        self._servers: dict[str, BaseWSGIServer] = {}
        self._threads: list[threading.Thread] = []

    # ---- lifecycle ------------------------------------------------------------------------

    def start(self) -> FakeUpstream:
        if self._servers:
            return self
        apps: dict[str, FakeApp] = {
            "hub": self.hub,
            "github": self.github,
            "files": self.files,
            "kaggle": self.kaggle,
        }
        handler = _QuietHandler if self._quiet else WSGIRequestHandler
        try:
            for name, app in apps.items():
                server = make_server(
                    self.host, self._ports[name], app, threaded=True, request_handler=handler
                )
                self._servers[name] = server
                # A short poll interval keeps stop() (which waits for the loop) fast.
                thread = threading.Thread(
                    target=server.serve_forever,
                    kwargs={"poll_interval": 0.05},
                    name=f"fake-{name}",
                    daemon=True,
                )
                thread.start()
                self._threads.append(thread)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        # Unblock any stalled slow download first, or its handler thread would linger.
        self.release_slow.set()
        for server in self._servers.values():
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._servers.clear()
        self._threads.clear()

    def __enter__(self) -> FakeUpstream:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ---- addresses ------------------------------------------------------------------------

    def _url(self, name: str) -> str:
        if name not in self._servers:
            raise RuntimeError("FakeUpstream is not running; use it as a context manager")
        return f"http://{self.host}:{self._servers[name].server_address[1]}"

    @property
    def hf_endpoint(self) -> str:
        """Base URL to use as ``HF_ENDPOINT`` / ``HfApi(endpoint=...)``."""
        return self._url("hub")

    @property
    def github_api_url(self) -> str:
        """Base URL to use as ``GITHUB_API_URL`` (like ``https://api.github.com``)."""
        return self._url("github")

    @property
    def files_url(self) -> str:
        """Base URL of the plain file server; downloads live under ``/files/``."""
        return self._url("files")

    @property
    def kaggle_api_url(self) -> str:
        """Base URL to use as ``KAGGLE_API_URL`` (like ``https://www.kaggle.com/api/v1``)."""
        return self._url("kaggle") + "/api/v1"

    def env(self) -> dict[str, str]:
        """Environment variables that point the registry at the fakes."""
        return {
            "HF_ENDPOINT": self.hf_endpoint,
            "GITHUB_API_URL": self.github_api_url,
            "KAGGLE_API_URL": self.kaggle_api_url,
            "KAGGLE_USERNAME": KAGGLE_USERNAME,
            "KAGGLE_KEY": KAGGLE_KEY,
            # The file server's plain URLs are on loopback, closed to user URLs by default.
            "URL_ALLOW_NETWORKS": str(urlsplit(self.files_url).hostname),
        }

    # ---- request logs ---------------------------------------------------------------------

    @property
    def hf_requests(self) -> RequestLog:
        return self.hub.requests_seen

    @property
    def github_requests(self) -> RequestLog:
        return self.github.requests_seen

    @property
    def files_requests(self) -> RequestLog:
        return self.files.requests_seen

    @property
    def kaggle_requests(self) -> RequestLog:
        return self.kaggle.requests_seen

    def clear_logs(self) -> None:
        logs = (self.hf_requests, self.github_requests, self.files_requests, self.kaggle_requests)
        for log in logs:
            log.clear()
