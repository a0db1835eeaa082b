#!/bin/sh
# Runs the fuzz targets one after another for SECONDS each and prints, per
# target, executions, executions per second, coverage (cov: edges, ft:
# features), corpus size and crashes (new files in the artifacts directory).
#
#     tests/fuzz/run.sh SECONDS [config rules line state]...
#
# Needs the fuzz build (cmake --preset fuzz && cmake --build --preset fuzz),
# or WSAWATCH_FUZZ_BUILD naming another clang build with WSAWATCH_FUZZ=ON.
# Each target reads build/fuzz/corpus/<t> (where new inputs go), the seeds
# (build/fuzz/seeds/<t>) and the kept crash inputs (tests/fuzz/regress/<t>),
# writes crashes to build/fuzz/artifacts/<t>/ and its log to
# build/fuzz/logs/<t>.log. Exit status 1 when any target failed.
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${WSAWATCH_FUZZ_BUILD:-$root/build/fuzz}

if [ $# -lt 1 ]; then
    echo "usage: $0 SECONDS [target...]" >&2
    exit 2
fi
secs=$1
shift
targets=${*:-config rules line state}

# Longest input per target: a config or rule file, a few log lines, a state file.
max_len() {
    case $1 in
    rules) echo 65536 ;;
    config | line) echo 16384 ;;
    *) echo 8192 ;;
    esac
}

dict() {
    case $1 in
    config | rules) echo "$here/yaml.dict" ;;
    *) echo "$here/$1.dict" ;;
    esac
}

# The value after "key" on the last line of the log that has it.
field() {
    grep -o "$1 *[0-9]*" "$2" | tail -n 1 | grep -o '[0-9]*$'
}

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
mkdir -p "$build/logs"
failed=0
printf '%-8s %8s %10s %8s %6s %7s %7s %8s  %s\n' target seconds execs exec/s cov ft corpus crashes result
for t in $targets; do
    bin=$build/tests/fuzz/fuzz_$t
    log=$build/logs/$t.log
    art=$build/artifacts/$t
    if [ ! -x "$bin" ]; then
        echo "$t: no $bin (build the fuzz preset first)" >&2
        failed=1
        continue
    fi
    mkdir -p "$build/corpus/$t" "$build/seeds/$t" "$art"
    set -- "$build/corpus/$t" "$build/seeds/$t"
    [ -d "$here/regress/$t" ] && set -- "$@" "$here/regress/$t"
    d=$(dict "$t")
    [ -f "$d" ] && set -- "-dict=$d" "$@"
    before=$(ls "$art" | wc -l)
    "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len="$(max_len "$t")" \
        -print_final_stats=1 -artifact_prefix="$art/" "$@" >"$log" 2>&1
    rc=$?
    crashes=$(($(ls "$art" | wc -l) - before))
    result=ok
    if [ $rc -ne 0 ] || [ $crashes -ne 0 ]; then
        result="FAILED (exit $rc; see $log)"
        failed=1
    fi
    printf '%-8s %8s %10s %8s %6s %7s %7s %8s  %s\n' "$t" "$secs" \
        "$(field 'stat::number_of_executed_units:' "$log")" \
        "$(field 'stat::average_exec_per_sec:' "$log")" \
        "$(field 'cov:' "$log")" "$(field 'ft:' "$log")" \
        "$(field 'corp:' "$log")" "$crashes" "$result"
    if [ "$result" != ok ]; then
        grep -E -A40 'ERROR: |fuzz check failed|runtime error' "$log" | head -n 80 >&2
    fi
done
exit $failed
