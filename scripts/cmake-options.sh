# Sourced by scripts/test, scripts/demo, scripts/fuzz and scripts/bench/run
# (which asks for CALLCTL_UNITY=0):
# the CMake options every build here shares, in the array cmake_options.
#   - ccache as the compiler launcher where it is installed;
#   - a unity build (CALLCTL_UNITY: sources compiled in batches) where it is
#     not: from scratch that is the faster build (a bare CI machine builds
#     every file once), while with a cache, rebuilding one changed file
#     matters more. CALLCTL_UNITY=1 or 0 decides instead;
#   - CALLCTL_WERROR=1: compiler warnings are errors (CI sets it).
cmake_options=()
if command -v ccache >/dev/null; then
  cmake_options+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  : "${CALLCTL_UNITY:=0}"
fi
if [[ "${CALLCTL_UNITY:-1}" == 1 ]]; then
  cmake_options+=(-DCALLCTL_UNITY=ON)
else
  cmake_options+=(-DCALLCTL_UNITY=OFF)
fi
if [[ "${CALLCTL_WERROR:-0}" == 1 ]]; then
  cmake_options+=(-DCALLCTL_WERROR=ON)
fi
