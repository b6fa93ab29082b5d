# Installation and the Debian package. `cmake --install` puts each file where
# its tool looks by default under the prefix (/usr for the .deb):
#   bin/callctl, bin/callctl-sandbox (tests/sandbox/CMakeLists.txt installs it)
#   share/man/man1/callctl.1.gz, share/man/man1/callctl-sandbox.1.gz
#   share/bash-completion/completions/callctl      (bash-completion loads it on demand)
#   share/zsh/vendor-completions/_callctl          (in Debian zsh's default $fpath)
#   share/fish/vendor_completions.d/callctl.fish   (fish's vendor directory)
# The completion files are the committed, test-checked output of
# `callctl completion SHELL` (scripts/gen-completions).
include(GNUInstallDirs)

find_program(GZIP_EXECUTABLE gzip REQUIRED)
set(CALLCTL_MAN_PAGES callctl.1)
if(TARGET callctl-sandbox)
  list(APPEND CALLCTL_MAN_PAGES callctl-sandbox.1)
endif()
set(CALLCTL_MAN_GZ)
foreach(page IN LISTS CALLCTL_MAN_PAGES)
  set(page_gz ${CMAKE_CURRENT_BINARY_DIR}/${page}.gz)
  add_custom_command(
    OUTPUT ${page_gz}
    COMMAND ${GZIP_EXECUTABLE} -9 -n -c ${PROJECT_SOURCE_DIR}/man/${page} > ${page_gz}
    DEPENDS ${PROJECT_SOURCE_DIR}/man/${page}
    COMMENT "Compressing ${page}")
  list(APPEND CALLCTL_MAN_GZ ${page_gz})
endforeach()
add_custom_target(callctl_man ALL DEPENDS ${CALLCTL_MAN_GZ})

install(FILES ${CALLCTL_MAN_GZ} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES completions/callctl.bash DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
        RENAME callctl)
install(FILES completions/_callctl DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions)
install(FILES completions/callctl.fish DESTINATION ${CMAKE_INSTALL_DATADIR}/fish/vendor_completions.d)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME callctl)
set(CPACK_PACKAGE_VENDOR "callctl developers")
set(CPACK_PACKAGE_CONTACT "callctl developers <dev@callctl.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_INSTALL_DIRECTORY /usr)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)  # a RelWithDebInfo build packages like a Release one
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # callctl_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)  # libcurl4, libssl3, libfmt9 ... from the binary itself
# libjq is opened with dlopen (--jq, run), so no NEEDED entry names it: by hand.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libjq1")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "Call control from the command line\n tokens and E911 ids from an Enhanced-WebRTC style token endpoint, calls\n and call logs from a REST call API, door intercoms over GraphQL, and push\n payloads decoded and decrypted. JSON or tables, documented exit codes.\n .\n callctl-sandbox, a local stand-in for those backends (with fault\n injection and signed webhooks), is included for smoke tests in CI.")
include(CPack)
