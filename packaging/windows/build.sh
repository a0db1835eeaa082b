#!/usr/bin/env bash
# Cross-build wsawatch.exe for 64-bit Windows on Debian 12 with MinGW-w64.
#
#   packaging/windows/build.sh [--deps-only] [--smoke] [--rebuild-deps]
#
# 1. apt-installs the cross toolchain and build tools it lacks, adding a
#    deb-src source for bookworm if apt has none;
# 2. fetches the Debian source packages of pcre2, libyaml, libuv1, curl and
#    check with `apt-get source` and cross-builds each as a static library for
#    x86_64-w64-mingw32 into a cached prefix (one stamp per library and Debian
#    version: a cached library is not rebuilt);
# 3. configures and builds the project with cmake/mingw-w64-x86_64.cmake into
#    build/windows and prints the absolute path of wsawatch.exe as the last line
#    of stdout.
#
# --deps-only    stop after step 2
# --smoke        also link packaging/windows/smoke.c against all five
#                libraries and run it under Wine (done automatically while the
#                project has no CMakeLists.txt)
# --rebuild-deps ignore the stamps and rebuild every library
#
# Environment:
#   WSAWATCH_WIN_PREFIX  dependency prefix (default ~/.cache/wsawatch/mingw64-prefix)
#   WSAWATCH_WIN_CACHE   source/build cache (default ~/.cache/wsawatch/debsrc)
#   WSAWATCH_BUILD_DIR   project build dir (default <repo>/build/windows, via
#                        the "windows" preset of CMakePresets.json)
#   WSAWATCH_JOBS        parallel jobs (default: nproc)
#   WSAWATCH_BUILD_TYPE  CMAKE_BUILD_TYPE of the project (default Release)
#
# All progress goes to stderr; stdout carries only the path of wsawatch.exe
# (or of smoke.exe with --deps-only --smoke).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

TRIPLET=x86_64-w64-mingw32
PREFIX="${WSAWATCH_WIN_PREFIX:-$HOME/.cache/wsawatch/mingw64-prefix}"
CACHE="${WSAWATCH_WIN_CACHE:-$HOME/.cache/wsawatch/debsrc}"
BUILD_DIR="${WSAWATCH_BUILD_DIR:-$root/build/windows}"
JOBS="${WSAWATCH_JOBS:-$(nproc 2>/dev/null || echo 2)}"
BUILD_TYPE="${WSAWATCH_BUILD_TYPE:-Release}"
TOOLCHAIN="$root/cmake/mingw-w64-x86_64.cmake"
# Bump when a recipe below changes: every library is then rebuilt once.
RECIPE=2

deps_only=0 smoke=0 rebuild=0
for arg in "$@"; do
  case "$arg" in
    --deps-only) deps_only=1 ;;
    --smoke) smoke=1 ;;
    --rebuild-deps) rebuild=1 ;;
    -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
    *) echo "build.sh: unknown argument: $arg" >&2; exit 2 ;;
  esac
done

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'build.sh: error: %s\n' "$*" >&2; exit 1; }
# Run a command with its output on stderr (stdout is reserved, see above).
run() { "$@" >&2; }

if [ "$(id -u)" -eq 0 ]; then SUDO=(); else SUDO=(sudo); fi
export DEBIAN_FRONTEND=noninteractive

# ---------------------------------------------------------------- 1. tools
apt_updated=0
apt_update() {
  if [ "$apt_updated" -eq 0 ]; then
    log "apt-get update"
    run "${SUDO[@]}" apt-get update -q
    apt_updated=1
  fi
}

ensure_tools() {
  local want=(gcc-mingw-w64-x86-64 mingw-w64-tools mingw-w64-x86-64-dev dpkg-dev
              cmake ninja-build pkg-config make patch xz-utils wine64)
  local missing=() p
  for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' \
      || missing+=("$p")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    log "installing: ${missing[*]}"
    apt_update
    run "${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
}

has_deb_src() {
  grep -rqsE '^[[:space:]]*(deb-src[[:space:]]|Types:.*deb-src)' \
    /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null
}

ensure_deb_src() {
  if ! has_deb_src; then
    local f=/etc/apt/sources.list.d/wsawatch-deb-src.sources
    local codename
    codename="$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")"
    log "adding deb-src entries for $codename in $f"
    "${SUDO[@]}" tee "$f" >/dev/null <<EOF
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: $codename $codename-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: $codename-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    apt_updated=0
    apt_update
  fi
  # deb-src present but its lists never fetched (fresh machine)?
  if ! apt-cache showsrc pcre2 2>/dev/null | grep '^Version:' >/dev/null; then
    apt_updated=0
    apt_update
  fi
}

