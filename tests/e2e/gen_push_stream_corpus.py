#!/usr/bin/env python3
"""Writes tests/e2e/data/push_stream_corpus.ndjson: decode-push --stream input for the byte-for-byte
test (test_push_stream_golden.py), the same bytes on every run.

Fields are sealed as callctl(1) describes (AES-256-CBC, PKCS#7, base64(IV || ciphertext)) with a fixed
key and an IV derived from the line, by the openssl command line. The lines cover what the stream's
fast path takes (intercom pushes that decrypt, in many shapes) and what it must leave to the general
path (floats, escapes, duplicates, wrappers, other vendors, errors), each next to its neighbours.

  python3 tests/e2e/gen_push_stream_corpus.py     (then regenerate the golden file: see the test)
"""

import base64
import hashlib
import json
import subprocess
from pathlib import Path

KEY_HEX = "".join(f"{n:02x}" for n in range(32))
WRONG_KEY_HEX = "ff" * 32
NEWLINE = b"\n"
OUT = Path(__file__).resolve().parent / "data" / "push_stream_corpus.ndjson"


def seal(plaintext: bytes, salt: str, key_hex: str = KEY_HEX) -> str:
    iv = hashlib.sha256(salt.encode()).digest()[:16]
    sealed = subprocess.run(["openssl", "enc", "-aes-256-cbc", "-K", key_hex, "-iv", iv.hex()], input=plaintext,
                            capture_output=True, check=True).stdout
    return base64.b64encode(iv + sealed).decode()


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def jwt(header: str, claims: str, signature: bytes = b"sig") -> str:
    return f"{b64url(header.encode())}.{b64url(claims.encode())}.{b64url(signature)}"


def compact(value) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


VIDEO = '{"url":"https://intercom.example/video/dev_42","username":"door","password":"s3cret"}'
HS = '{"alg":"HS256","typ":"JWT"}'
FUTURE, PAST = 4102444800, 946684800  # 2100 and 2000: "expired" does not depend on the day the test runs


def audio(token: str, extra: str = "") -> str:
    return '{"roomName":"room_1","domain":"meet.example","jsonWebToken":"' + token + '"' + extra + "}"


