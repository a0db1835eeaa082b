#!/usr/bin/env bash
# Build the Windows installer (NSIS) on Linux.
#
#   packaging/windows/package.sh [--no-build] [--exe PATH] [--out DIR]
#
# 1. runs packaging/windows/build.sh (cross-builds build/windows/wsawatch.exe)
#    unless --no-build or --exe is given;
# 2. apt-installs nsis (makensis) if it is missing;
# 3. runs makensis on packaging/windows/installer/wsawatch.nsi with the version
#    of project() in CMakeLists.txt, writing
#    build/windows/installer/wsawatch-<version>-setup.exe (--out to change the
#    directory), and prints its absolute path as the last line of stdout.
#
# --no-build   use the wsawatch.exe already in build/windows (WSAWATCH_BUILD_DIR)
# --exe PATH   use this wsawatch.exe
# --out DIR    where the installer goes
#
# Progress goes to stderr; stdout carries only the installer's path.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
BUILD_DIR="${WSAWATCH_BUILD_DIR:-$root/build/windows}"
NSI="$here/installer/wsawatch.nsi"

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'package.sh: error: %s\n' "$*" >&2; exit 1; }

build=1 exe="" out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build=0 ;;
    --exe) [ $# -ge 2 ] || die "--exe needs a path"; exe="$2"; build=0; shift ;;
    --out) [ $# -ge 2 ] || die "--out needs a directory"; out="$2"; shift ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "package.sh: unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done
out="${out:-$BUILD_DIR/installer}"

# ------------------------------------------------------------ 1. the binary
if [ "$build" -eq 1 ]; then
  log "cross-building wsawatch.exe (packaging/windows/build.sh)"
  exe="$("$here/build.sh" | tail -n1)"
elif [ -z "$exe" ]; then
  exe="$(find "$BUILD_DIR" -name wsawatch.exe -type f -not -path '*/CMakeFiles/*' \
           -not -path '*/wineprefix*' 2>/dev/null | head -n1)"
  [ -n "$exe" ] || die "no wsawatch.exe under $BUILD_DIR: run packaging/windows/build.sh first"
fi
[ -f "$exe" ] || die "wsawatch.exe not found: '$exe'"
exe="$(cd "$(dirname "$exe")" && pwd)/$(basename "$exe")"
log "binary: $exe"

# ------------------------------------------------------------ 2. makensis
if ! command -v makensis >/dev/null 2>&1; then
  log "installing nsis"
  if [ "$(id -u)" -eq 0 ]; then SUDO=(); else SUDO=(sudo); fi
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-cache policy nsis 2>/dev/null | grep -q 'Candidate: [0-9]'; then
    "${SUDO[@]}" apt-get update -q >&2
  fi
  "${SUDO[@]}" apt-get install -y -q --no-install-recommends nsis >&2 ||
    { "${SUDO[@]}" apt-get update -q >&2 &&
      "${SUDO[@]}" apt-get install -y -q --no-install-recommends nsis >&2; } ||
    die "could not install nsis"
fi

# ------------------------------------------------------------ 3. installer
version="$(sed -n 's/^[[:space:]]*project([[:space:]]*wsawatch[[:space:]].*VERSION[[:space:]]\{1,\}\([0-9][0-9.]*\).*/\1/p' \
             "$root/CMakeLists.txt" | head -n1)"
[ -n "$version" ] || die "no VERSION in project() of $root/CMakeLists.txt"
# VIProductVersion wants exactly x.y.z.w: the script appends .0 to x.y.z.
case "$version" in
  *.*.*.*) die "version $version has four parts; the installer expects x.y.z" ;;
  *.*.*) ;;
  *.*) version="$version.0" ;;
  *) version="$version.0.0" ;;
esac

[ -f "$root/config/wsawatch-windows.yaml" ] || die "config/wsawatch-windows.yaml is missing"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
installer="$out/wsawatch-$version-setup.exe"
rm -f "$installer"
# The licences of what wsawatch.exe links statically (build.sh puts each
# library's debian/copyright in the prefix), and of the mingw-w64 runtime.
licenses="$BUILD_DIR/licenses"
rm -rf "$licenses"; mkdir -p "$licenses/mingw-w64"
cp -r "${WSAWATCH_WIN_PREFIX:-$HOME/.cache/wsawatch/mingw64-prefix}/share/licenses/." "$licenses/"
rm -rf "$licenses/check"   # the test framework: not in wsawatch.exe
cp /usr/share/doc/mingw-w64-common/copyright "$licenses/mingw-w64/copyright"
log "makensis $(makensis -VERSION) -> $installer"
makensis -V2 -NOCD -INPUTCHARSET UTF8 \
  "-DVERSION=$version" "-DEXE=$exe" "-DSRCROOT=$root" "-DOUTFILE=$installer" \
  "-DLICENSES=$licenses" \
  "$NSI" >&2 || die "makensis failed"
[ -f "$installer" ] || die "makensis wrote no $installer"
log "installer: $(du -h "$installer" | cut -f1) $installer"
echo "$installer"
