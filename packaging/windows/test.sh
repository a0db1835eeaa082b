#!/usr/bin/env bash
# Run the unit tests of the Windows cross build (build/windows) under Wine.
#
#   packaging/windows/test.sh [extra ctest arguments...]
#
# Uses a private, headless Wine prefix (build/windows/wineprefix by default,
# WSAWATCH_WINEPREFIX to override), WINEDEBUG=-all, no Mono/Gecko prompts,
# no display; keeps one wineserver running for the whole ctest run; runs
#   ctest --test-dir build/windows -L unit --output-on-failure
# with CK_FORK=no and exits with ctest's status.  Run build.sh first.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
BUILD_DIR="${WSAWATCH_BUILD_DIR:-$root/build/windows}"

[ -f "$BUILD_DIR/CTestTestfile.cmake" ] ||
  { echo "test.sh: $BUILD_DIR is not configured: run packaging/windows/build.sh first" >&2; exit 2; }

if ! command -v wine >/dev/null 2>&1 && [ ! -x /usr/lib/wine/wine64 ]; then
  echo "test.sh: installing wine64" >&2
  if [ "$(id -u)" -eq 0 ]; then SUDO=(); else SUDO=(sudo); fi
  export DEBIAN_FRONTEND=noninteractive
  "${SUDO[@]}" apt-get update -q >&2
  "${SUDO[@]}" apt-get install -y -q --no-install-recommends wine64 >&2
fi

# shellcheck source=wine-env.sh
. "$here/wine-env.sh"
export WSAWATCH_WINEPREFIX="${WSAWATCH_WINEPREFIX:-$BUILD_DIR/wineprefix}"
wine_setup
trap wine_teardown EXIT

export CK_FORK=no
# Wine's console must not wait for input; tests read no stdin.
set +e
ctest --test-dir "$BUILD_DIR" -L unit --output-on-failure --no-tests=error "$@" </dev/null
status=$?
set -e
exit "$status"
