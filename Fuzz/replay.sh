#!/usr/bin/env bash
# CI regression check: builds the wire-decoder, core and node fuzzers and runs each once
# over every file of its committed corpus (Fuzz/corpus/wire/, core/, node/), without
# fuzzing and without writing anything into the corpus. Exits non-zero if any input
# crashes, trips AddressSanitizer or breaks a property of the harness (canonical
# re-encoding, the core's invariants, ...).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$ROOT/Fuzz/build.sh" fuzzer
"$ROOT/Fuzz/build.sh" core
"$ROOT/Fuzz/build.sh" node

# replay FUZZER CORPUS EXTRA-FLAGS...
replay() {
    local fuzzer=$1 corpus=$2; shift 2
    shopt -s nullglob
    local inputs=("$ROOT"/Fuzz/corpus/"$corpus"/*)
    if (( ${#inputs[@]} == 0 )); then
        echo "replay.sh: no inputs in $ROOT/Fuzz/corpus/$corpus/" >&2
        exit 1
    fi
    # Individual files (not the directory): libFuzzer runs each once and never writes to it.
    local work
    work=$(mktemp -d "${TMPDIR:-/tmp}/swarmbft-replay.XXXXXX")
    (
        cd "$work"
        SWIFT_BACKTRACE=enable=no ASAN_OPTIONS="${REPLAY_ASAN_OPTIONS:-}" "$ROOT/Fuzz/bin/$fuzzer" -runs=0 -timeout=10 -rss_limit_mb=2048 "$@" "${inputs[@]}" >"$work/replay.log" 2>&1
    ) || {
        local status=$?
        cat "$work/replay.log" >&2
        echo "replay.sh: $corpus FAILED (exit status $status)" >&2
        rm -rf "$work"
        exit "$status"
    }
    rm -rf "$work"
    echo "replay.sh: ${#inputs[@]} $corpus corpus inputs replayed, no crash"
}

replay wire-decoder-fuzzer wire
# The core fuzzer's checks are the invariants; see run.sh for -detect_leaks=0.
REPLAY_ASAN_OPTIONS=detect_leaks=0 replay core-fuzzer core -detect_leaks=0
REPLAY_ASAN_OPTIONS=detect_leaks=0 replay node-fuzzer node -detect_leaks=0
