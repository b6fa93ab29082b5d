"""Small hostile servers on 127.0.0.1 for the issue-19 tests (stdlib only, not a test itself)."""

from __future__ import annotations

import os
import sys
from typing import Callable

sys.path.insert(0, os.path.dirname(__file__))
from loopback_http import LoopbackServer  # noqa: E402


class TokenEndpoint(LoopbackServer):
    """A token endpoint whose every request is answered 200 with `reply()` (raw JSON text, so that
    numbers past int64 go out as written). `on_request()`, when given, runs first and may block
    (to hold a transfer open while the test looks at the client). Serving from construction on.

    with TokenEndpoint(lambda: '{"access_token":"t","expires_in":1e300}') as server: server.url
    """

    def __init__(self, reply: Callable[[], str], on_request: Callable[[], None] | None = None):
        def answer(handler):
            if on_request is not None:
                on_request()
            return 200, {"Content-Type": "application/json"}, reply().encode()

        super().__init__(answer)
        self.start()

    def __enter__(self) -> "TokenEndpoint":
        return self
