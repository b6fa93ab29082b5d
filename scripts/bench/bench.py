#!/usr/bin/env python3
"""callctl against the tools a user would otherwise reach for, side by side in one run.

Each row runs both sides several times against the same local sandbox and reports medians and the
ratio (how many times the other tool's time callctl's is; > 1 means callctl is faster), with the
target from issue 8. Run through scripts/bench/run, which builds a Release binary first.

  start-up         callctl --version                    vs curl --version
  one request      callctl call-log ID                  vs curl -s URL
  1000 logs        callctl call-log --ids-from (8 conc.) vs 1000 curl processes, and curl -Z --parallel-max 8
  decode-push      callctl decode-push --stream (100k)  vs openssl enc -d per encrypted field (sample)
  peak RSS         callctl call-log, 10k ids, -o ndjson
  listen           wrk at callctl listen (signed webhooks) vs at a do-nothing cpp-httplib server; RSS
                   after 1k and 100k events (listen_bench.py)
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "e2e"))
from harness import Sandbox  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import listen_bench  # noqa: E402

PUSH_KEY_HEX = "5f" * 32


def hyperfine_median(commands: list[str], runs: int, env: dict) -> list[float]:
    """Median wall time in ms of each command, measured by hyperfine (no shell in between)."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run(["hyperfine", "-N", "--warmup", "10", "--runs", str(runs), "--export-json", out.name,
                        *commands], check=True, capture_output=True, env=env, timeout=600)
        results = json.load(open(out.name))["results"]
    return [r["median"] * 1000 for r in results]


def timed(argv: list[str], env: dict, stdin_path: Path | None = None, stdout=subprocess.DEVNULL) -> float:
    started = time.perf_counter()
    with open(stdin_path or os.devnull, "rb") as stdin:
        done = subprocess.run(argv, stdin=stdin, stdout=stdout, stderr=subprocess.PIPE, env=env, timeout=600)
    elapsed = (time.perf_counter() - started) * 1000
    if done.returncode != 0:
        raise RuntimeError(f"{argv[0]} failed ({done.returncode}): {done.stderr[-500:]!r}")
    return elapsed


def median_of(reps: int, run) -> float:
    return statistics.median(run() for _ in range(reps))


def peak_rss_kb(argv: list[str], env: dict) -> int:
    # A fresh Python child so RUSAGE_CHILDREN holds callctl alone.
    probe = ("import resource, subprocess, sys; "
             "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL); "
             "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss if r.returncode == 0 else -1)")
    done = subprocess.run([sys.executable, "-c", probe, *argv], capture_output=True, text=True, env=env, timeout=600)
    return int(done.stdout.strip())


