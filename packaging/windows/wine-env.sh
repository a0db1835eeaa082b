# shellcheck shell=bash
# Sourced by build.sh and test.sh: a private, headless, non-interactive Wine.
#
#   WSAWATCH_WINEPREFIX=/path wine_setup   # exports WINE, WINEPREFIX, ...
#   ...run things with "$WINE" prog.exe...
#   wine_teardown                          # stops the persistent wineserver

wine_find() {
  local c
  for c in /usr/lib/wine/wine64 /usr/lib64/wine/wine64 "$(command -v wine64 || true)" \
           "$(command -v wine || true)"; do
    if [ -n "$c" ] && [ -x "$c" ]; then WINE="$c"; break; fi
  done
  [ -n "${WINE:-}" ] || { echo "wine-env: no wine64/wine found (apt-get install wine64)" >&2; return 1; }
  WINESERVER=""
  for c in "$(dirname "$WINE")/wineserver" /usr/lib/wine/wineserver64 /usr/lib/wine/wineserver \
           "$(command -v wineserver || true)"; do
    if [ -n "$c" ] && [ -x "$c" ]; then WINESERVER="$c"; break; fi
  done
  export WINE WINESERVER
  # Without this, the /usr/bin/wine wrapper and wine64 look for the 32-bit loader.
  case "$WINE" in */wine64) export WINELOADER="$WINE" ;; esac
}

wine_setup() {
  wine_find || return 1
  export WINEPREFIX="${WSAWATCH_WINEPREFIX:?}"
  export WINEARCH=win64
  export WINEDEBUG="${WINEDEBUG:--all}"
  # No Mono/Gecko download prompts, no crash dialog.
  export WINEDLLOVERRIDES="${WINEDLLOVERRIDES:-mscoree,mshtml=}"
  # Headless: never try to open a window (no X, no Wayland).
  unset DISPLAY WAYLAND_DISPLAY
  mkdir -p "$(dirname "$WINEPREFIX")"
  if [ ! -f "$WINEPREFIX/system.reg" ] || [ ! -f "$WINEPREFIX/.wsawatch-ready" ]; then
    echo "wine-env: initialising $WINEPREFIX" >&2
    rm -rf "$WINEPREFIX"
    "$WINE" wineboot -i >/dev/null 2>&1 || true
    [ -z "$WINESERVER" ] || "$WINESERVER" -w
    # winedbg's crash dialog would wait for a click: turn it off.
    "$WINE" reg add 'HKCU\Software\Wine\WineDbg' /v ShowCrashDialog /t REG_DWORD /d 0 /f \
      >/dev/null 2>&1 || true
    [ -z "$WINESERVER" ] || "$WINESERVER" -w
    [ -f "$WINEPREFIX/system.reg" ] || { echo "wine-env: wineboot failed" >&2; return 1; }
    touch "$WINEPREFIX/.wsawatch-ready"
  fi
  # Keep one wineserver alive across the many short test processes, so each
  # .exe does not pay for a server start and prefix update check.
  if [ -n "$WINESERVER" ]; then "$WINESERVER" -p 2>/dev/null || true; fi
  # Start Wine's background processes (services.exe, winedevice.exe,
  # plugplay.exe, ...) here, with /dev/null as their stdio.  Started by the
  # first test instead, they would inherit ctest's output pipes and outlive
  # the test: ctest then waits on the pipes until the test's timeout.
  # A do-nothing ordinary process (cmd waiting on a pipe nobody writes)
  # keeps them alive until wine_teardown.
  if [ -z "${WSAWATCH_WINE_KEEPALIVE_PID:-}" ]; then
    mkfifo "$WINEPREFIX/.keepalive.$$" 2>/dev/null || true
    # The fifo is opened read-write by the shell, so cmd's stdin never sees EOF.
    ( exec 3<>"$WINEPREFIX/.keepalive.$$"; exec "$WINE" cmd.exe /q /k <&3 >/dev/null 2>&1 ) &
    WSAWATCH_WINE_KEEPALIVE_PID=$!
    export WSAWATCH_WINE_KEEPALIVE_PID
    "$WINE" cmd.exe /c exit </dev/null >/dev/null 2>&1 || true
  fi
}

wine_teardown() {
  if [ -n "${WINESERVER:-}" ] && [ -n "${WINEPREFIX:-}" ]; then
    "$WINESERVER" -k 2>/dev/null || true
  fi
  if [ -n "${WSAWATCH_WINE_KEEPALIVE_PID:-}" ]; then
    kill "$WSAWATCH_WINE_KEEPALIVE_PID" 2>/dev/null || true
    wait "$WSAWATCH_WINE_KEEPALIVE_PID" 2>/dev/null || true
    unset WSAWATCH_WINE_KEEPALIVE_PID
  fi
  rm -f "${WINEPREFIX:-/nonexistent}"/.keepalive.* 2>/dev/null || true
}
