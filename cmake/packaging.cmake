# Linux service files and the Debian package, included at the end of
# CMakeLists.txt. The binary itself is installed by CMakeLists.txt (bin/).
#
#   cmake --preset release && cmake --build --preset release
#   cd build/release && cpack -G DEB        # -> wsawatch_<version>-1_<arch>.deb
#
# The package installs to /usr (CPACK_PACKAGING_INSTALL_PREFIX), the unit's
# ExecStart= names /usr/bin/wsawatch, and the configuration goes to
# /etc/wsawatch, the path the daemon and the unit use, whatever the prefix.
# `cmake --install` with WSAWATCH_INSTALL_SERVICE=OFF installs only the
# binary, the man page and the docs under the prefix (no root needed).

if(NOT CMAKE_SYSTEM_NAME STREQUAL "Linux")
  return()
endif()

option(WSAWATCH_INSTALL_SERVICE
       "Install the configuration to /etc/wsawatch and the systemd unit (absolute paths)" ON)
set(WSAWATCH_SYSCONFDIR "/etc/wsawatch" CACHE PATH
    "Where the configuration and rules.d are installed (absolute)")
# Debian 12 keeps units in /lib/systemd/system (usr-merge moves them later).
set(WSAWATCH_UNITDIR "/lib/systemd/system" CACHE PATH
    "Where the systemd unit is installed (absolute)")
set(WSAWATCH_SYSUSERSDIR "/usr/lib/sysusers.d" CACHE PATH
    "Where the sysusers.d file creating the wsawatch user is installed (absolute)")
set(WSAWATCH_MAINTAINER "wsawatch maintainers <maintainers@wsawatch.invalid>" CACHE STRING
    "Maintainer field of the Debian package")

set(_ww_linux ${CMAKE_CURRENT_LIST_DIR}/../packaging/linux)
get_filename_component(_ww_linux ${_ww_linux} ABSOLUTE)

# Man page: the version in .TH comes from project(), then gzip -9n (no name
# nor timestamp in the header, so the .deb is reproducible).
file(READ ${_ww_linux}/wsawatch.1 _ww_man)
string(REGEX REPLACE "\"wsawatch [0-9][^\"]*\"" "\"wsawatch ${PROJECT_VERSION}\"" _ww_man "${_ww_man}")
file(WRITE ${CMAKE_BINARY_DIR}/packaging/wsawatch.1.in "${_ww_man}")
configure_file(${CMAKE_BINARY_DIR}/packaging/wsawatch.1.in ${CMAKE_BINARY_DIR}/packaging/wsawatch.1
               COPYONLY)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${_ww_linux}/wsawatch.1)
find_program(WSAWATCH_GZIP gzip)
if(WSAWATCH_GZIP)
  add_custom_command(
    OUTPUT ${CMAKE_BINARY_DIR}/packaging/wsawatch.1.gz
    COMMAND ${WSAWATCH_GZIP} -9n -c wsawatch.1 > wsawatch.1.gz
    WORKING_DIRECTORY ${CMAKE_BINARY_DIR}/packaging
    DEPENDS ${CMAKE_BINARY_DIR}/packaging/wsawatch.1
    COMMENT "Compressing the man page")
  add_custom_command(
    OUTPUT ${CMAKE_BINARY_DIR}/packaging/changelog.Debian.gz
    COMMAND ${WSAWATCH_GZIP} -9n -c changelog.Debian > changelog.Debian.gz
    WORKING_DIRECTORY ${CMAKE_BINARY_DIR}/packaging
    DEPENDS ${CMAKE_BINARY_DIR}/packaging/changelog.Debian)
  add_custom_target(wsawatch_man ALL DEPENDS ${CMAKE_BINARY_DIR}/packaging/wsawatch.1.gz
                                             ${CMAKE_BINARY_DIR}/packaging/changelog.Debian.gz)
  install(FILES ${CMAKE_BINARY_DIR}/packaging/wsawatch.1.gz DESTINATION share/man/man1)
  install(FILES ${CMAKE_BINARY_DIR}/packaging/changelog.Debian.gz DESTINATION share/doc/wsawatch)
else()
  install(FILES ${CMAKE_BINARY_DIR}/packaging/wsawatch.1 DESTINATION share/man/man1)
endif()

install(FILES ${CMAKE_SOURCE_DIR}/rules/README.md DESTINATION share/doc/wsawatch/rules)
# The shipped rules, as the binary embeds them: a reference for writing local
# rules in /etc/wsawatch/rules.d (the binary does not read these copies).
install(DIRECTORY ${CMAKE_SOURCE_DIR}/rules/ DESTINATION share/wsawatch/rules
        FILES_MATCHING PATTERN "*.yaml")
install(FILES ${CMAKE_SOURCE_DIR}/README.md DESTINATION share/doc/wsawatch)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/docs/ DESTINATION share/doc/wsawatch/docs
        FILES_MATCHING PATTERN "*.md")