# ---------------------------------------------------- 2. static dependencies
# Versions of a source package apt knows, newest first, less those a mirror
# failed to serve within the last day (e.g. a security update whose files the
# mirror lacks): the next older version is used instead.
src_versions() {
  local v
  for v in $(apt-cache showsrc "$1" 2>/dev/null | awk '/^Version:/{print $2}' | sort -u -V -r); do
    if [ -n "$(find "$CACHE/dl/$1/$v.unavailable" -mmin -1440 2>/dev/null)" ]; then
      continue
    fi
    echo "$v"
  done
}

# fetch_src PKG -> sets SRC_DIR (fresh extracted tree) and SRC_VER
fetch_src() {
  local pkg="$1" ver dl dsc
  SRC_VER="" SRC_DIR=""
  for ver in $(src_versions "$pkg"); do
    dl="$CACHE/dl/$pkg/$ver"
    if [ ! -f "$dl/.complete" ]; then
      rm -rf "$dl"; mkdir -p "$dl"
      log "apt-get source $pkg=$ver"
      if ! (cd "$dl" && apt-get source -q --download-only "$pkg=$ver" >&2 2>"$dl/.err"); then
        sed 's/^/    /' "$dl/.err" >&2
        log "$pkg=$ver not downloadable, trying an older version"
        rm -rf "$dl"; touch "$dl.unavailable"
        continue
      fi
      touch "$dl/.complete"
    fi
    SRC_VER="$ver"
    break
  done
  [ -n "$SRC_VER" ] || die "could not fetch any version of source package $pkg"
  dsc="$dl/${pkg}_${ver#*:}.dsc"
  [ -f "$dsc" ] || dsc="$(ls "$dl"/*.dsc | head -n1)"
  SRC_DIR="$CACHE/build/$pkg"
  rm -rf "$SRC_DIR"; mkdir -p "$CACHE/build"
  run dpkg-source --no-check -x "$dsc" "$SRC_DIR"
}

stamp_of() { printf '%s recipe=%s\n' "$1" "$RECIPE"; }
# Built already: the stamp names the version apt would fetch now.
is_built() {
  local pkg="$1" ver
  [ "$rebuild" -eq 0 ] || return 1
  [ -f "$PREFIX/.stamps/$pkg" ] || return 1
  [ -f "$PREFIX/share/licenses/$pkg/copyright" ] || return 1
  ver="$(src_versions "$pkg" | head -n1)"
  [ -n "$ver" ] && [ "$(cat "$PREFIX/.stamps/$pkg")" = "$(stamp_of "$ver")" ]
}
# The static libraries end up inside wsawatch.exe, so their licences go with
# it: each source package's debian/copyright, installed by the NSIS installer.
mark_built() {
  mkdir -p "$PREFIX/.stamps" "$PREFIX/share/licenses/$1"
  cp "$SRC_DIR/debian/copyright" "$PREFIX/share/licenses/$1/copyright"
  stamp_of "$2" >"$PREFIX/.stamps/$1"
}

cmake_dep() { # SRC BUILD [cmake args...]
  local src="$1" bld="$2"; shift 2
  rm -rf "$bld"
  run cmake -S "$src" -B "$bld" -G Ninja \
    -DCMAKE_TOOLCHAIN_FILE="$TOOLCHAIN" \
    -DWSAWATCH_WIN_PREFIX="$PREFIX" \
    -DCMAKE_INSTALL_PREFIX="$PREFIX" \
    -DCMAKE_INSTALL_LIBDIR=lib \
    -DCMAKE_BUILD_TYPE=Release \
    -DBUILD_SHARED_LIBS=OFF \
    -DBUILD_TESTING=OFF \
    -DCMAKE_POSITION_INDEPENDENT_CODE=OFF \
    -Wno-dev "$@"
  run cmake --build "$bld" -j "$JOBS"
  run cmake --install "$bld"
}

write_pc() { # FILE NAME VERSION DESC LIBS LIBS_PRIVATE CFLAGS [REQUIRES_PRIVATE]
  mkdir -p "$PREFIX/lib/pkgconfig"
  cat >"$PREFIX/lib/pkgconfig/$1" <<EOF
# Written by wsawatch packaging/windows/build.sh: static MinGW-w64 build.
prefix=$PREFIX
exec_prefix=\${prefix}
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: $2
Description: $4 (static, $TRIPLET)
Version: $3
Requires.private: ${8:-}
Libs: -L\${libdir} $5
Libs.private: $6
Cflags: -I\${includedir} $7
EOF
}

