#!/usr/bin/env bash
# ACCEPTANCE 8 at full size with real processes: replica 3 of a 4-replica loopback group
# floods the others with validly signed far-future messages (about 10,000 a second, so the
# default 110 s sends more than 10^6), while a sequential client measures the honest
# throughput and a monitor watches the taps. Passes when the flooder is rate-limited and
# named by the monitor, no honest replica is rate-limited, the honest throughput under
# flood stays >= 50 % of the baseline, and no honest replica's resident memory grows by
# more than 64 MiB. The CI slice of the same checks is FloodProcessTests (7 s of flood).
#
#     scripts/flood-soak.sh [SECONDS] [path/to/swarmbft]
set -euo pipefail
. "$(dirname "$0")/lib/free-port.sh"
SECONDS_OF_FLOOD=${1:-110}
BIN=${2:-$(cd "$(dirname "$0")/.." && pwd)/.build/release/swarmbft}
WORK=$(mktemp -d /tmp/swarmbft-flood.XXXXXX)
declare -A PIDS
MONITOR=""
cleanup() {
  for pid in "${PIDS[@]}" $MONITOR; do kill -9 "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ "${KEEP:-0}" = 1 ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

"$BIN" topology init --replicas 4 --out "$WORK" --base-port "$(free_base_port)" >/dev/null
T="$WORK/topology.yaml"
sed -i 's/^test_mode: false/test_mode: true/' "$T"
start() { "$BIN" node --topology "$T" --replica "$1" --data-dir "$WORK/data-$1" --log-level warning ${2:+--misbehave "$2"} >> "$WORK/node-$1.log" 2>&1 & PIDS[$1]=$!; }
rss() { awk '/^VmRSS:/ { printf "%d", $2 / 1024 }' "/proc/${PIDS[$1]}/status"; }
status() { python3 -c "import json,sys; d=json.load(open('$WORK/data-$1/status.json')); print(eval(sys.argv[1]))" "$2"; }
# "N requests in S s (R requests/s, sequential)" -> "S R"
load() { "$BIN" client load --topology "$T" --namespace soak --requests "$1" --timeout-ms 30000 | sed -E 's/^[0-9]+ requests in ([0-9.]+) s \(([0-9]+) requests\/s.*/\1 \2/'; }
rate() { load "$1" | cut -d' ' -f2; }

for i in 0 1 2 3; do start "$i"; done
"$BIN" monitor --topology "$T" --data-dir "$WORK/monitor" >> "$WORK/monitor.log" 2>&1 & MONITOR=$!
sleep 2
rate 50 >/dev/null
baseline=$(rate 500)
memory_before=$(for i in 0 1 2; do rss "$i"; echo -n " "; done)
echo "baseline: $baseline requests/s (sequential client); resident MiB of replicas 0-2: $memory_before"

for i in 0 1 2 3; do
  kill -0 "${PIDS[$i]}" 2>/dev/null || { echo "FAIL: replica $i is not running:"; tail -5 "$WORK/node-$i.log"; exit 1; }
done
kill -TERM "${PIDS[3]}"; wait "${PIDS[3]}" 2>/dev/null || true
start 3 flood
started=$(date +%s)
sleep 2   # the flooder's own start-up, as in FloodProcessTests
lowest=$baseline
memory_peak=(0 0 0)
requests=0
busy=0
while [ $(( $(date +%s) - started )) -lt "$SECONDS_OF_FLOOD" ]; do
  read -r took now <<< "$(load 200)"
  requests=$(( requests + 200 ))
  busy=$(python3 -c "print($busy + $took)")
  [ "$now" -lt "$lowest" ] && lowest=$now
  for i in 0 1 2; do m=$(rss "$i"); [ "$m" -gt "${memory_peak[$i]}" ] && memory_peak[$i]=$m; done
  printf '\r%3d s of flood: %s requests/s now, lowest %s; resident MiB %s' $(( $(date +%s) - started )) "$now" "$lowest" "${memory_peak[*]}"
done
echo
under=$(python3 -c "print(int($requests / $busy))")
echo "under flood: $under requests/s over $requests requests (lowest window of 200: $lowest)"
sleep 1.5
sent=$(status 3 "d['counters']['framesSent']")
echo "the flooder sent $sent frames"

failures=0
fail() { echo "FAIL: $*"; failures=$(( failures + 1 )); }
[ "$sent" -ge 1000000 ] || [ "$SECONDS_OF_FLOOD" -lt 100 ] || fail "the flood sent only $sent frames (fewer than 10^6)"
[ $(( under * 2 )) -ge "$baseline" ] || fail "throughput under flood was $under requests/s, below half the baseline $baseline"
read -r -a before <<< "$memory_before"
for i in 0 1 2; do
  grown=$(( memory_peak[i] - before[i] ))
  [ "$grown" -le 64 ] || fail "replica $i grew by $grown MiB"
  limited=$(status "$i" "d['rate_limited_by_peer'].get('3', 0)")
  others=$(status "$i" "sum(v for k, v in d['rate_limited_by_peer'].items() if k != '3')")
  dropped=$(status "$i" "d['dropped'].get('outsideWatermarks', 0)")
  echo "replica $i: rate-limited $limited messages of the flooder, $others of others; dropped outside watermarks $dropped; grew $grown MiB"
  [ "$limited" -gt 0 ] || fail "replica $i never rate-limited the flooder"
  [ "$others" = 0 ] || fail "replica $i rate-limited an honest replica"
done
grep -q '"type":"flooding"' "$WORK/monitor/findings.jsonl" 2>/dev/null && grep -q '"replica":"3"' "$WORK/monitor/findings.jsonl" \
  || fail "the monitor did not name replica 3 as a flooder"
[ "$failures" = 0 ] || exit 1
echo "flood soak: passed ($SECONDS_OF_FLOOD s, $sent frames; $under requests/s under flood against $baseline before)"
