"""A loopback TCP proxy that drops the connection in the middle of one response body,
as a flaky network does, so a client's resume (a Range request) can be tested for real."""

from __future__ import annotations

import contextlib
import socket
import threading
from types import TracebackType
from typing import Self

Conn = socket.socket


class LoopbackProxy:
    """Forward 127.0.0.1:<port> to `target_port` on a thread per direction; subclasses
    decide what a connection does (`_serve`)."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.port = int(self._listener.getsockname()[1])
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._listener.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._serve(client)

    def _serve(self, client: Conn) -> None:
        raise NotImplementedError


class CuttingProxy(LoopbackProxy):
    """Forward 127.0.0.1:<port> to `target_port`; cut the first response to a request
    whose bytes contain `needle` after `cut_after` bytes of its body."""

    def __init__(self, target_port: int, needle: bytes, cut_after: int) -> None:
        super().__init__(target_port)
        self.needle = needle
        self.cut_after = cut_after
        self.requests: list[bytes] = []  # what clients sent, chunk by chunk
        self.statuses: list[bytes] = []  # the status lines of the responses
        self.cut = threading.Event()

    def _serve(self, client: Conn) -> None:
        server = socket.create_connection(("127.0.0.1", self.target_port), timeout=30)
        armed = threading.Event()
        for pump in (self._upstream, self._downstream):
            threading.Thread(target=pump, args=(client, server, armed), daemon=True).start()

    def _upstream(self, client: Conn, server: Conn, armed: threading.Event) -> None:
        try:
            while data := client.recv(65536):
                with self._lock:
                    self.requests.append(data)
                if self.needle in data and not self.cut.is_set():
                    armed.set()
                server.sendall(data)
        except OSError:
            pass
        finally:
            close_socket(server)

    def _downstream(self, client: Conn, server: Conn, armed: threading.Event) -> None:
        head = b""
        body = 0
        try:
            while data := server.recv(65536):
                if data.startswith(b"HTTP/"):
                    with self._lock:
                        self.statuses.append(data.split(b"\r\n", 1)[0])
                if armed.is_set() and not self.cut.is_set():
                    if b"\r\n\r\n" not in head:
                        head += data
                        if b"\r\n\r\n" in head:
                            body = len(head.split(b"\r\n\r\n", 1)[1])
                    else:
                        body += len(data)
                    if body >= self.cut_after:
                        keep = len(data) - (body - self.cut_after)
                        client.sendall(data[:keep])
                        self.cut.set()
                        return
                client.sendall(data)
        except OSError:
            pass
        finally:
            close_socket(client)
            close_socket(server)

    def saw(self, fragment: bytes) -> bool:
        with self._lock:
            return any(fragment in chunk for chunk in self.requests)


def close_socket(sock: Conn) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()
