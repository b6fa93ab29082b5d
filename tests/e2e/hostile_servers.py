"""Small hostile servers on 127.0.0.1 for the issue-19 tests (stdlib only, not a test itself)."""

from __future__ import annotations

import http.server
import threading
from typing import Callable


class TokenEndpoint:
    """A token endpoint whose every POST is answered 200 with `reply()` (raw JSON text, so that
    numbers past int64 go out as written). `on_request()`, when given, runs first and may block
    (to hold a transfer open while the test looks at the client).

    with TokenEndpoint(lambda: '{"access_token":"t","expires_in":1e300}') as server: server.url
    """

    def __init__(self, reply: Callable[[], str], on_request: Callable[[], None] | None = None):
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if on_request is not None:
                    on_request()
                body = reply().encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(10)

    def __enter__(self) -> "TokenEndpoint":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
