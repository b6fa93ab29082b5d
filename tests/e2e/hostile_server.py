"""A hostile backend on 127.0.0.1 for the output tests (test_hostile_output.py): it answers every
request with an error whose message echoes the request back (its headers, query and body, so any
secret we sent comes back to us), with terminal control sequences mixed in, and it can answer the
token endpoint with a token holding CR LF (a header injection attempt).

Every request is recorded (method, path, headers, body) so a test can assert what was sent, or that
nothing was. Python stdlib only; each wait is bounded.
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# What a hostile message carries besides the echo: a window-title change (OSC 0), a clipboard
# write (OSC 52), erase-line (CSI 2K), a bell and a carriage return that would hide what came
# before it on a terminal.
ESCAPES = "\x1b]0;owned\x07\x1b]52;c;ZXZpbA==\x07\x1b[2K\rnothing to see"


class Recorded:
    def __init__(self, method: str, path: str, headers: list[tuple[str, str]], body: bytes):
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None


class HostileServer:
    """`mode` picks the answer:
    - "echo": status `status` (default 400), {"message": "<escapes> echo: <request>"} for every request;
    - "inject": POST /tokens answers 200 with `token` as access_token (and refresh_token), everything
      else is echoed as above;
    - "text": the echo as a text/plain body;
    - "redirect": the echo, with a Location header holding the escapes too.
    """

    def __init__(self, mode: str = "echo", status: int = 400, token: str = "abc\r\nX-Injected: 1"):
        self.mode = mode
        self.status = status
        self.token = token
        self.requests: list[Recorded] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with server._lock:
                    server.requests.append(Recorded(self.command, self.path, list(self.headers.items()), body))
                status, answer = server.answer(self.command, self.path, self.headers, body)
                data = answer.encode() if isinstance(answer, str) else json.dumps(answer).encode()
                self.send_response(status)
                if server.mode == "redirect":
                    self.send_header("Location", "http://127.0.0.1:9/" + ESCAPES)
                self.send_header("Content-Type", "text/plain" if isinstance(answer, str) else "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = _handle

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def answer(self, method: str, path: str, headers, body: bytes) -> tuple[int, dict]:
        if self.mode == "inject" and method == "POST" and (path.startswith("/tokens") or path.startswith("/oauth/token")):
            return 200, {"access_token": self.token, "refresh_token": self.token, "token_type": "Bearer",
                         "expires_in": 3600}
        # The secrets first: callctl shows only the start of a long message.
        secret_headers = [f"{k}: {v}" for k, v in headers.items() if k.lower() not in ("host", "user-agent", "accept",
                                                                                     "content-type", "content-length")]
        echo = " | ".join(secret_headers)
        # And the credentials once more percent-encoded, as a server quoting a URL would.
        quoted = urllib.parse.quote(echo, safe="")
        text = f"{ESCAPES} echo: {echo} | {quoted} | {body.decode('utf-8', 'replace')} | {method} {path}"
        # One line (callctl shows the first line of a message): the body's own newlines go.
        text = text.replace("\n", " ")
        if self.mode == "text":
            return self.status, text
        return self.status, {"message": text, "error": text, "errors": [{"message": text}]}

    def sent(self) -> list[Recorded]:
        with self._lock:
            return list(self.requests)

    def start(self) -> "HostileServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=10)

    def __enter__(self) -> "HostileServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
