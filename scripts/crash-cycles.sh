#!/usr/bin/env bash
# ACCEPTANCE 11 from the command line: CYCLES (default 100) kill -9 cycles of random
# replicas of a 4-replica loopback group under client load; at the end all replicas have
# the same state digest and every acknowledged write reads back.
#
#     scripts/crash-cycles.sh [CYCLES] [path/to/swarmbft]
set -euo pipefail
. "$(dirname "$0")/lib/free-port.sh"
CYCLES=${1:-100}
BIN=${2:-$(cd "$(dirname "$0")/.." && pwd)/.build/release/swarmbft}
WORK=$(mktemp -d /tmp/swarmbft-crash.XXXXXX)
declare -A PIDS
cleanup() { for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
"$BIN" topology init --replicas 4 --out "$WORK" --base-port "$(free_base_port)" >/dev/null
T="$WORK/topology.yaml"
start() { "$BIN" node --topology "$T" --replica "$1" --data-dir "$WORK/data-$1" --log-level warning >> "$WORK/node-$1.log" 2>&1 & PIDS[$1]=$!; }
for i in 0 1 2 3; do start "$i"; done
sleep 1
for cycle in $(seq 1 "$CYCLES"); do
  victim=$(( RANDOM % 4 ))
  kill -9 "${PIDS[$victim]}"; wait "${PIDS[$victim]}" 2>/dev/null || true
  "$BIN" client load --topology "$T" --namespace crash --requests 10 --timeout-ms 60000 >/dev/null
  "$BIN" client put --topology "$T" --namespace crash "cycle" "$cycle" >/dev/null
  start "$victim"
  sleep 0.3
  printf '\rcycle %d/%d (killed replica %d)' "$cycle" "$CYCLES" "$victim"
done
echo
"$BIN" client put --topology "$T" --namespace crash final done >/dev/null
for attempt in $(seq 1 120); do
  states=$(for i in 0 1 2 3; do python3 -c "import json;d=json.load(open('$WORK/data-$i/status.json'));print(d['last_executed'],d['state_digest'])"; done | sort -u | wc -l)
  [ "$states" = 1 ] && break
  sleep 0.5
done
[ "$states" = 1 ] || { echo "FAIL: replicas did not converge"; exit 1; }
value=$("$BIN" client get --topology "$T" --namespace crash cycle --json)
echo "$value" | grep -q "\"value\":\"$CYCLES\"" || { echo "FAIL: last acknowledged write missing: $value"; exit 1; }
echo "crash cycles: $CYCLES passed, replicas converged at $(python3 -c "import json;print(json.load(open('$WORK/data-0/status.json'))['last_executed'])")"