upstream_version() { echo "${1#*:}" | sed 's/-[^-]*$//; s/+dfsg.*//; s/+ds.*//'; }

build_pcre2() {
  fetch_src pcre2
  cmake_dep "$SRC_DIR" "$SRC_DIR/_build" \
    -DBUILD_STATIC_LIBS=ON \
    -DPCRE2_BUILD_PCRE2_8=ON -DPCRE2_BUILD_PCRE2_16=OFF -DPCRE2_BUILD_PCRE2_32=OFF \
    -DPCRE2_SUPPORT_JIT=ON -DPCRE2_SUPPORT_UNICODE=ON \
    -DPCRE2_BUILD_PCRE2GREP=OFF -DPCRE2_BUILD_TESTS=OFF \
    -DPCRE2_SUPPORT_LIBBZ2=OFF -DPCRE2_SUPPORT_LIBZ=OFF \
    -DPCRE2_SUPPORT_LIBEDIT=OFF -DPCRE2_SUPPORT_LIBREADLINE=OFF \
    -DPCRE2_STATIC_PIC=OFF -DINSTALL_MSVC_PDB=OFF
  rm -f "$PREFIX"/lib/pkgconfig/libpcre2-posix.pc
  mark_built pcre2 "$SRC_VER"
}
pc_pcre2() {
  write_pc libpcre2-8.pc libpcre2-8 "$(upstream_version "$1")" \
    "PCRE2 - Perl compatible regular expressions, 8-bit, JIT" \
    "-lpcre2-8" "" "-DPCRE2_STATIC"
}

build_libyaml() {
  fetch_src libyaml
  cmake_dep "$SRC_DIR" "$SRC_DIR/_build" -DINSTALL_CMAKE_DIR=lib/cmake/yaml
  mark_built libyaml "$SRC_VER"
}
pc_libyaml() {
  write_pc yaml-0.1.pc LibYAML "$(upstream_version "$1")" \
    "Library to parse and emit YAML" "-lyaml" "" "-DYAML_DECLARE_STATIC"
}

UV_SYSLIBS="-lpsapi -luser32 -ladvapi32 -liphlpapi -luserenv -lws2_32 -ldbghelp -lole32 -lshell32"
build_libuv1() {
  fetch_src libuv1
  cmake_dep "$SRC_DIR" "$SRC_DIR/_build" \
    -DLIBUV_BUILD_TESTS=OFF -DLIBUV_BUILD_BENCH=OFF -DLIBUV_BUILD_SHARED=OFF
  # Only the static archive may be linked: drop the DLL and its import lib.
  rm -f "$PREFIX"/lib/libuv.dll.a "$PREFIX"/bin/libuv*.dll "$PREFIX"/lib/pkgconfig/libuv-static.pc
  rm -rf "$PREFIX/lib/cmake/libuv"
  if [ -f "$PREFIX/lib/libuv_a.a" ]; then mv -f "$PREFIX/lib/libuv_a.a" "$PREFIX/lib/libuv.a"; fi
  mark_built libuv1 "$SRC_VER"
}
pc_libuv1() {
  write_pc libuv.pc libuv "$(upstream_version "$1")" \
    "multi-platform support library with a focus on asynchronous I/O" \
    "-luv" "$UV_SYSLIBS" ""
}

CURL_SYSLIBS="-lbcrypt -lsecur32 -lcrypt32 -lws2_32 -liphlpapi -ladvapi32 -lnormaliz"
# HTTP(S) only: wsawatch uses libcurl for its webhook output.
build_curl() {
  fetch_src curl
  cmake_dep "$SRC_DIR" "$SRC_DIR/_build" \
    -DBUILD_CURL_EXE=OFF -DBUILD_LIBCURL_DOCS=OFF -DENABLE_MANUAL=OFF \
    -DHTTP_ONLY=ON \
    -DCURL_STATICLIB=ON \
    -DCURL_USE_SCHANNEL=ON -DCURL_USE_OPENSSL=OFF -DCURL_USE_MBEDTLS=OFF \
    -DCURL_USE_BEARSSL=OFF -DCURL_USE_WOLFSSL=OFF -DCURL_USE_NSS=OFF \
    -DCURL_USE_GNUTLS=OFF -DCURL_ENABLE_SSL=ON \
    -DCURL_WINDOWS_SSPI=ON \
    -DCURL_ZLIB=OFF -DCURL_BROTLI=OFF -DCURL_ZSTD=OFF \
    -DUSE_LIBIDN2=OFF -DUSE_WIN32_IDN=OFF -DCURL_USE_LIBPSL=OFF \
    -DCURL_USE_LIBSSH2=OFF -DCURL_USE_LIBSSH=OFF -DCURL_USE_GSSAPI=OFF \
    -DUSE_NGHTTP2=OFF -DUSE_NGTCP2=OFF -DUSE_QUICHE=OFF -DUSE_MSH3=OFF \
    -DUSE_LIBRTMP=OFF -DCURL_DISABLE_LDAP=ON -DCURL_DISABLE_LDAPS=ON \
    -DENABLE_THREADED_RESOLVER=ON -DENABLE_UNIX_SOCKETS=ON \
    -DCURL_CA_BUNDLE=none -DCURL_CA_PATH=none \
    -DPICKY_COMPILER=OFF
  rm -rf "$PREFIX/lib/cmake/CURL"
  mark_built curl "$SRC_VER"
}
pc_curl() {
  write_pc libcurl.pc libcurl "$(upstream_version "$1")" \
    "Library to transfer files with http and https (Schannel TLS)" \
    "-lcurl" "$CURL_SYSLIBS" "-DCURL_STATICLIB"
}

