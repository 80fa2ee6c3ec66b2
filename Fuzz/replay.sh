#!/usr/bin/env bash
# CI regression check: builds the wire-decoder fuzzer and runs it once over every file of
# the committed corpus (Fuzz/corpus/wire/), without fuzzing and without writing anything
# into the corpus. Exits non-zero if any input crashes, trips AddressSanitizer or breaks a
# property of the harness (canonical re-encoding, ...).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$ROOT/Fuzz/build.sh" fuzzer

shopt -s nullglob
INPUTS=("$ROOT"/Fuzz/corpus/wire/*)
if (( ${#INPUTS[@]} == 0 )); then
    echo "replay.sh: no inputs in $ROOT/Fuzz/corpus/wire/" >&2
    exit 1
fi

# Individual files (not the directory): libFuzzer runs each once and never writes to it.
WORK=$(mktemp -d "${TMPDIR:-/tmp}/swarmbft-replay.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
SWIFT_BACKTRACE=enable=no "$ROOT/Fuzz/bin/wire-decoder-fuzzer" -runs=0 -timeout=10 -rss_limit_mb=2048 "${INPUTS[@]}" >"$WORK/replay.log" 2>&1 || {
    STATUS=$?
    cat "$WORK/replay.log" >&2
    echo "replay.sh: FAILED (exit status $STATUS)" >&2
    exit "$STATUS"
}
echo "replay.sh: ${#INPUTS[@]} corpus inputs replayed, no crash"
