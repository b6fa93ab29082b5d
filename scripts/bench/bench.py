#!/usr/bin/env python3
"""callctl against the tools a user would otherwise reach for, side by side in one run.

Each row runs both sides several times against the same local sandbox (the ~0.1 s rows taking turns) and
reports medians and the ratio (how many times the other tool's time callctl's is; > 1 means callctl is
faster), with the target from issue 8. Run through scripts/bench/run, which builds a Release binary first.

  start-up         callctl --version                    vs curl --version
  one request      callctl call-log ID                  vs curl -s URL
  instructions     the same two, counted by callgrind (when valgrind is installed): the ratio a noisy
                   machine cannot blur, and the dynamic loader's share of each
  1000 logs        callctl call-log --ids-from (8 conc.) vs 1000 curl processes, and curl -Z --parallel-max 8
  1000 logs --jq   callctl call-log --ids-from --jq F    vs callctl call-log -o ndjson | jq -r F
  decode-push      callctl decode-push --stream (100k)  vs openssl enc -d per encrypted field (sample)
                   and vs scripts/bench/peers/decode_push.py (Python: json, base64, cryptography), which
                   must print the same objects
  peak RSS         callctl call-log, 10k ids, -o ndjson
  listen           wrk at callctl listen (signed webhooks) vs at a do-nothing cpp-httplib server; RSS
                   after 1k and 100k events (listen_bench.py)
  1000 FCM sends   callctl send-push (8 conc.)          vs 1000 curl processes, and curl -Z --parallel-max 8
  1000 APNs pushes callctl send-push (one HTTP/2 conn.) vs curl -Z --http2 (multiplexed)
  peak RSS         callctl send-push, 10k FCM devices, -o ndjson
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


def hyperfine_median(commands: list[str], runs: int, env: dict, rounds: int = 10) -> list[float]:
    """Median wall time in ms of each command over `runs` runs, measured by hyperfine (no shell in between).

    hyperfine runs one command's runs, then the next one's, so a machine that drifts meanwhile gives
    the difference to one side. The runs are split into rounds that take turns, each round starting
    with the command the last one ended with, and the median is over every run of a command. (It makes
    the row fair, not steady: one request still reads 0.88x-1.08x from run to run here.)"""
    samples: list[list[float]] = [[] for _ in commands]
    per_round = max(1, runs // rounds)
    for round_number in range(rounds):
        order = list(range(len(commands)))
        if round_number % 2:
            order.reverse()
        with tempfile.NamedTemporaryFile(suffix=".json") as out:
            subprocess.run(["hyperfine", "-N", "--warmup", "3", "--runs", str(per_round), "--export-json", out.name,
                            *[commands[i] for i in order]], check=True, capture_output=True, env=env, timeout=600)
            results = json.load(open(out.name))["results"]
        for i, result in zip(order, results):
            samples[i].extend(result["times"])
    return [statistics.median(times) * 1000 for times in samples]


def timed(argv: list[str], env: dict, stdin_path: Path | None = None, stdout=subprocess.DEVNULL) -> float:
    started = time.perf_counter()
    with open(stdin_path or os.devnull, "rb") as stdin:
        done = subprocess.run(argv, stdin=stdin, stdout=stdout, stderr=subprocess.PIPE, env=env, timeout=600)
    elapsed = (time.perf_counter() - started) * 1000
    if done.returncode != 0:
        raise RuntimeError(f"{argv[0]} failed ({done.returncode}): {done.stderr[-500:]!r}")
    return elapsed


def callgrind_instructions(argv: list[str], env: dict) -> tuple[int, int]:
    """(instructions, of which in the dynamic loader) of one run, counted by callgrind."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "callgrind.out"
        subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", *argv], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, timeout=300)
        annotated = subprocess.run(["callgrind_annotate", "--inclusive=yes", str(out)], capture_output=True, text=True,
                                   check=True, timeout=120).stdout
    # The loader: relocation at start (_dl_start, inclusive) and lazy binding
    # on first calls (_dl_fixup, inclusive).
    total = loader = 0
    for line in annotated.splitlines():
        fields = line.split()
        if not fields or not fields[0][0].isdigit():
            continue
        count = int(fields[0].replace(",", ""))
        if "PROGRAM TOTALS" in line:
            total = count
        elif ":_dl_start " in line or ":_dl_fixup " in line:
            loader += count
    return total, loader


