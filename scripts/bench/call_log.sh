#!/usr/bin/env bash
# Fetches 1000 call logs from a local callctl-sandbox three ways and prints the
# median wall time of each, with ratios against callctl:
#   callctl   callctl -o ndjson call-log --ids-from FILE (curl multi, --parallel 8)
#   curl-loop one `curl -s` process per call log, one after the other
#   curl-Z    one `curl -Z --parallel-max 8` over the same 1000 URLs
# Usage: scripts/bench/call_log.sh [-n CALLS] [-r REPETITIONS] [-p PARALLEL]
# Env: BUILD_DIR (default build/bench, configured Release), or CALLCTL_BIN and
# CALLCTL_SANDBOX_BIN to use binaries built elsewhere. Plain bash + curl + date.
set -euo pipefail

calls=1000 reps=5 parallel=8
while getopts "n:r:p:h" opt; do
  case $opt in
    n) calls=$OPTARG ;;
    r) reps=$OPTARG ;;
    p) parallel=$OPTARG ;;
    *) sed -n '2,10p' "$0"; exit 2 ;;
  esac
done

# shellcheck source=common.sh
source "$(dirname "$0")/common.sh"
bench_binaries callctl callctl-sandbox
command -v curl >/dev/null || { echo "curl is needed" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/callctl-bench-XXXXXX")
sandbox_pid=
cleanup() {
  [[ -n $sandbox_pid ]] && kill "$sandbox_pid" 2>/dev/null && wait "$sandbox_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# The sandbox prints one JSON line with its URL once it listens; it exits when
# its stdin closes, so it cannot outlive this script.
mkfifo "$work/ready" "$work/stdin"
"$sandbox" --port 0 --exit-on-stdin-eof <"$work/stdin" >"$work/ready" 2>"$work/sandbox.err" &
sandbox_pid=$!
exec 8>"$work/stdin"
read -r -t 10 ready <"$work/ready" || { echo "the sandbox did not start:" >&2; cat "$work/sandbox.err" >&2; exit 1; }
base=$(sed -E 's/.*"http":"([^"]+)".*/\1/' <<<"$ready")

token=$(curl -sS -X POST -H 'Content-Type: application/json' -d '{"app_scope":"VIRTUAL_NUMBER"}' "$base/tokens" |
  sed -E 's/.*"access_token":"([^"]+)".*/\1/')
# Frozen calls answer the same log every time, so every run fetches the same bytes.
curl -sS -X POST -H 'Content-Type: application/json' -d "{\"count\":$calls,\"frozen\":true}" "$base/_sandbox/calls" |
  grep -o '"[0-9a-f-]\{36\}"' | tr -d '"' >"$work/ids"
[[ $(wc -l <"$work/ids") -eq $calls ]] || { echo "bulk create returned $(wc -l <"$work/ids") ids, not $calls" >&2; exit 1; }

# The token goes in config files, not on command lines.
printf 'header = "Authorization: Bearer %s"\n' "$token" >"$work/auth.cfg"
sed "s|.*|$base/rtc/getCallLogById?callId=&|" "$work/ids" >"$work/urls"
{ cat "$work/auth.cfg"; sed 's|.*|url = "&"|' "$work/urls"; } >"$work/parallel.cfg"
export CALLCTL_TOKEN=$token CALLCTL_REST_URL=$base

run_callctl() { "$callctl" -o ndjson call-log --parallel "$parallel" --ids-from "$work/ids" >/dev/null; }
run_curl_loop() { while read -r url; do curl -s -K "$work/auth.cfg" "$url"; done <"$work/urls" >/dev/null; }
# -Z draws its own progress meter on stderr even with -s.
run_curl_parallel() { curl -s -Z --parallel-max "$parallel" -K "$work/parallel.cfg" >/dev/null 2>&1; }

# Checks once that each way really fetched every log, so no number below is a
# fast failure.
check() {
  local got
  got=$("$callctl" -o ndjson call-log --parallel "$parallel" --ids-from "$work/ids" | grep -c '"callStatus"')
  [[ $got -eq $calls ]] || { echo "callctl fetched $got of $calls logs" >&2; exit 1; }
  got=$(curl -s -Z --parallel-max "$parallel" -K "$work/parallel.cfg" 2>/dev/null | grep -o '"callStatus"' | wc -l)
  [[ $got -eq $calls ]] || { echo "curl -Z fetched $got of $calls logs" >&2; exit 1; }
}

# Median of the milliseconds given as arguments.
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { m = int((NR + 1) / 2); if (NR % 2) print v[m]; else print int((v[m] + v[m + 1]) / 2) }'; }

time_ms() {
  local start end
  start=$(date +%s%N)
  "$@"
  end=$(date +%s%N)
  echo $(((end - start) / 1000000))
}

check
declare -A medians
for way in callctl curl_loop curl_parallel; do
  times=()
  for ((i = 1; i <= reps; i++)); do
    times+=("$(time_ms "run_$way")")
  done
  medians[$way]=$(median "${times[@]}")
  echo "$way: ${times[*]} ms" >&2
done

printf '\n%d call logs, %d repetitions, parallel %d (medians)\n' "$calls" "$reps" "$parallel"
printf '%-32s %10s %12s\n' "method" "time (ms)" "vs callctl"
row() { awk -v name="$1" -v t="$2" -v base="${medians[callctl]}" \
  'BEGIN { printf "%-32s %10d %11.2fx\n", name, t, (base > 0 ? t / base : 0) }'; }
row "callctl call-log --ids-from" "${medians[callctl]}"
row "curl loop (1 process per log)" "${medians[curl_loop]}"
row "curl -Z --parallel-max $parallel" "${medians[curl_parallel]}"