class Report:
    def __init__(self):
        self.rows: list[tuple[str, str, str, str, str]] = []

    def ratio(self, name: str, ours: float, theirs: float, other: str, target: str, unit: str = "ms"):
        self.rows.append((name, f"{ours:.1f} {unit}", f"{other}: {theirs:.1f} {unit}", f"{theirs / ours:.2f}x", target))
        print(f"  {name}: callctl {ours:.1f} {unit}, {other} {theirs:.1f} {unit}", file=sys.stderr)

    def ratio_higher(self, name: str, ours: float, theirs: float, other: str, target: str, unit: str):
        """A rate (higher is better): the ratio is ours over theirs."""
        self.rows.append((name, f"{ours:,.0f} {unit}", f"{other}: {theirs:,.0f} {unit}", f"{ours / theirs:.2f}x", target))
        print(f"  {name}: callctl {ours:,.0f} {unit}, {other} {theirs:,.0f} {unit}", file=sys.stderr)

    def value(self, name: str, text: str, target: str):
        self.rows.append((name, text, "", "", target))
        print(f"  {name}: {text}", file=sys.stderr)

    def print(self):
        headers = ("benchmark", "callctl", "other", "speed-up", "target")
        widths = [max(len(h), *(len(r[i]) for r in self.rows)) for i, h in enumerate(headers)]
        line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
        print(line(headers))
        for row in self.rows:
            print(line(row))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--callctl", required=True)
    parser.add_argument("--sandbox", required=True)
    parser.add_argument("--null-server", required=True, help="callctl-null-server (tests/bench), listen's baseline")
    parser.add_argument("--reps", type=int, default=5, help="repetitions of the batch benchmarks (median)")
    parser.add_argument("--payloads", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions and items, for a smoke run")
    args = parser.parse_args()
    if args.quick:
        args.reps, args.payloads = 1, 10_000
    callctl = str(Path(args.callctl).resolve())
    for tool in ("curl", "openssl", "hyperfine", "wrk"):
        if shutil.which(tool) is None:
            print(f"bench: {tool} is needed (scripts/bootstrap --bench)", file=sys.stderr)
            return 1

    work = Path(tempfile.mkdtemp(prefix="callctl-bench-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("CALLCTL_")}
    env.update({"HOME": str(work), "XDG_CONFIG_HOME": str(work / "config")})
    report = Report()
    os.environ["CALLCTL_SANDBOX_BIN"] = str(Path(args.sandbox).resolve())
    import harness
    harness.SANDBOX_BIN = os.environ["CALLCTL_SANDBOX_BIN"]

    try:
        print("start-up ...", file=sys.stderr)
        ours, theirs = hyperfine_median([f"{callctl} --version", "curl --version"], 200 if not args.quick else 50, env)
        report.ratio("start-up (--version)", ours, theirs, "curl", ">= 0.83x (ratio <= 1.2)")

        with Sandbox(push_key_hex=PUSH_KEY_HEX, extra_args=["--threads", "16"]) as sandbox:
            token = sandbox.access_token()
            env_token = {**env, "CALLCTL_TOKEN": token, "CALLCTL_REST_URL": sandbox.http}
            auth = f"Authorization: Bearer {token}"

            print("one request ...", file=sys.stderr)
            [one] = sandbox.admin("POST", "/_sandbox/calls", {"callIds": ["bench-one"], "frozen": True})["callIds"]
            url = f"{sandbox.http}/rtc/getCallLogById?callId={one}"
            ours, theirs = hyperfine_median([f"{callctl} call-log {one} -o json", f"curl -s -H '{auth}' {url}"],
                                            100 if not args.quick else 20, env_token)
            report.ratio("one request (call-log ID)", ours, theirs, "curl -s", ">= 0.83x (ratio <= 1.2)")

            print("1000 call logs ...", file=sys.stderr)
            ids = sandbox.admin("POST", "/_sandbox/calls", {"count": 1000, "frozen": True})["callIds"]
            ids_file = work / "ids.txt"
            ids_file.write_text("\n".join(ids) + "\n")
            urls = [f"{sandbox.http}/rtc/getCallLogById?callId={i}" for i in ids]
            curl_config = work / "curl.cfg"
            curl_config.write_text(f'header = "{auth}"\n' + "".join(f'url = "{u}"\noutput = "/dev/null"\n' for u in urls))
            ours = median_of(args.reps, lambda: timed([callctl, "call-log", "--ids-from", str(ids_file), "-o", "ndjson"],
                                                      env_token))
            curl_z = median_of(args.reps, lambda: timed(["curl", "-s", "-Z", "--parallel-max", "8", "-K", str(curl_config)],
                                                        env_token))
            loop_sample = urls[:200] if args.quick else urls

            def curl_loop() -> float:
                started = time.perf_counter()
                for u in loop_sample:
                    subprocess.run(["curl", "-s", "-o", "/dev/null", "-H", auth, u], check=True, timeout=30)
                return (time.perf_counter() - started) * 1000 * len(urls) / len(loop_sample)

            loop = median_of(1 if args.quick else 3, curl_loop)
            report.ratio("1000 logs vs curl loop", ours, loop, "1000 curl", ">= 20x")
            report.ratio("1000 logs vs curl -Z", ours, curl_z, "curl -Z -8", ">= 1.0x")

            print("peak RSS over 10k ids ...", file=sys.stderr)
            many = sandbox.admin("POST", "/_sandbox/calls", {"count": 10_000 if not args.quick else 2_000,
                                                             "frozen": True})["callIds"]
            many_file = work / "many.txt"
            many_file.write_text("\n".join(many) + "\n")
            rss = peak_rss_kb([callctl, "call-log", "--ids-from", str(many_file), "-o", "ndjson"], env_token)
            report.value(f"peak RSS, call-log {len(many)} ids ndjson", f"{rss / 1024:.1f} MB", "<= 16 MB")

            print("decode-push ...", file=sys.stderr)
            key_file = work / "push.key"
            key_file.write_text(PUSH_KEY_HEX + "\n")
            samples = [json.dumps(sandbox.json_request("POST", "/_sandbox/push/incoming",
                                                       {"iotDeviceId": f"dev_{n}"})[1], separators=(",", ":"))
                       for n in range(50)]
            payloads = work / "payloads.ndjson"
            with open(payloads, "w") as f:
                for n in range(args.payloads):
                    f.write(samples[n % len(samples)] + "\n")
            ours = median_of(args.reps, lambda: timed([callctl, "decode-push", "--stream", "--key-file", str(key_file)],
                                                      env, stdin_path=payloads))
            rate = args.payloads / (ours / 1000)
            report.value(f"decode-push --stream, {args.payloads} payloads", f"{rate:,.0f} payloads/s", ">= 50,000/s")

            sample = samples[: (20 if args.quick else 100)]

            def openssl_per_payload() -> float:
                started = time.perf_counter()
                for text in sample:
                    push = json.loads(text)
                    for field in ("video", "audio"):
                        blob = base64.b64decode(push[field])
                        subprocess.run(["openssl", "enc", "-d", "-aes-256-cbc", "-K", PUSH_KEY_HEX,
                                        "-iv", blob[:16].hex()], input=blob[16:], check=True, capture_output=True,
                                       timeout=30)
                return (time.perf_counter() - started) * 1000 / len(sample)

            per_openssl = median_of(1 if args.quick else 3, openssl_per_payload)
            per_ours = ours / args.payloads
            report.ratio("decode one push vs openssl enc -d", per_ours * 1000, per_openssl * 1000, "openssl x2",
                         ">= 100x", unit="us")

        listen_bench.run(report, callctl, str(Path(args.null_server).resolve()), work, args.quick)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print()
    report.print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