def instruction_rows(report: "Report", ours: list[str], theirs: list[str], name: str, target: str, env: dict) -> None:
    if shutil.which("valgrind") is None or shutil.which("callgrind_annotate") is None:
        report.value(name, "valgrind not installed", target)
        return
    our_total, our_loader = callgrind_instructions(ours, env)
    their_total, their_loader = callgrind_instructions(theirs, env)
    report.rows.append((name, f"{our_total / 1e6:.2f} M (loader {100 * our_loader / our_total:.0f}%)",
                        f"{Path(theirs[0]).name}: {their_total / 1e6:.2f} M (loader {100 * their_loader / their_total:.0f}%)",
                        f"{their_total / our_total:.2f}x", target))
    print(f"  {name}: callctl {our_total:,} instructions ({our_loader:,} loader), "
          f"{theirs[0]} {their_total:,} ({their_loader:,} loader)", file=sys.stderr)


def cpu_timed(argv: list[str], env: dict, stdin_path: Path) -> float:
    """User + system CPU time in ms of one run: on a machine shared with other work, wall time
    measures the neighbours too; a single-threaded decoder's CPU time does not."""
    with open(stdin_path, "rb") as stdin:
        child = subprocess.Popen(argv, stdin=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise RuntimeError(f"{argv[0]} failed ({child.returncode})")
    return (usage.ru_utime + usage.ru_stime) * 1000


def median_of(reps: int, run) -> float:
    return statistics.median(run() for _ in range(reps))


def medians_alternating(reps: int, *runs) -> list[float]:
    """The median of each run, the runs taking turns: a machine (or sandbox) that drifts during the row
    moves both sides alike, where running one side's repetitions before the other's gave it to one side
    (1000 logs vs curl -Z: 0.76x in a block-ordered run, 1.02x over 15 alternating rounds just after)."""
    times: list[list[float]] = [[] for _ in runs]
    for _ in range(reps):
        for samples, run in zip(times, runs):
            samples.append(run())
    return [statistics.median(samples) for samples in times]


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


def es256_jwt(key_p8: Path, key_id: str, team_id: str) -> str:
    """An APNs provider token for the curl side, signed by openssl (DER -> JWS r||s here)."""
    b64 = lambda raw: base64.urlsafe_b64encode(raw).rstrip(b"=").decode()  # noqa: E731
    signing_input = (b64(json.dumps({"alg": "ES256", "kid": key_id, "typ": "JWT"}).encode()) + "." +
                     b64(json.dumps({"iss": team_id, "iat": int(time.time())}).encode()))
    der = subprocess.run(["openssl", "dgst", "-sha256", "-sign", str(key_p8)], input=signing_input.encode(),
                         capture_output=True, check=True, timeout=30).stdout
    # SEQUENCE { INTEGER r, INTEGER s }, each at most 33 bytes: short lengths only.
    r_len = der[3]
    r = der[4:4 + r_len]
    s = der[6 + r_len:6 + r_len + der[5 + r_len]]
    return signing_input + "." + b64(r[-32:].rjust(32, b"\0") + s[-32:].rjust(32, b"\0"))


def curl_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def send_push_rows(args, callctl: str, env: dict, work: Path, report: "Report") -> None:
    with Sandbox(tls=True, extra_args=["--threads", "16"]) as sandbox:
        account = sandbox.admin("GET", "/_sandbox/fcm/service-account")
        sa_path = work / "service-account.json"
        sa_path.write_text(json.dumps(account))
        apns = sandbox.admin("GET", "/_sandbox/apns")
        p8 = work / "AuthKey.p8"
        p8.write_text(apns["key_p8"])
        payload = work / "stop.json"
        payload.write_text(json.dumps({"type": "Call.StopIncoming", "iotDeviceId": "dev_42"}))
        data = {"type": "Call.StopIncoming", "iotDeviceId": "dev_42"}

        print("1000 FCM sends ...", file=sys.stderr)
        fcm_tokens = [f"fcm-bench-{n:05d}" for n in range(1000)]
        fcm_file = work / "fcm-tokens.txt"
        fcm_file.write_text("\n".join(fcm_tokens) + "\n")
        fcm_argv = [callctl, "send-push", str(payload), "--fcm-credentials", str(sa_path), "--fcm-url", sandbox.http,
                    "--to-file", str(fcm_file), "-o", "ndjson"]
        timed(fcm_argv, env)  # the OAuth exchange happens once; both sides then use the cached token
        store = json.loads((work / "config" / "callctl" / "credentials.json").read_text())
        access = store["profiles"]["default"]["fcm_oauth"][account["client_email"]]["access_token"]
        send_url = f"{sandbox.http}/v1/projects/{account['project_id']}/messages:send"
        auth = f"Authorization: Bearer {access}"
        bodies = [json.dumps({"message": {"token": t, "data": data, "android": {"priority": "high", "ttl": "60s"}}},
                             separators=(",", ":")) for t in fcm_tokens]
        fcm_config = work / "fcm.cfg"
        fcm_config.write_text("next\n".join(
            f'url = "{send_url}"\nheader = "{auth}"\nheader = "Content-Type: application/json"\n'
            f"data = {curl_quote(b)}\noutput = \"/dev/null\"\nfail\n" for b in bodies))
        ours, curl_z = medians_alternating(
            args.pair_reps, lambda: timed(fcm_argv, env),
            lambda: timed(["curl", "-s", "-Z", "--parallel-max", "8", "-K", str(fcm_config)], env))
        loop_bodies = bodies[:200] if args.quick else bodies

        def curl_loop() -> float:
            started = time.perf_counter()
            for body in loop_bodies:
                subprocess.run(["curl", "-sf", "-o", "/dev/null", "-H", auth, "-H", "Content-Type: application/json",
                                "-d", body, send_url], check=True, timeout=30)
            return (time.perf_counter() - started) * 1000 * len(bodies) / len(loop_bodies)

        loop = median_of(1 if args.quick else 3, curl_loop)
        report.ratio("1000 FCM sends vs curl loop", ours, loop, "1000 curl", ">= 20x")
        report.ratio("1000 FCM sends vs curl -Z", ours, curl_z, "curl -Z -8", ">= 0.91x (time <= 1.1x)")

        print("1000 APNs pushes ...", file=sys.stderr)
        apns_tokens = [f"{n:064x}" for n in range(1000)]
        apns_file = work / "apns-tokens.txt"
        apns_file.write_text("\n".join(apns_tokens) + "\n")
        apns_argv = [callctl, "send-push", str(payload), "--apns-key", str(p8), "--apns-key-id", apns["key_id"],
                     "--apns-team-id", "SANDBOXTM1", "--apns-topic", "com.example.callctl", "--apns-url", sandbox.apns,
                     "--cacert", str(sandbox.cacert), "--to-file", str(apns_file), "-o", "ndjson", "--parallel", "100"]
        jwt = es256_jwt(p8, apns["key_id"], "SANDBOXTM1")
        body = json.dumps({**data, "aps": {}}, separators=(",", ":"))
        apns_config = work / "apns.cfg"
        apns_config.write_text("next\n".join(
            f'url = "{sandbox.apns}/3/device/{t}"\nhttp2\ncacert = "{sandbox.cacert}"\nheader = "authorization: bearer {jwt}"\n'
            'header = "apns-topic: com.example.callctl.voip"\nheader = "apns-push-type: voip"\n'
            'header = "apns-priority: 10"\nheader = "apns-expiration: 0"\nheader = "content-type: application/json"\n'
            f"data = {curl_quote(body)}\noutput = \"/dev/null\"\nfail\n" for t in apns_tokens))
        # Per-transfer options live in each config block (`next` resets them).
        curl_apns = ["curl", "-s", "-Z", "--parallel-max", "100", "-K", str(apns_config)]
        ours, theirs = medians_alternating(args.pair_reps, lambda: timed(apns_argv, env),
                                           lambda: timed(curl_apns, env))
        report.ratio("1000 APNs pushes vs curl -Z --http2", ours, theirs, "curl -Z --http2", ">= 0.91x (time <= 1.1x)")

        print("peak RSS, send-push to 10k devices ...", file=sys.stderr)
        many = 10_000 if not args.quick else 2_000
        many_file = work / "fcm-many.txt"
        many_file.write_text("".join(f"fcm-rss-{n:06d}\n" for n in range(many)))
        rss = peak_rss_kb(fcm_argv[:-4] + ["--to-file", str(many_file), "-o", "ndjson"], env)
        report.value(f"peak RSS, send-push {many} FCM devices ndjson", f"{rss / 1024:.1f} MB", "<= 20 MB")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--callctl", required=True)
    parser.add_argument("--sandbox", required=True)
    parser.add_argument("--null-server", required=True, help="callctl-null-server (tests/bench), listen's baseline")
    parser.add_argument("--reps", type=int, default=5, help="repetitions of the batch benchmarks (median)")
    parser.add_argument("--pair-reps", type=int, default=15,
                        help="alternating rounds of the ~0.1 s rows that compare callctl with curl -Z or jq")
    parser.add_argument("--payloads", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions and items, for a smoke run")
    args = parser.parse_args()
    if args.quick:
        args.reps, args.pair_reps, args.payloads = 1, 1, 10_000
    callctl = str(Path(args.callctl).resolve())
    for tool in ("curl", "openssl", "hyperfine", "jq", "wrk"):
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
        report.ratio("start-up (--version)", ours, theirs, "curl", ">= 1.0x (ratio <= 1.0)")
        instruction_rows(report, [callctl, "--version"], ["curl", "--version"], "start-up, instructions",
                         ">= 1.0x", env)

        with Sandbox(push_key_hex=PUSH_KEY_HEX, extra_args=["--threads", "16"]) as sandbox:
            token = sandbox.access_token()
            env_token = {**env, "CALLCTL_TOKEN": token, "CALLCTL_REST_URL": sandbox.http}
            auth = f"Authorization: Bearer {token}"

            print("one request ...", file=sys.stderr)
            [one] = sandbox.admin("POST", "/_sandbox/calls", {"callIds": ["bench-one"], "frozen": True})["callIds"]
            url = f"{sandbox.http}/rtc/getCallLogById?callId={one}"
            ours, theirs = hyperfine_median([f"{callctl} call-log {one} -o json", f"curl -s -H '{auth}' {url}"],
                                            100 if not args.quick else 20, env_token)
            report.ratio("one request (call-log ID)", ours, theirs, "curl -s", ">= 0.95x (ratio <= 1.05)")
            instruction_rows(report, [callctl, "call-log", one, "-o", "json"],
                             ["curl", "-s", "-o", "/dev/null", "-H", auth, url], "one request, instructions",
                             ">= 0.95x (ratio <= 1.05)", env_token)

            print("1000 call logs ...", file=sys.stderr)
            ids = sandbox.admin("POST", "/_sandbox/calls", {"count": 1000, "frozen": True})["callIds"]
            ids_file = work / "ids.txt"
            ids_file.write_text("\n".join(ids) + "\n")
            urls = [f"{sandbox.http}/rtc/getCallLogById?callId={i}" for i in ids]
            curl_config = work / "curl.cfg"
            curl_config.write_text(f'header = "{auth}"\n' + "".join(f'url = "{u}"\noutput = "/dev/null"\n' for u in urls))
            ours, curl_z = medians_alternating(
                args.pair_reps,
                lambda: timed([callctl, "call-log", "--ids-from", str(ids_file), "-o", "ndjson"], env_token),
                lambda: timed(["curl", "-s", "-Z", "--parallel-max", "8", "-K", str(curl_config)], env_token))
            loop_sample = urls[:200] if args.quick else urls

            def curl_loop() -> float:
                started = time.perf_counter()
                for u in loop_sample:
                    subprocess.run(["curl", "-s", "-o", "/dev/null", "-H", auth, u], check=True, timeout=30)
                return (time.perf_counter() - started) * 1000 * len(urls) / len(loop_sample)

            loop = median_of(1 if args.quick else 3, curl_loop)
            report.ratio("1000 logs vs curl loop", ours, loop, "1000 curl", ">= 20x")
            report.ratio("1000 logs vs curl -Z", ours, curl_z, "curl -Z -8", ">= 1.0x")

            print("1000 call logs through --jq ...", file=sys.stderr)
            ids_arg = str(ids_file)
            with_jq = [callctl, "call-log", "--ids-from", ids_arg, "--jq", ".callStatus"]
            piped = f"'{callctl}' call-log --ids-from '{ids_arg}' -o ndjson | jq -r .callStatus"
            # Both print the same lines (the pipe's in the order they arrived).
            ours_out = subprocess.run(with_jq, capture_output=True, text=True, env=env_token, timeout=600, check=True).stdout
            theirs_out = subprocess.run(["sh", "-c", piped], capture_output=True, text=True, env=env_token, timeout=600,
                                        check=True).stdout
            if sorted(ours_out.splitlines()) != sorted(theirs_out.splitlines()) or len(ours_out.splitlines()) != 1000:
                raise RuntimeError("--jq and the jq pipe printed different lines")
            ours, theirs = medians_alternating(args.pair_reps, lambda: timed(with_jq, env_token),
                                               lambda: timed(["sh", "-c", piped + " >/dev/null"], env_token))
            report.ratio("1000 logs --jq vs | jq -r", ours, theirs, "ndjson | jq", ">= 1.0x (ratio <= 1.0)")

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

            # The Python peer on a slice of the same file (it is slow), as a rate.
            peer = ROOT / "scripts" / "bench" / "peers" / "decode_push.py"
            peer_count = min(args.payloads, 10_000 if args.quick else 20_000)
            peer_input = work / "payloads-peer.ndjson"
            with open(payloads, "rb") as src, open(peer_input, "wb") as dst:
                for _ in range(peer_count):
                    dst.write(src.readline())
            ours_out = subprocess.run([callctl, "decode-push", "--stream", "--key-file", str(key_file)],
                                      stdin=open(peer_input, "rb"), capture_output=True, env=env, timeout=600,
                                      check=True).stdout.splitlines()
            peer_out = subprocess.run([sys.executable, str(peer), str(key_file)], stdin=open(peer_input, "rb"),
                                      capture_output=True, env=env, timeout=600, check=True).stdout.splitlines()
            if [json.loads(x) for x in ours_out[:200]] != [json.loads(x) for x in peer_out[:200]] or \
                    len(ours_out) != len(peer_out):
                raise RuntimeError("decode-push --stream and the Python peer printed different objects")
            peer_ms = median_of(1 if args.quick else 3,
                                lambda: timed([sys.executable, str(peer), str(key_file)], env, stdin_path=peer_input))
            report.ratio_higher("decode-push --stream vs Python peer", rate, peer_count / (peer_ms / 1000),
                                "peers/decode_push.py", ">= 10x", "payloads/s")
            ours_cpu = median_of(args.reps, lambda: cpu_timed([callctl, "decode-push", "--stream", "--key-file",
                                                               str(key_file)], env, payloads))
            peer_cpu = median_of(1 if args.quick else 3,
                                 lambda: cpu_timed([sys.executable, str(peer), str(key_file)], env, peer_input))
            report.ratio_higher("  the same, CPU time", args.payloads / (ours_cpu / 1000), peer_count / (peer_cpu / 1000),
                                "peers/decode_push.py", ">= 10x", "payloads/s")

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
        send_push_rows(args, callctl, env, work, report)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print()
    report.print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
