"""A static file server on 127.0.0.1 for the bundled demo site and the tests (pa11y's "mock website").

Binds loopback only, on a free port. Two test routes simulate faults without any outside network:
`/__phi_lint/hang` answers only when the server stops (or after 60 s), `/__phi_lint/status/<code>`
answers with that HTTP status.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

HANG_LIMIT_S = 60.0


class _Handler(SimpleHTTPRequestHandler):
    stop_event: threading.Event

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: request lines carry query strings, which may hold PHI."""

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path.startswith("/__phi_lint/hang"):
            self.stop_event.wait(HANG_LIMIT_S)
            with contextlib.suppress(OSError):  # the browser gave up long ago
                self.send_error(504)
            return
        if path.startswith("/__phi_lint/status/"):
            code = path.rsplit("/", 1)[-1]
            self.send_error(int(code) if code.isdigit() and 400 <= int(code) < 600 else 500)
            return
        super().do_GET()


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A browser that closes a connection early is normal here; stay quiet (no URLs in logs)."""


class StaticServer:
    """`with StaticServer(directory) as server: server.url("/page.html")`."""

    def __init__(self, directory: Path, host: str = "127.0.0.1", port: int = 0) -> None:
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("the sweep server binds loopback only")
        self.directory = Path(directory).resolve()
        self._stop = threading.Event()
        # A subclass per server, so each server's hang route waits on its own stop event.
        handler_class = type("_BoundHandler", (_Handler,), {"stop_event": self._stop})
        handler = functools.partial(handler_class, directory=str(self.directory))
        self._httpd = _QuietServer((host, port), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="phi-lint-static", daemon=True)
        self.host = host
        self.port = int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, path: str = "/") -> str:
        return self.base_url + (path if path.startswith("/") else "/" + path)

    def start(self) -> StaticServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> StaticServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