# Debian wants /usr/share/doc/<package>/copyright in the machine-readable
# format (DEP-5); it is made here from LICENSE, the one copy of the text
# (Debian's short name for the MIT licence is Expat). The binary links the
# system's PCRE2, libyaml, libuv and libcurl dynamically: no other code is in
# the package.
file(READ ${CMAKE_SOURCE_DIR}/LICENSE _ww_license)
string(REGEX REPLACE "^MIT License\n\n[^\n]*\n\n" "" _ww_license_body "${_ww_license}")
string(REGEX MATCH "Copyright \\(c\\) ([^\n]*)" _ww_holder "${_ww_license}")
set(_ww_holder "${CMAKE_MATCH_1}")
string(REGEX REPLACE "\n\n" "\n.\n" _ww_license_body "${_ww_license_body}")
string(REGEX REPLACE "\n([^\n])" "\n \\1" _ww_license_body " ${_ww_license_body}")
file(CONFIGURE OUTPUT ${CMAKE_BINARY_DIR}/packaging/copyright CONTENT
"Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: wsawatch
Source: the wsawatch source tree (this package was built from it by CPack)

Files: *
Copyright: @_ww_holder@
License: Expat

License: Expat
@_ww_license_body@" @ONLY)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/LICENSE)
install(FILES ${CMAKE_BINARY_DIR}/packaging/copyright DESTINATION share/doc/wsawatch)
install(FILES ${_ww_linux}/debian/lintian-overrides DESTINATION share/lintian/overrides
        RENAME wsawatch)
# And a changelog.Debian.gz. Its date honours SOURCE_DATE_EPOCH.
string(TIMESTAMP _ww_date "%a, %d %b %Y %H:%M:%S +0000" UTC)
file(CONFIGURE OUTPUT ${CMAKE_BINARY_DIR}/packaging/changelog.Debian CONTENT
"wsawatch (${PROJECT_VERSION}-1) unstable; urgency=medium

  * Package built from the wsawatch sources by CPack (cmake/packaging.cmake).

 -- ${WSAWATCH_MAINTAINER}  ${_ww_date}
" @ONLY)

if(WSAWATCH_INSTALL_SERVICE)
  # The documented example: its one input (/var/log/app/*.log) matches
  # nothing on a machine without such logs, and the package does not start
  # the service, so it is a safe default to edit.
  install(FILES ${CMAKE_SOURCE_DIR}/config/wsawatch.yaml
          DESTINATION ${WSAWATCH_SYSCONFDIR}
          PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
  install(DIRECTORY DESTINATION ${WSAWATCH_SYSCONFDIR}/rules.d)
  install(FILES ${_ww_linux}/wsawatch.service DESTINATION ${WSAWATCH_UNITDIR})
  install(FILES ${_ww_linux}/wsawatch.sysusers DESTINATION ${WSAWATCH_SYSUSERSDIR}
          RENAME wsawatch.conf)
endif()

# --- CPack: Debian package ------------------------------------------------
set(CPACK_PACKAGE_NAME wsawatch)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "wsawatch")
set(CPACK_PACKAGE_CONTACT "${WSAWATCH_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "finds Windows Sockets (Winsock) errors in logs and explains them")
set(CPACK_PACKAGE_INSTALL_DIRECTORY wsawatch)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_GENERATOR DEB)
set(CPACK_SOURCE_GENERATOR TGZ)
set(CPACK_SOURCE_IGNORE_FILES "/\\\\.git/" "/build/")

set(CPACK_DEBIAN_PACKAGE_NAME wsawatch)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${WSAWATCH_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Depends: computed by dpkg-shlibdeps (dpkg-dev) from the libraries the
# binary links (libpcre2-8-0, libyaml-0-2, libuv1, libc6).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# Added to those: postinst creates the wsawatch user with adduser where
# systemd-sysusers is missing (a container without systemd).
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS OFF)
# The synopsis line is CPACK_PACKAGE_DESCRIPTION_SUMMARY; this is the body.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "wsawatch follows application log files, recognises Winsock errors in the many
forms software prints them (SocketException (10054), [WinError 10061],
0x80072746, WSAECONNRESET, or only the Windows message text), explains each
one from the Windows SDK code table, and writes annotated events and alerts
as JSON lines. It leaves alone the same numbers when they are ports,
durations, sizes or process ids.
.
This package provides the wsawatch command (lookup, scan, test, check, run)
and the wsawatch.service systemd unit, installed and enabled but not started:
add inputs to /etc/wsawatch/wsawatch.yaml, then start it.")

if(WSAWATCH_INSTALL_SERVICE)
  file(WRITE ${CMAKE_BINARY_DIR}/packaging/conffiles "${WSAWATCH_SYSCONFDIR}/wsawatch.yaml\n")
  set(_ww_conffiles ${CMAKE_BINARY_DIR}/packaging/conffiles)
endif()
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${_ww_conffiles}
    ${_ww_linux}/debian/postinst
    ${_ww_linux}/debian/prerm
    ${_ww_linux}/debian/postrm)
# Keep the scripts' 0755 (CPack otherwise takes the source permissions).
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

include(CPack)
