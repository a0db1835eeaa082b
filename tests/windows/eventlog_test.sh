#!/usr/bin/env bash
# The eventlog output and the message table of wsawatch.exe, under Wine.
#
#   tests/windows/eventlog_test.sh          (after packaging/windows/build.sh)
#
# 1. registers the Event Log source "wsawatch" (with `wsawatch.exe service
#    install` when that works under Wine, else with `reg add` writing the same
#    values platform_eventlog_register writes) and checks its registry values;
# 2. runs `wsawatch.exe run --once` on a log of 6 connection resets stamped
#    now, with an eventlog output taking events and alerts (and a file output
#    with the same messages, for their full JSON), and with the daemon's own
#    log going to the system log (the Event Log);
# 3. checks the ReportEventW calls wsawatch made (Wine's advapi32 traces them:
#    event ID, type, strings): events 1000 as information, an alert 2000 as
#    warning with its summary, daemon messages 3002;
# 4. formats every message ID of the source's EventMessageFile (wsawatch.exe)
#    with the strings wsawatch sent, as Event Viewer does (FormatMessage on
#    the file loaded as data): the full English text, never "cannot be found";
# 5. reads the Application log back (tests/windows/eventlog_read.exe). Wine 8
#    keeps no event records (ReportEventW and ReadEventLogW are stubs), so an
#    empty log is reported as SKIP for that step; on Windows it is checked.
#
# Uses the Wine prefix of packaging/windows/test.sh (build/windows/wineprefix,
# WSAWATCH_WINEPREFIX to override). Prints one PASS line and exits 0, or
# prints FAIL lines and exits 1.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
BUILD_DIR="${WSAWATCH_BUILD_DIR:-$root/build/windows}"
EXE="$BUILD_DIR/wsawatch.exe"
READER="$BUILD_DIR/tests/eventlog_read.exe"
for f in "$EXE" "$READER"; do
  [ -f "$f" ] || { echo "eventlog_test: $f missing: run packaging/windows/build.sh first" >&2; exit 2; }
done

# shellcheck source=../../packaging/windows/wine-env.sh
. "$root/packaging/windows/wine-env.sh"
export WSAWATCH_WINEPREFIX="${WSAWATCH_WINEPREFIX:-$BUILD_DIR/wineprefix}"
wine_setup
work="$(mktemp -d "${TMPDIR:-/tmp}/wsawatch-eventlog.XXXXXX")"
trap 'wine_teardown; rm -rf "$work"' EXIT

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }
winpath() { "$WINE" winepath -w "$1" 2>/dev/null | tr -d '\r'; }
w() { "$WINE" "$@" </dev/null; }

KEY='HKLM\SYSTEM\CurrentControlSet\Services\EventLog\Application\wsawatch'
exe_w="$(winpath "$EXE")"

# ---- 1. the source
cat >"$work/cfg.yaml" <<YAML
state_dir: $(winpath "$work")\\state
log:
  target: system
  level: info
inputs:
  - path: $(winpath "$work")\\app.log
    start_at: beginning
outputs:
  - name: el
    type: eventlog
    take: [events, alerts]
  - name: jsonl
    type: file
    path: $(winpath "$work")\\out.jsonl
    take: [events, alerts]
alerts:
  - id: reset-storm
    codes: [WSAECONNRESET]
    threshold: 5
    window: 60s
    group_by: [file]
    severity: warning
    outputs: [el, jsonl]
YAML
cfg_w="$(winpath "$work/cfg.yaml")"
w reg delete "$KEY" /f >/dev/null 2>&1 || true
how="service install"
if ! w "$EXE" service install --config "$cfg_w" >"$work/install.out" 2>&1 ||
   ! w reg query "$KEY" >/dev/null 2>&1; then
  how="reg add (service install: $(tr -d '\r' <"$work/install.out" | head -n1))"
  w reg add "$KEY" /v EventMessageFile /t REG_EXPAND_SZ /d "$exe_w" /f >/dev/null
  w reg add "$KEY" /v TypesSupported /t REG_DWORD /d 7 /f >/dev/null
