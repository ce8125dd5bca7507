"""A loopback TCP proxy that can be switched off and on, to take a server away from
the registry (as a crash or a network partition does) and give it back."""

from __future__ import annotations

import socket
import threading
from types import TracebackType

from tests.functional.cutting_proxy import Conn, LoopbackProxy, close_socket


class SwitchProxy(LoopbackProxy):
    def __init__(self, target_port: int) -> None:
        super().__init__(target_port)
        self._up = threading.Event()
        self._up.set()
        self._open: set[Conn] = set()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.down()
        super().__exit__(exc_type, exc, tb)

    def down(self) -> None:
        """Cut every connection, and refuse new ones until `up()`."""
        self._up.clear()
        with self._lock:
            for sock in self._open:
                close_socket(sock)
            self._open.clear()

    def up(self) -> None:
        self._up.set()

    def _serve(self, client: Conn) -> None:
        if not self._up.is_set():
            close_socket(client)
            return
        try:
            server = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
        except OSError:
            close_socket(client)
            return
        with self._lock:
            self._open |= {client, server}
        for source, sink in ((client, server), (server, client)):
            threading.Thread(target=_pipe, args=(source, sink), daemon=True).start()


def _pipe(source: Conn, sink: Conn) -> None:
    try:
        source.settimeout(None)
        while chunk := source.recv(65536):
            sink.sendall(chunk)
    except OSError:
        pass
    finally:
        close_socket(source)
        close_socket(sink)
