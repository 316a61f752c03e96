"""A real HTTP server on loopback for the probe tests: fixed paths, and ``/switch`` whose status the test
sets (``server.switch = 500``)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class _Handler(BaseHTTPRequestHandler):
    server: ProbeServer

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _answer(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self) -> None:
        self.server.hits.append(self.path)
        if self.path == "/ok":
            self._answer(200, "platform status: all systems green 一切正常".encode())
        elif self.path == "/fail":
            self._answer(500, b"internal error")
        elif self.path == "/slow":
            time.sleep(self.server.slow_seconds)
            self._answer(200, b"late but fine")
        elif self.path == "/moved":
            self._answer(301, b"", {"Location": "/ok"})
        elif self.path == "/switch":
            self._answer(self.server.switch, b"switch")
        else:
            self._answer(404, b"not here")

    do_HEAD = do_GET

    def do_POST(self) -> None:
        self.do_GET()


class ProbeServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.hits: list[str] = []
        self.switch = 200
        self.slow_seconds = 3.0

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a probe that timed out hangs up on the slow answer: not a test failure

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


@contextmanager
def probe_server() -> Iterator[ProbeServer]:
    server = ProbeServer()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
