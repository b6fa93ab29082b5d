#!/usr/bin/env python3
"""The plain Python peer of `callctl decode-push --stream` for intercom pushes (the benchmark's baseline).

What a QA engineer would write: for each line of stdin, json.loads the push, base64-decode "video" and
"audio", AES-256-CBC-decrypt each (IV = the first 16 bytes) with `cryptography`, strip the PKCS#7
padding, json.loads the plaintexts, decode the audio JWT's header and claims, and print one compact JSON
line shaped like callctl's normalised object (callctl(1), decode-push). A line that fails prints an error
object and the stream goes on.

  python3 scripts/bench/peers/decode_push.py KEYFILE < pushes.ndjson > decoded.ndjson
"""

import base64
import datetime
import json
import sys
import time

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

EVENTS = {"Call.Incoming": "call.incoming", "Call.StopIncoming": "call.stop"}


def decrypt(key, sealed):
    blob = base64.b64decode(sealed)
    decryptor = Cipher(algorithms.AES(key), modes.CBC(blob[:16])).decryptor()
    padded = decryptor.update(blob[16:]) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    return json.loads(unpadder.update(padded) + unpadder.finalize())


def b64url_json(part):
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def describe_jwt(token, now):
    header, claims, _signature = token.split(".")
    out = {"verified": False, "header": b64url_json(header), "claims": b64url_json(claims)}
    exp = out["claims"].get("exp")
    if isinstance(exp, (int, float)):
        when = datetime.datetime.fromtimestamp(int(exp // 1), datetime.timezone.utc)
        out["expires_at"] = when.strftime("%Y-%m-%dT%H:%M:%SZ")
        out["expired"] = now >= exp
    return out


def decode(line, key, now):
    push = json.loads(line)
    out = {"vendor": "intercom", "event": EVENTS.get(push["type"], push["type"]), "vendor_event": push["type"],
           "iot_device_id": push["iotDeviceId"]}
    if "callId" in push:
        out["call_id"] = push["callId"]
    for name in ("video", "audio"):
        if push.get(name) is not None:
            out[name] = decrypt(key, push[name])
    if "jsonWebToken" in out.get("audio", {}):
        out["audio"]["jwt"] = describe_jwt(out["audio"]["jsonWebToken"], now)
    extra = {k: v for k, v in push.items() if k not in ("type", "iotDeviceId", "callId", "video", "audio")}
    if extra:
        out["extra"] = extra
    return out


def main():
    key = bytes.fromhex(open(sys.argv[1]).read().strip())
    now = time.time()
    out = sys.stdout
    for number, line in enumerate(sys.stdin, 1):
        if not line.strip():
            continue
        try:
            result = decode(line, key, now)
        except Exception as e:  # noqa: BLE001 - any failure is that line's error object
            result = {"error": str(e), "exit_code": 3, "line": number}
        out.write(json.dumps(result, separators=(",", ":"), ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