fi
q="$(w reg query "$KEY" 2>/dev/null | tr -d '\r')"
if grep -qiF "EventMessageFile    REG_EXPAND_SZ    $exe_w" <<<"$q" &&
   grep -qE 'TypesSupported +REG_DWORD +0x7' <<<"$q"; then
  ok "source registered by $how: EventMessageFile=$exe_w TypesSupported=7"
else
  fail "registry values of the source ($how):"; echo "$q"
fi

# ---- 2. the run
now="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
for i in 1 2 3 4 5 6; do
  printf '%s ERROR api: System.Net.Sockets.SocketException (10054): An existing connection was forcibly closed by the remote host. peer 10.0.0.%d:443\r\n' "$now" "$i"
done >"$work/app.log"
# fixme:advapi traces each ReportEventW call (handle, type, category, ID),
# +eventlog each of its strings (err: for errors, warn: warnings, trace: others).
set +e
WINEDEBUG=fixme+advapi,+eventlog timeout 120 "$WINE" "$EXE" run --once --config "$cfg_w" \
  </dev/null >"$work/run.out" 2>"$work/run.err"
rc=$?
set -e
[ "$rc" -eq 0 ] && ok "run --once exited 0" || { fail "run --once exited $rc"; tail -n 20 "$work/run.err"; }

# ---- 3. what wsawatch reported: "ID TYPE STRING1<TAB>STRING2..." per call
python3 - "$work/run.err" >"$work/calls.txt" <<'PY'
import re, sys
calls = []
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    m = re.search(r"ReportEventW \(\w+,0x(\w+),0x\w+,0x(\w+),", line)
    if m:
        calls.append([int(m.group(2), 16), int(m.group(1), 16), []])
        continue
    m = re.search(r":eventlog:ReportEventW L\"(.*)\"(\.\.\.)?$", line.rstrip("\n"))
    if m and calls:  # undo Wine's debugstr escapes; "..." marks a cut string
        calls[-1][2].append(re.sub(r"\\(x[0-9a-f]{4}|.)", lambda e: {"n": "\n", "r": "\r",
                            "t": " "}.get(e.group(1), chr(int(e.group(1)[1:], 16))
                            if len(e.group(1)) == 5 else e.group(1)), m.group(1))
                            + (m.group(2) or ""))
for ident, typ, strings in calls:
    print(ident, {1: "error", 2: "warning", 4: "information"}.get(typ, typ), "\t".join(strings))
PY
grep -q '^1000 information WSAECONNRESET (10054)' "$work/calls.txt" &&
  ok "event 1000 (information) reported: $(grep -c '^1000 ' "$work/calls.txt") time(s)" ||
  fail "no ReportEventW with event ID 1000 and a WSAECONNRESET summary"
grep -q '^2000 warning [0-9]* WSAECONNRESET in 60 s' "$work/calls.txt" &&
  ok "alert 2000 (warning) reported: $(grep '^2000 ' "$work/calls.txt" | head -n1 | cut -f1)" ||
  fail "no ReportEventW with event ID 2000 (warning) and the alert's summary"
grep -q '^3002 information .' "$work/calls.txt" &&
  ok "daemon messages 3002 (information) reported: $(grep -c '^3002 ' "$work/calls.txt")" ||
  fail "no daemon message (ID 3002) in the Event Log"
if ! grep -q ReportEventW "$work/run.err"; then
  echo "--- run.err"; tail -n 30 "$work/run.err"
fi

