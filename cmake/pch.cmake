# Precompiled headers: nlohmann/json, fmt and (for the CLI) CLI11 are parsed
# once per target instead of once per source file. They are the bulk of every
# translation unit here, so this is most of a clean build's time on 2 cores.
# Each target gets its own PCH (its flags differ); ccache caches them too when
# its sloppiness allows (pch_defines,time_macros).
option(CALLCTL_PCH "Precompile the third-party headers every source includes" ON)

set(CALLCTL_PCH_COMMON
  <algorithm> <chrono> <cstdint> <functional> <map> <memory> <optional>
  <string> <string_view> <utility> <vector>
  <nlohmann/json.hpp> <fmt/format.h>)

# callctl_precompile(TARGET [CLI11] [HTTPLIB])
function(callctl_precompile target)
  if(NOT CALLCTL_PCH)
    return()
  endif()
  cmake_parse_arguments(PCH "CLI11;HTTPLIB" "" "" ${ARGN})
  set(headers ${CALLCTL_PCH_COMMON})
  if(PCH_CLI11)
    list(APPEND headers <CLI/CLI.hpp>)
  endif()
  if(PCH_HTTPLIB)
    list(APPEND headers <httplib.h>)
  endif()
  target_precompile_headers(${target} PRIVATE ${headers})
endfunction()
