# Sourced by the bench scripts: where the binaries come from.
#   bench_binaries TARGET...   sets $root, and $callctl / $sandbox: from
#   CALLCTL_BIN / CALLCTL_SANDBOX_BIN when given, else built (Release, ccache
#   when present) in $BUILD_DIR (default build/bench).
bench_binaries() {
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  local build=${BUILD_DIR:-$root/build/bench}
  callctl=${CALLCTL_BIN:-}
  sandbox=${CALLCTL_SANDBOX_BIN:-}
  local need=()
  local target
  for target in "$@"; do
    case $target in
      callctl) [[ -n $callctl ]] || need+=(callctl) ;;
      callctl-sandbox) [[ -n $sandbox ]] || need+=(callctl-sandbox) ;;
    esac
  done
  if [[ ${#need[@]} -gt 0 ]]; then
    echo "building ${need[*]} (Release) in $build ..." >&2
    local launcher=()
    command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
    cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release "${launcher[@]}" >/dev/null
    cmake --build "$build" -j2 --target "${need[@]}" >/dev/null
    callctl=${callctl:-$build/cli/callctl}
    sandbox=${sandbox:-$build/tests/sandbox/callctl-sandbox}
  fi
}