# ---- 4. the texts Event Viewer would show, from the message file
fmt() { # ID STRING... -> the formatted text
  local id="$1"; shift
  printf '%s\n' "$@" >"$work/strings.txt"
  { w "$READER" --format wsawatch "$id" "$(winpath "$work/strings.txt")" 2>&1 || true; } | tr -d '\r'
}
check_text() { # ID TEXT NEEDLE...
  local id="$1" text="$2"; shift 2
  local n
  if grep -qi "cannot be found" <<<"$text" || [ -z "$text" ]; then
    fail "event $id: no description: $text"; return
  fi
  for n in "$@"; do
    grep -qF -- "$n" <<<"$text" || { fail "event $id: '$n' missing in: ${text:0:300}"; return; }
  done
  ok "event $id formats: ${text:0:120}..."
}
ev="$(grep '"kind":"event"' "$work/out.jsonl" | head -n1 || true)"
al="$(grep '"state":"firing"' "$work/out.jsonl" | head -n1 || true)"
[ -n "$ev" ] || fail "no event in the file output"
# %2 of the reported event 1000 is the event's JSON (Wine's trace cuts it at ~300 characters)
ev_json="$(grep -m1 '^1000 ' "$work/calls.txt" | cut -f2)"
ev_json="${ev_json%...}"
if [ -n "$ev_json" ] && grep -qF -- "$ev_json" "$work/out.jsonl"; then
  ok "event 1000: %2 is the event's JSON"
else
  fail "event 1000: %2 is not the JSON the file output got: ${ev_json:0:200}"
fi
[ -n "$al" ] || fail "no firing alert in the file output"
ev_sum="$(grep -m1 '^1000 ' "$work/calls.txt" | sed 's/^1000 [a-z]* //' | cut -f1)"
al_sum="$(grep -m1 '^2000 ' "$work/calls.txt" | sed 's/^2000 [a-z]* //' | cut -f1)"
t="$(fmt 1000 "${ev_sum:-WSAECONNRESET (10054) Connection reset by peer.}" "$ev")"
check_text 1000 "$t" "WSAECONNRESET" "An existing connection was forcibly closed" "$ev"
t="$(fmt 2000 "${al_sum:-6 WSAECONNRESET in 60 s}" "$al")"
check_text 2000 "$t" "Alert firing: ${al_sum:-6 WSAECONNRESET in 60 s}" '"state":"firing"'
t="$(fmt 2001 "resolved: 0 WSAECONNRESET in 60 s from C:\\app.log" '{"alert":{"state":"resolved"}}')"
check_text 2001 "$t" "Alert resolved: 0 WSAECONNRESET" '"state":"resolved"'
t="$(fmt 2002 "backlog: 6 WSAECONNRESET read late" '{"alert":{"state":"backlog"}}')"
check_text 2002 "$t" "Alert backlog: 6 WSAECONNRESET read late" '"state":"backlog"'
for id in 3000 3001 3002; do
  t="$(fmt "$id" "output 'el': test message $id")"
  check_text "$id" "$t" "output 'el': test message $id"
done
t="$(fmt 1234 "x" "y")"
grep -qi "cannot be found" <<<"$t" && ok "an unknown ID (1234) is reported as such by the reader" ||
  fail "the reader formatted an ID that is not in the table: $t"

# ---- 5. the Application log read back
set +e
w "$READER" wsawatch >"$work/read.out" 2>"$work/read.err"
rc=$?
set -e
records="$(sed -n 's/^records: //p' "$work/read.err" | tr -d '\r')"
if [ "$rc" -ne 0 ]; then
  fail "eventlog_read exited $rc: $(tr -d '\r' <"$work/read.err" | head -n3)"
elif [ "${records:-0}" -eq 0 ]; then
  echo "SKIP: the Application log returned no records (Wine's ReadEventLogW keeps none): read-back not verified"
else
  grep -q '^1000 information .*WSAECONNRESET.*An existing connection was forcibly closed' "$work/read.out" ||
    fail "read back: no event 1000 with its full text"
  grep -q '^2000 warning Alert firing: ' "$work/read.out" || fail "read back: no alert 2000"
  grep -qi 'cannot be found' "$work/read.out" && fail "read back: a description cannot be found"
  ok "read back $records record(s)"
fi

if [ "$how" = "service install" ]; then
  w "$EXE" service uninstall >/dev/null 2>&1 || fail "service uninstall failed"
  w reg query "$KEY" >/dev/null 2>&1 && fail "the source is still registered after service uninstall"
fi

if [ "$failures" -ne 0 ]; then
  echo "eventlog_test: $failures failure(s)"
  exit 1
fi
echo "PASS: eventlog output and message table (Wine: ReportEventW calls and message texts verified)"
