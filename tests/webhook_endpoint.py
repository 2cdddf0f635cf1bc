"""A chat's incoming webhook on localhost, for the night's notifications: it keeps every message
it is sent; a path under /hang answers after HANG_SECONDS, one under /broken with a 500."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HANG_SECONDS = 3.0


@contextmanager
def listening() -> Iterator[tuple[str, list[tuple[str, dict]]]]:
    """The endpoint's base URL and the (path, message) pairs it received, while it runs."""
    received: list[tuple[str, dict]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            if self.path.startswith("/hang"):
                time.sleep(HANG_SECONDS)
            received.append((self.path, body))
            self.send_response(500 if self.path.startswith("/broken") else 200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", received
    finally:
        server.shutdown()
