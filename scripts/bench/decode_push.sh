#!/usr/bin/env bash
# Decodes generated intercom pushes two ways and prints the rate of each:
#   callctl   callctl decode-push --stream --key-file K < PAYLOADS (one process,
#             median of the repetitions), in payloads/s
#   openssl   per payload what a user would script: cut out each encrypted
#             field, base64 -d it, split off the IV, one `openssl enc -d
#             -aes-256-cbc` per field; timed on a sample, in ms per payload
# and the ratio. callctl also parses the payload, the decrypted JSON and the
# audio JWT, which the openssl pipeline does not: the ratio flatters openssl.
# Usage: scripts/bench/decode_push.sh [-n PAYLOADS] [-s SAMPLE] [-r REPETITIONS]
# Env: BUILD_DIR (default build/bench, configured Release), or CALLCTL_BIN to
# use a binary built elsewhere. Plain bash + openssl + coreutils.
set -euo pipefail

payloads=100000 sample=200 reps=3
while getopts "n:s:r:h" opt; do
  case $opt in
    n) payloads=$OPTARG ;;
    s) sample=$OPTARG ;;
    r) reps=$OPTARG ;;
    *) sed -n '2,13p' "$0"; exit 2 ;;
  esac
done

# shellcheck source=common.sh
source "$(dirname "$0")/common.sh"
bench_binaries callctl
command -v openssl >/dev/null || { echo "openssl is needed" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/callctl-bench-XXXXXX")
trap 'rm -rf "$work"' EXIT

now_ns() { date +%s%N; }

# ---- payloads: 100 distinct pushes (fresh IVs, realistic sizes), repeated
key_hex=$(openssl rand -hex 32)
printf '%s\n' "$key_hex" >"$work/key"
printf '{"url":"https://intercom.example/video/dev_42","username":"door","password":"%s"}\n' \
  "$(openssl rand -hex 8)" >"$work/video.json"
b64url() { base64 | tr -d '=\n' | tr '/+' '_-'; }
exp=$(($(date +%s) + 3600))
jwt="$(printf '{"alg":"HS256","typ":"JWT"}' | b64url).$(printf '{"iss":"bench","room":"room_1","exp":%d}' "$exp" | b64url).$(openssl rand 32 | b64url)"
printf '{"roomName":"room_1","domain":"meet.example","jsonWebToken":"%s"}\n' "$jwt" >"$work/audio.json"
distinct=100
for ((i = 1; i <= distinct; i++)); do
  "$callctl" encode-push --type incoming --device "dev_$i" --call-id "call-$i" --video-file "$work/video.json" \
    --audio-file "$work/audio.json" --key-file "$work/key"
done >"$work/distinct"
for ((i = 0; i < (payloads + distinct - 1) / distinct; i++)); do cat "$work/distinct"; done |
  head -n "$payloads" >"$work/payloads"
echo "payloads: $payloads intercom pushes ($(wc -c <"$work/payloads") bytes; video+audio encrypted, with an audio JWT)"

# ---- callctl --stream, median of $reps
times=()
for ((r = 0; r < reps; r++)); do
  start=$(now_ns)
  "$callctl" decode-push --stream --key-file "$work/key" <"$work/payloads" >"$work/out" 2>"$work/err"
  times+=($(($(now_ns) - start)))
done
[[ $(wc -l <"$work/out") -eq $payloads ]] || { echo "callctl printed $(wc -l <"$work/out") lines" >&2; exit 1; }
grep -q '"error"' "$work/out" && { echo "callctl reported errors:" >&2; grep -m3 '"error"' "$work/out" >&2; exit 1; }
median_ns=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(((reps + 1) / 2))p")
callctl_rate=$(awk -v n="$payloads" -v t="$median_ns" 'BEGIN { printf "%.0f", n / (t / 1e9) }')
callctl_us=$(awk -v n="$payloads" -v t="$median_ns" 'BEGIN { printf "%.2f", t / 1e3 / n }')
echo "callctl decode-push --stream: $(awk -v t="$median_ns" 'BEGIN { printf "%.3f", t / 1e9 }') s median of $reps," \
  "$callctl_rate payloads/s ($callctl_us µs per payload)"

# ---- openssl per payload, on a sample
field() { sed -E "s/.*\"$1\":\"([^\"]+)\".*/\\1/"; }
open_field() {  # $1 = base64(IV || ciphertext)
  base64 -d <<<"$1" >"$work/blob"
  iv=$(head -c 16 "$work/blob" | od -An -tx1 | tr -d ' \n')
  tail -c +17 "$work/blob" | openssl enc -d -aes-256-cbc -K "$key_hex" -iv "$iv"
}
head -n "$sample" "$work/payloads" >"$work/sample"
start=$(now_ns)
while IFS= read -r payload; do
  open_field "$(field video <<<"$payload")" >/dev/null
  open_field "$(field audio <<<"$payload")" >/dev/null
done <"$work/sample"
openssl_ns=$(($(now_ns) - start))
openssl_ms=$(awk -v n="$sample" -v t="$openssl_ns" 'BEGIN { printf "%.2f", t / 1e6 / n }')
openssl_rate=$(awk -v n="$sample" -v t="$openssl_ns" 'BEGIN { printf "%.0f", n / (t / 1e9) }')
echo "openssl enc -d per field:     $openssl_ms ms per payload ($openssl_rate payloads/s, sample of $sample)"
echo "ratio: callctl is $(awk -v a="$callctl_rate" -v b="$openssl_rate" 'BEGIN { printf "%.0f", a / b }')x faster" \
  "(target: >= 50000 payloads/s)"
