#!/usr/bin/env python3
"""callctl listen under a fixed load, against a do-nothing server, in one run.

  events/s   wrk (2 threads, 8 kept-alive connections) POSTs one Kaleyra on_call_incoming webhook,
             signed (bandyer-signature, fresh t), for a fixed time at `callctl listen
             --kaleyra-key-file K` (every request verified, decoded, printed to a file), and the same
             at callctl-null-server (cpp-httplib answering every POST 200, doing nothing else), in
             alternating rounds so that load from elsewhere falls on both alike; medians. Ratio:
             listen's requests/s over the null server's; every answer must be 200 and every event on
             listen's stdout.
  RSS        listen's VmRSS after 1000 events (from 16 clients, a connection each, so every worker
             has run) and again after 100,000 more from wrk: the difference.

Used by bench.py (scripts/bench/run); alone:
  scripts/bench/listen_bench.py --callctl build/bench/cli/callctl --null-server build/bench/tests/bench/callctl-null-server
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import http.client
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KEY = "ak_live_123456"
BODY = (ROOT / "tests" / "data" / "kaleyra_on_call_incoming.json").read_bytes()
READY = re.compile(r"^callctl: listening on (http://127\.0\.0\.1:\d+)$")


def signature(t: int) -> str:
    return f"t={t},v0=" + hmac.new(KEY.encode(), str(t).encode() + b"." + BODY, hashlib.sha256).hexdigest()


def lua_script(path: Path) -> Path:
    """The wrk script: the same signed POST every time (t is fresh: within listen's 300 s)."""
    script = path / "post.lua"
    script.write_text('wrk.method = "POST"\n'
                      f'wrk.body = [==[{BODY.decode()}]==]\n'
                      'wrk.headers["Content-Type"] = "application/json"\n'
                      f'wrk.headers["bandyer-signature"] = "{signature(int(time.time()))}"\n')
    return script


def wrk(url: str, script: Path, seconds: int) -> tuple[float, int]:
    """(requests/s, requests) from one wrk run; fails on any non-2xx answer or socket error."""
    done = subprocess.run(["wrk", "-t2", "-c8", f"-d{seconds}s", "-s", str(script), url], capture_output=True, text=True,
                          timeout=seconds + 60)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed: {done.stderr or done.stdout}")
    text = done.stdout
    if "Non-2xx" in text or "Socket errors" in text:
        raise RuntimeError(f"wrk saw failed requests:\n{text}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    total = int(re.search(r"(\d+) requests in", text).group(1))
    return rate, total


class Process:
    """A server under test; stdin is a pipe we hold, so it never outlives us."""

    def __init__(self, argv: list[str], stdout, ready_from_stderr: bool):
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=stdout, stderr=subprocess.PIPE, text=True)
        stream = self.proc.stderr if ready_from_stderr else self.proc.stdout
        line: list[str] = []
        reader = threading.Thread(target=lambda: line.append(stream.readline()), daemon=True)
        reader.start()
        reader.join(10)
        if not line or not line[0]:
            self.stop()
            raise RuntimeError(f"{argv[0]} did not start")
        self.ready = line[0].strip()

    def rss_kb(self) -> int:
        for entry in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if entry.startswith("VmRSS:"):
                return int(entry.split()[1])
        raise RuntimeError("no VmRSS")

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        return self.proc.returncode


def start_listen(callctl: str, work: Path, out_path: Path) -> tuple[Process, str]:
    key = work / "kaleyra.key"
    key.write_text(KEY + "\n")
    out = open(out_path, "wb")
    listen = Process([callctl, "listen", "--kaleyra-key-file", str(key), "--workers", "16"], out, ready_from_stderr=True)
    out.close()
    match = READY.match(listen.ready)
    if not match:
        listen.stop()
        raise RuntimeError(f"unexpected ready line {listen.ready!r}")
    return listen, match.group(1)


def lines_in(path: Path) -> int:
    with open(path, "rb") as f:
        return sum(1 for _ in f)


def warm_up(url: str, count: int) -> None:
    """`count` signed events from 16 clients, one connection per event, so every worker has served."""
    port = int(url.rsplit(":", 1)[1])
    headers = {"Content-Type": "application/json", "bandyer-signature": signature(int(time.time())),
               "Connection": "close"}

    def post(_: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("POST", "/warm", body=BODY, headers=headers)
        response = conn.getresponse()
        response.read()
        conn.close()
        if response.status != 200:
            raise RuntimeError(f"warm-up answered {response.status}")

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(post, range(count)))


def run(report, callctl: str, null_server: str, work: Path, quick: bool) -> None:
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is needed (scripts/bootstrap --bench)")
    seconds = 2 if quick else 4
    script = lua_script(work)

    print("listen vs a do-nothing cpp-httplib server ...", file=sys.stderr)
    rounds = 3 if quick else 5
    null = Process([null_server, "16"], subprocess.PIPE, ready_from_stderr=False)
    events = work / "events.ndjson"
    try:
        listen, url = start_listen(callctl, work, events)
    except Exception:
        null.stop()
        raise
    null_rates, listen_rates, requests = [], [], 0
    try:
        for _ in range(rounds):
            null_rates.append(wrk(f"http://127.0.0.1:{null.ready}/webhook", script, seconds)[0])
            rate, count = wrk(url + "/webhook", script, seconds)
            listen_rates.append(rate)
            requests += count
    finally:
        null.stop()
        rc = listen.stop()
    printed = lines_in(events)
    # wrk stops counting at its deadline: the answers then in flight (one a connection at most) are
    # events on listen's stdout that wrk does not count.
    if rc != 143 or not requests <= printed <= requests + 8 * rounds:
        raise RuntimeError(f"listen exited {rc} with {printed} event lines for {requests} requests")
    listen_rate = statistics.median(listen_rates)
    print(f"  rounds: listen {', '.join(f'{r:,.0f}' for r in listen_rates)}; "
          f"null {', '.join(f'{r:,.0f}' for r in null_rates)} requests/s", file=sys.stderr)
    report.ratio_higher("listen: verified events/s", listen_rate, statistics.median(null_rates), "null httplib",
                        ">= 0.7x", unit="/s")

    print("listen RSS after 1k and 100k events ...", file=sys.stderr)
    target = 20_000 if quick else 100_000
    events = work / "rss.ndjson"
    listen, url = start_listen(callctl, work, events)
    try:
        warm_up(url, 1000)
        after_1k = listen.rss_kb()
        while lines_in(events) < 1000 + target:
            left = 1000 + target - lines_in(events)
            wrk(url + "/webhook", script, max(1, int(left / max(listen_rate, 1000) * 1.2) + 1))
        after_many = listen.rss_kb()
        total = lines_in(events)
    finally:
        listen.stop()
    grown = (after_many - after_1k) / 1024
    report.value(f"listen RSS, 1k -> {total // 1000}k events", f"{after_1k / 1024:.1f} -> {after_many / 1024:.1f} MB "
                 f"({grown:+.2f} MB)", "<= +2 MB")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--callctl", required=True)
    parser.add_argument("--null-server", required=True)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench import Report  # noqa: E402

    report = Report()
    work = Path(tempfile.mkdtemp(prefix="callctl-bench-listen-"))
    try:
        run(report, str(Path(args.callctl).resolve()), str(Path(args.null_server).resolve()), work, args.quick)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report.print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