def lines():
    n = 0

    def push(members: str, video: str | None = VIDEO, audio_text: str | None = None, key_hex: str = KEY_HEX) -> str:
        nonlocal n
        n += 1
        parts = [members]
        if video is not None:
            parts.append('"video":"' + seal(video.encode(), f"v{n}", key_hex) + '"')
        if audio_text is not None:
            parts.append('"audio":"' + seal(audio_text.encode(), f"a{n}", key_hex) + '"')
        return "{" + ",".join(p for p in parts if p) + "}"

    good_jwt = jwt(HS, '{"iss":"bench","room":"room_1","exp":%d}' % FUTURE)
    base = '"type":"Call.Incoming","iotDeviceId":"dev_%d","callId":"call-%d"'
    # The common line, many times over with different ids and claims.
    for i in range(40):
        claims = '{"iss":"bench","room":"room_%d","exp":%d,"n":%d}' % (i, FUTURE if i % 3 else PAST, i)
        yield push(base % (i, i), VIDEO, audio(jwt(HS, claims)))
    yield push('"type":"Call.StopIncoming","iotDeviceId":"dev_1","callId":"c"', None, None)
    yield push('"type":"Call.StopIncoming","iotDeviceId":"dev_1"', None, None)
    yield push('"type":"Call.Other","iotDeviceId":"dev_1"', VIDEO, None)
    yield push('"type":"Call.Incoming","iotDeviceId":12345', VIDEO, audio(good_jwt))
    yield push('"type":"Call.Incoming","iotDeviceId":-7', VIDEO, None)
    yield push('"type":"Call.Incoming","iotDeviceId":1.5', VIDEO, None)
    yield push('"type":"Call.Incoming","iotDeviceId":12345678901234567890', VIDEO, None)
    yield push('"type":"Call.Incoming","iotDeviceId":true', VIDEO, None)
    yield push('"type":"Call.Incoming"', VIDEO, None)
    yield push('"type":"Incoming","iotDeviceId":"d"', VIDEO, None)
    yield push('"type":7,"iotDeviceId":"d"', VIDEO, None)
    # Members in another order, extra members of every kind, "aps".
    yield push('"callId":"c9","iotDeviceId":"dev_9","zeta":1,"type":"Call.Incoming"', VIDEO, audio(good_jwt))
    yield push(base % (1, 1) + ',"aps":{"alert":"x"},"priority":"high"', VIDEO, audio(good_jwt))
    yield push(base % (2, 2) + ',"list":[1,-2,0,[],{},[{"a":null}]],"flag":false,"none":null,"obj":{"k":{"j":"v"}}',
               VIDEO, audio(good_jwt))
    yield push(base % (3, 3) + ',"text":"tab\\t quote\\" back\\\\ nl\\n \\b\\f\\r"', VIDEO, None)
    yield push(base % (4, 4) + ',"u":"caf\\u00e9 \\u0001 \\ud83d\\ude00","slash":"a\\/b"', VIDEO, None)
    yield push(base % (5, 5) + ',"raw":"café ☎ 😀 \x7f"', VIDEO, None)
    yield push(base % (6, 6) + ',"f":1.5,"e":1e3,"E":2E-2,"z":-0,"big":123456789012345678901,"max":999999999999999999',
               VIDEO, None)
    yield push(base % (7, 7) + ',"neg":-123,"zero":0,"n18":123456789012345678', VIDEO, None)
    yield push(base % (8, 8) + ',"dup":1,"dup":2', VIDEO, None)
    yield push(base % (9, 9) + ',"nested":"{\\"a\\":1}","arr":"[1,2]","notjson":"{oops"', VIDEO, None)
    yield push(base % (10, 10) + ',"lead":" {\\"x\\":2}","sp":" plain"', VIDEO, None)
    yield push(base % (11, 11) + ',"callId":"again"', VIDEO, None)
    yield push('"type":"Call.Incoming","iotDeviceId":"d","callId":null', VIDEO, None)
    yield push('"type":"Call.Incoming","iotDeviceId":"d","callId":{"x":[1]}', VIDEO, None)
    yield push('"type":"Call.Incoming","iotDeviceId":"d","video":null', None, audio(good_jwt))
    yield push('"type":"Call.Incoming","iotDeviceId":"d","audio":null', VIDEO, None)
    yield push('"type":"Call.Incoming","iotDeviceId":"d","video":' + VIDEO, None, None)
    yield push('"type":"Call.Incoming","iotDeviceId":"d","video":5', None, None)
    # Plaintexts of every shape.
    for i, plain in enumerate(['{}', '{"a":1.25}', '{"a":"\\u00e9"}', '{"a":"x\\ny"}', ' { "a" : [ 1 , 2 ] } ',
                               '{"a":1,"a":2}', '[1,2]', '"str"', '{"a":1} x', '{"deep":' + '[' * 20 + ']' * 20 + '}',
                               '{"url":"é😀"}', '{"k":true,"l":false,"m":null}', '\ufeff{"bom":1}', '{"a":-0}']):
        yield push(base % (100 + i, i), plain, None)
    # Audio and its JWT.
    for i, token in enumerate([
            jwt(HS, '{"iss":"x"}'), jwt(HS, '{"exp":%d}' % PAST), jwt(HS, '{"exp":1.5}'), jwt(HS, '{"exp":-5}'),
            jwt(HS, '{"exp":"soon"}'), jwt(HS, '{"exp":%d,"exp":1}' % FUTURE), jwt(HS, '{"c":{"d":[1,{"e":"f"}]}}'),
            jwt(HS, '{"exp":99999999999}'), jwt('[1]', '{"a":1}'), jwt(HS, 'notjson'), "a.b", "a.b.c.d",
            b64url(HS.encode()) + ".!!!.x", jwt(HS, '{"a":1}', b""), jwt('{"alg":"none"}', '{"exp":0}'),
            jwt(HS, '{"u":"\\u00e9"}'), jwt(HS, '{"exp":%d}' % FUTURE).replace("-", "+").replace("_", "/"),
            jwt(HS, '{"a":' + '[' * 250 + ']' * 250 + '}')]):
        yield push(base % (200 + i, i), None, audio(token))
    yield push(base % (300, 0), None, audio(good_jwt, ',"jwt":"old"'))
    yield push(base % (301, 0), None, '{"roomName":"r","jsonWebToken":5}')
    yield push(base % (302, 0), None, '{"roomName":"r","jsonWebToken":"a\\/b.c.d"}')
    # Failures: wrong key, not base64, truncated; whitespace inside the line.
    yield push(base % (400, 0), VIDEO, None, key_hex=WRONG_KEY_HEX)
    yield '{"type":"Call.Incoming","iotDeviceId":"d","video":"not base64!"}'
    yield '{"type":"Call.Incoming","iotDeviceId":"d","video":"AAAA"}'
    good = push(base % (401, 1), VIDEO, audio(good_jwt))
    yield good.replace(",", " , ").replace(":", " :\t", 3)
    yield good.replace('"video":"', '"video":"\\/')
    yield good.replace('"video":"', '"video":"\\n')
    # Wrappers and other vendors go the general way.
    yield '{"message":{"token":"t","data":' + compact(json.loads(good)) + '}}'
    yield '{"to":"t","data":{"type":"Call.StopIncoming","iotDeviceId":"d"}}'
    yield '{"aps":{"alert":"x"},"type":"Call.StopIncoming","iotDeviceId":"d"}'
    yield compact({"event": "on_call_incoming", "data": {"room_id": "r1", "caller": "u1", "callees": ["u2"]}})
    yield compact({"resource": "telephony_push", "event": "updated", "data": {}})
    # Not pushes at all.
    yield "not json"
    yield "[1,2,3]"
    yield '{"type":"Call.Incoming","iotDeviceId":"d",}'
    yield '{"a":' * 300 + "1" + "}" * 300
    yield ""
    yield '   {"type":"Call.StopIncoming","iotDeviceId":"spaced"}   '
    yield '{"type":"Call.StopIncoming","iotDeviceId":"bad \xff utf8"}'


def main():
    data = b"".join(line.encode("utf-8", "surrogateescape") + b"\n" for line in lines())
    # "\xff" above stands for a raw invalid byte.
    data = data.replace("bad \xff utf8".encode(), b"bad \xff utf8")
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_bytes(data)
    print(f"{OUT}: {data.count(NEWLINE)} lines, {len(data)} bytes")


if __name__ == "__main__":
    main()