build_check() {
  fetch_src check
  # check.h declares its assert helpers format(printf), which GCC takes as
  # ms_printf on MinGW and then rejects the %jd that the ck_assert_int_*
  # macros pass: declare them gnu_printf there (libcheck itself is built with
  # __USE_MINGW_ANSI_STDIO=1, so its vsnprintf does handle %jd).
  sed -i 's/^#define CK_ATTRIBUTE_FORMAT(a, b, c) __attribute__ ((format (a, b, c)))$/#if defined(__MINGW32__)\n#define CK_ATTRIBUTE_FORMAT(a, b, c) __attribute__ ((format (gnu_printf, b, c)))\n#else\n\0\n#endif/' \
    "$SRC_DIR/src/check.h.in"
  grep -q 'format (gnu_printf' "$SRC_DIR/src/check.h.in" || die "check.h.in: format patch did not apply"
  # HAVE_PTHREAD=0: no winpthread.  Check then locks nothing (the lock only
  # matters in fork mode, which Windows lacks anyway; its half-done Win32
  # InitOnce mutex path does not compile, hence HAVE_INIT_ONCE_*=0); its CMake lists a
  # lib/pthread_mutex.c that the release tarball does not ship.
  [ -f "$SRC_DIR/lib/pthread_mutex.c" ] ||
    echo 'typedef int ck_no_pthread_mutex; /* stub: see build.sh */' >"$SRC_DIR/lib/pthread_mutex.c"
  cmake_dep "$SRC_DIR" "$SRC_DIR/_build" \
    -DHAVE_PTHREAD=0 -DHAVE_INIT_ONCE_BEGIN_INITIALIZE=0 -DHAVE_INIT_ONCE_COMPLETE=0 \
    -DCMAKE_C_FLAGS=-D__USE_MINGW_ANSI_STDIO=1 \
    -DCHECK_ENABLE_TESTS=OFF -DCHECK_ENABLE_TIMEOUT_TESTS=OFF \
    -DENABLE_MEMORY_LEAKING_TESTS=OFF -DCHECK_ENABLE_GCOV=OFF \
    -DCHECK_ENABLE_SUBUNIT=OFF -DENABLE_SUBUNIT_EXT=OFF \
    -DBUILD_DOCS=OFF
  rm -f "$PREFIX"/lib/libcheck.dll.a "$PREFIX"/bin/libcheck*.dll "$PREFIX"/bin/checkmk
  rm -rf "$PREFIX/lib/cmake/check" "$PREFIX/share/man/man1/checkmk.1"
  mark_built check "$SRC_VER"
}
pc_check() {
  write_pc check.pc Check "$(upstream_version "$1")" \
    "A unit test framework for C" "-lcheck" "" "-D__USE_MINGW_ANSI_STDIO=1"
}

build_deps() {
  mkdir -p "$PREFIX" "$CACHE"
  local pkg
  for pkg in pcre2 libyaml libuv1 curl check; do
    if is_built "$pkg"; then
      log "$pkg: cached ($(cat "$PREFIX/.stamps/$pkg"))"
      continue
    fi
    log "$pkg: building"
    local t0=$SECONDS
    "build_${pkg}"
    log "$pkg: done in $((SECONDS - t0)) s"
    rm -rf "$CACHE/build/$pkg"
  done
  # The .pc files are always rewritten (cheap), so a change to them needs no
  # rebuild.
  for pkg in pcre2 libyaml libuv1 curl check; do
    "pc_${pkg}" "$(cut -d' ' -f1 "$PREFIX/.stamps/$pkg")"
  done
}

