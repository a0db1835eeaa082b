#!/usr/bin/env bash
# The Windows service, end to end under Wine: install, start, follow a log
# through a rename rotation, alert, stop (offsets committed), uninstall.
#
#   packaging/windows/build.sh && tests/windows/service_test.sh
#
# Uses its own headless Wine prefix (build/windows/wineprefix-service, or
# WSAWATCH_WINEPREFIX), set up as packaging/windows/test.sh does (wine-env.sh,
# whose keep-alive cmd.exe is the ordinary process Wine needs to keep
# services running). Every wait polls against a deadline. Prints one PASS line
# and exits 0, or says what failed and exits 1.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
BUILD_DIR="${WSAWATCH_BUILD_DIR:-$root/build/windows}"
EXE="$BUILD_DIR/wsawatch.exe"
t0=$SECONDS

fail() {
  printf 'service_test: FAIL: %s\n' "$*" >&2
  for f in "${work:-/nonexistent}/wsawatch.log" "${work:-/nonexistent}/events.jsonl"; do
    [ -f "$f" ] && { printf -- '--- %s (last 30 lines)\n' "$f" >&2; tail -n 30 "$f" >&2; }
  done
  exit 1
}
[ -f "$EXE" ] || fail "$EXE not found: run packaging/windows/build.sh first"

# shellcheck source=../../packaging/windows/wine-env.sh
. "$root/packaging/windows/wine-env.sh"
export WSAWATCH_WINEPREFIX="${WSAWATCH_WINEPREFIX:-$BUILD_DIR/wineprefix-service}"
wine_setup >/dev/null 2>&1 || fail "Wine setup in $WSAWATCH_WINEPREFIX"
installed=0
cleanup() {
  if [ "$installed" -eq 1 ]; then
    "$WINE" "$EXE" service uninstall </dev/null >/dev/null 2>&1 || true
  fi
  wine_teardown
}
trap cleanup EXIT

w() { "$WINE" "$@" </dev/null 2>&1 | tr -d '\r'; }

# wait_for SECONDS WHAT COMMAND...: polls COMMAND every 0.2 s until it succeeds.
wait_for() {
  local limit=$1 what=$2 end
  shift 2
  end=$((SECONDS + limit))
  until "$@"; do
    [ "$SECONDS" -lt "$end" ] || fail "timed out after ${limit}s waiting for $what"
    sleep 0.2
  done
}

work="$WINEPREFIX/drive_c/wsawatch-test"
state="$WINEPREFIX/drive_c/ProgramData/wsawatch"
rm -rf "$work" "$state"
mkdir -p "$work/logs"
: >"$work/logs/app.log"
wwork="$(w winepath -w "$work")"
[ -n "$wwork" ] || fail "winepath -w $work"

cat >"$work/wsawatch.yaml" <<EOF
poll_interval: 200ms
commit_interval: 1s
log:
  level: debug
  target: file
  path: '$wwork\\wsawatch.log'
inputs:
  - path: '$wwork\\logs\\app.log'
    start_at: beginning
    rotate_wait: 3s
outputs:
  - name: events
    type: file
    path: '$wwork\\events.jsonl'
    take: [events, alerts]
alerts:
  - id: connection-reset-storm
    codes: [WSAECONNRESET]
    threshold: 5
    window: 60s
    group_by: [file]
    cooldown: 10m
    severity: warning
EOF

# ------------------------------------------------------------- install, start
out="$(w "$EXE" check --config "$wwork\\wsawatch.yaml")" || fail "check --config: $out"
out="$(w "$EXE" service install --config "$wwork\\wsawatch.yaml")" ||
  fail "service install: $out"
installed=1
# Wine's sc has no qc: read the service's key.
out="$(w reg query 'HKLM\System\CurrentControlSet\Services\wsawatch')" || true
grep -q 'ImagePath.*run --config' <<<"$out" || fail "the service's ImagePath has no 'run --config': $out"
evkey='HKLM\System\CurrentControlSet\Services\EventLog\Application\wsawatch'
w reg query "$evkey" | grep -q EventMessageFile || fail "no Event Log source wsawatch after install"
out="$(w net start wsawatch)" || fail "net start wsawatch: $out"
running() { w sc query wsawatch | grep -q RUNNING; }
wait_for 20 "the service to report RUNNING" running

# ------------------------------------------------- events and an alert
line() { printf '2>>> req=%d System.Net.Sockets.SocketException (10054): An existing connection was forcibly closed by the remote host.\r\n' "$1"; }
for i in 1 2 3 4 5 6; do line "$i" >>"$work/logs/app.log"; done
events_for() { grep -c "\"kind\":\"event\"" "$work/events.jsonl" 2>/dev/null || true; }
have_events() { [ "$(events_for)" -ge "$1" ]; }
wait_for 20 "6 events in events.jsonl" have_events 6
has_alert() { grep -q '"connection-reset-storm"' "$work/events.jsonl" 2>/dev/null; }
wait_for 10 "a connection-reset-storm alert" has_alert
grep '"kind":"alert"' "$work/events.jsonl" | grep -q '"connection-reset-storm"' ||
  fail "the connection-reset-storm line is not an alert"

# ------------------------------------------------- rename rotation
line 7 >>"$work/logs/app.log"
line 8 >>"$work/logs/app.log"
mv "$work/logs/app.log" "$work/logs/app.log.1"
line 9 >>"$work/logs/app.log.1" # the application's last write to the old file
for i in 10 11 12; do line "$i" >>"$work/logs/app.log"; done
wait_for 20 "12 events after the rotation" have_events 12
sleep 1 # a duplicate would show up within a poll interval or two
for i in $(seq 1 12); do
  n="$(grep '"kind":"event"' "$work/events.jsonl" | grep -c "req=$i ")" || true
  [ "$n" -eq 1 ] || fail "line req=$i gave $n events, want exactly 1"
done
[ "$(events_for)" -eq 12 ] || fail "$(events_for) events, want 12"

# ------------------------------------------------- stop: offsets committed
out="$(w net stop wsawatch)" || fail "net stop wsawatch: $out"
stopped() { w sc query wsawatch | grep -q STOPPED; }
wait_for 30 "the service to report STOPPED" stopped
[ -s "$state/offsets.json" ] || fail "no offsets.json in $state"
grep -q 'app.log' "$state/offsets.json" || fail "offsets.json names no app.log: $(cat "$state/offsets.json")"

# ------------------------------------------------- uninstall
out="$(w "$EXE" service uninstall)" || fail "service uninstall: $out"
installed=0
# Windows' sc says "FAILED 1060: The specified service does not exist"; Wine's
# prints nothing; both exit non-zero.
gone() {
  local o
  if o="$(w sc query wsawatch)"; then return 1; fi
  ! grep -q 'STATE' <<<"$o" &&
    ! w reg query 'HKLM\System\CurrentControlSet\Services\wsawatch' >/dev/null
}
wait_for 10 "sc query to report the service gone" gone
! w reg query "$evkey" >/dev/null || fail "Event Log source wsawatch still registered after uninstall"

printf 'service_test: PASS: install, RUNNING, 12/12 events once each across a rename rotation, alert, STOPPED with offsets.json, uninstall (%ds)\n' \
  "$((SECONDS - t0))"
