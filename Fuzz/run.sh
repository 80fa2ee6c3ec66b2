#!/usr/bin/env bash
# Fuzzes the wire decoder for SECONDS (default 60) with libFuzzer and AddressSanitizer.
#
#     Fuzz/run.sh          # one minute
#     Fuzz/run.sh 600      # the ten-minute run
#
# Builds Fuzz/bin/wire-decoder-fuzzer (Fuzz/build.sh), copies the committed seed corpus
# Fuzz/corpus/wire/ to a temporary directory and fuzzes that copy, so the committed files
# never change. Crash, leak and timeout inputs go to Fuzz/artifacts/ (gitignored).
# Exits non-zero when the fuzzer finds a crash, leak or timeout; prints the executions.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DURATION=${1:-60}
if ! [[ "$DURATION" =~ ^[0-9]+$ ]] || (( DURATION == 0 )); then
    echo "usage: $0 [SECONDS]" >&2
    exit 2
fi

"$ROOT/Fuzz/build.sh" fuzzer

WORK=$(mktemp -d "${TMPDIR:-/tmp}/swarmbft-fuzz.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/corpus" "$ROOT/Fuzz/artifacts"
cp "$ROOT"/Fuzz/corpus/wire/* "$WORK/corpus/"
SEEDS=$(find "$WORK/corpus" -type f | wc -l)

# Swift's crash handler would catch the trap before AddressSanitizer does (and make ASan
# report a false use-after-free): turn it off. A decoder that needs seconds for one input
# of at most 64 KiB is a denial of service: report it as a timeout.
set +e
(
    cd "$WORK"
    SWIFT_BACKTRACE=enable=no "$ROOT/Fuzz/bin/wire-decoder-fuzzer" \
        -max_total_time="$DURATION" \
        -max_len=65536 \
        -rss_limit_mb=2048 \
        -timeout=10 \
        -print_final_stats=1 \
        -artifact_prefix="$ROOT/Fuzz/artifacts/" \
        "$WORK/corpus"
) 2>&1 | tee "$WORK/fuzz.log"
STATUS=${PIPESTATUS[0]}
set -e

final_stat() { awk -v key="stat::$1:" '$1 == key { print $2 }' "$WORK/fuzz.log" | tail -1; }
EXECUTIONS=$(final_stat number_of_executed_units)
PER_SECOND=$(final_stat average_exec_per_sec)
PEAK_RSS=$(final_stat peak_rss_mb)
FINAL_CORPUS=$(find "$WORK/corpus" -type f | wc -l)
echo
echo "run.sh: ${DURATION}s, ${EXECUTIONS:-?} executions (${PER_SECOND:-?} exec/s), peak RSS ${PEAK_RSS:-?} MB," \
     "corpus ${SEEDS} seeds -> ${FINAL_CORPUS} inputs, exit status ${STATUS}"
if (( STATUS != 0 )); then
    echo "run.sh: the fuzzer FAILED; inputs in $ROOT/Fuzz/artifacts/:" >&2
    ls -l "$ROOT/Fuzz/artifacts/" >&2 || true
fi
exit "$STATUS"