# --------------------------------------------------------- pkg-config setup
export PKG_CONFIG_LIBDIR="$PREFIX/lib/pkgconfig"
export PKG_CONFIG_PATH=""
unset PKG_CONFIG_SYSROOT_DIR
export WSAWATCH_WIN_PREFIX="$PREFIX"
PC_MODULES="libpcre2-8 yaml-0.1 libuv check libcurl"

smoke_test() {
  local out="$CACHE/smoke" cflags libs
  mkdir -p "$out"
  # shellcheck disable=SC2086 # word-split on purpose
  cflags="$(pkg-config --static --cflags $PC_MODULES)"
  # shellcheck disable=SC2086
  libs="$(pkg-config --static --libs $PC_MODULES)"
  log "smoke: cflags: $cflags"
  log "smoke: libs:   $libs"
  # shellcheck disable=SC2086
  run "$TRIPLET-gcc" -std=c11 -O2 -Wall -Wextra $cflags "$here/smoke.c" -o "$out/smoke.exe" \
    -static -static-libgcc $libs
  log "smoke: DLL imports: $("$TRIPLET-objdump" -p "$out/smoke.exe" | awk '/DLL Name/{printf "%s ", $3}')"
  if "$TRIPLET-objdump" -p "$out/smoke.exe" | grep -iE 'DLL Name: *(lib|.*pthread|.*gcc)'; then
    die "smoke.exe imports a non-system DLL"
  fi
  # shellcheck source=wine-env.sh
  . "$here/wine-env.sh"
  WSAWATCH_WINEPREFIX="${WSAWATCH_WINEPREFIX:-$CACHE/wineprefix}" wine_setup
  log "smoke: running under $WINE"
  (cd "$out" && CK_FORK=no timeout 120 "$WINE" ./smoke.exe) >&2 || die "smoke.exe failed"
  wine_teardown
  SMOKE_EXE="$out/smoke.exe"
}

# ---------------------------------------------------------------- 3. project
build_project() {
  log "configuring $BUILD_DIR"
  local cfg=(-DWSAWATCH_WIN_PREFIX="$PREFIX" -DWSAWATCH_STATIC=ON)
  [ -z "${WSAWATCH_BUILD_TYPE:-}" ] || cfg+=(-DCMAKE_BUILD_TYPE="$BUILD_TYPE")
  if [ -z "${WSAWATCH_BUILD_DIR:-}" ] && [ -f "$root/CMakePresets.json" ] &&
     grep -q '"name": *"windows"' "$root/CMakePresets.json"; then
    # The lead's preset is the source of truth (binaryDir build/windows,
    # this toolchain file, generator, WERROR, ...).
    (cd "$root" && run cmake --preset windows "${cfg[@]}")
  else
    [ -f "$BUILD_DIR/CMakeCache.txt" ] || cfg+=(-G "Unix Makefiles")
    run cmake -S "$root" -B "$BUILD_DIR" -DCMAKE_TOOLCHAIN_FILE="$TOOLCHAIN" \
      -DCMAKE_BUILD_TYPE="$BUILD_TYPE" "${cfg[@]}"
  fi
  run cmake --build "$BUILD_DIR" -j "$JOBS"
  local exe
  exe="$(find "$BUILD_DIR" -name wsawatch.exe -type f -not -path '*/CMakeFiles/*' | head -n1)"
  [ -n "$exe" ] || die "wsawatch.exe not found under $BUILD_DIR"
  log "DLL imports of wsawatch.exe: $("$TRIPLET-objdump" -p "$exe" | awk '/DLL Name/{printf "%s ", $3}')"
  WSAWATCH_EXE="$(cd "$(dirname "$exe")" && pwd)/$(basename "$exe")"
}

t_start=$SECONDS
ensure_tools
ensure_deb_src
build_deps
log "dependencies ready in $PREFIX ($((SECONDS - t_start)) s)"

if [ ! -f "$root/CMakeLists.txt" ]; then
  log "no $root/CMakeLists.txt yet: checking the prefix with smoke.c instead"
  smoke=1 deps_only=1
fi
SMOKE_EXE=""
[ "$smoke" -eq 0 ] || smoke_test
if [ "$deps_only" -eq 1 ]; then
  log "total $((SECONDS - t_start)) s"
  [ -z "$SMOKE_EXE" ] || echo "$SMOKE_EXE"
  exit 0
fi
build_project
log "total $((SECONDS - t_start)) s"
echo "$WSAWATCH_EXE"
