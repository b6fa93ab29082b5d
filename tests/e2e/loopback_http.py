"""A scriptable HTTP/1.1 server on 127.0.0.1 for tests whose backend must misbehave in ways the
sandbox has no fault for (a cut body, a redirect elsewhere, JSON 100,000 levels deep, a 2 GiB body).

`answer(handler)` returns (status, headers, body): body is bytes, or an iterable of byte chunks
streamed as they come. A Content-Length header, when given, is sent as is (it may announce more than
is ever sent); without one, bytes get their length and chunks go chunked. Every request is recorded
(method, path, lower-cased headers, body); accepted connections and body bytes sent are counted.
Python stdlib only; stopping is bounded.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class LoopbackServer:
    def __init__(self, answer, keep_alive: bool = True):
        owner = self
        self.connections = 0
        self.requests: list[dict] = []
        self.sent = 0
        self._lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive whenever the length is known

            def setup(self):
                super().setup()
                with owner._lock:
                    owner.connections += 1

            def _serve(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with owner._lock:
                    owner.requests.append({"method": self.command, "path": self.path,
                                           "headers": {k.lower(): v for k, v in self.headers.items()},
                                           "body": body})
                status, headers, payload = answer(self)
                chunks = [payload] if isinstance(payload, bytes) else payload
                chunked = "Content-Length" not in headers and not isinstance(payload, bytes)
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    if chunked:
                        self.send_header("Transfer-Encoding", "chunked")
                    elif "Content-Length" not in headers:
                        self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    for chunk in chunks:
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk) if chunked else chunk)
                        with owner._lock:
                            owner.sent += len(chunk)
                    if chunked:
                        self.wfile.write(b"0\r\n\r\n")
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True  # callctl hung up: what it should do with a body too large
                if not keep_alive:
                    self.close_connection = True

            do_GET = do_POST = do_PUT = do_DELETE = _serve

            def log_message(self, *args):  # keep the test output clean
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    def start(self) -> "LoopbackServer":
        self._thread.start()
        return self

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(5)

    def __enter__(self) -> "LoopbackServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()
