#!/usr/bin/env bash
# Issue 14, C2 from the command line: MIB (default 256) MiB of swarm memory on a 4-replica
# loopback group, then (1) a replica killed after a stable checkpoint restarts from its
# own checkpoint file, and (2) a replica with an empty data directory catches up by state
# transfer in chunks. Prints the times and the chunks and bytes transferred.
#
#     scripts/large-state.sh [MIB] [path/to/swarmbft]
set -euo pipefail
. "$(dirname "$0")/lib/free-port.sh"
MIB=${1:-256}
BIN=${2:-$(cd "$(dirname "$0")/.." && pwd)/.build/release/swarmbft}
WORK=$(mktemp -d /tmp/swarmbft-large.XXXXXX)
declare -A PIDS
cleanup() { for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
"$BIN" topology init --replicas 4 --out "$WORK" --base-port "$(free_base_port)" >/dev/null
T="$WORK/topology.yaml"
# The values fill MIB MiB; the quota leaves room for keys and namespaces. Checkpoints every
# 512 sequences: each one writes the whole state to its file.
QUOTA=$(( (MIB + MIB / 8 + 8) << 20 ))
sed -i -e "s/^memory_quota_bytes: .*/memory_quota_bytes: $QUOTA/" -e "s/^checkpoint_interval: .*/checkpoint_interval: 512/" -e "s/^watermark_window: .*/watermark_window: 1024/" "$T"
start() { "$BIN" node --topology "$T" --replica "$1" --data-dir "$WORK/data-$1" --log-level warning >> "$WORK/node-$1.log" 2>&1 & PIDS[$1]=$!; }
field() { python3 -c "import json,sys;d=json.load(open('$WORK/data-$1/status.json'));print(d.get('$2',0))" 2>/dev/null || echo -; }
converged() {
  local states
  states=$(for i in 0 1 2 3; do python3 -c "import json;d=json.load(open('$WORK/data-$i/status.json'));print(d['last_executed'],d['state_digest'])" 2>/dev/null || echo missing-$i; done | sort -u | wc -l)
  [ "$states" = 1 ]
}
wait_converged() {
  local started=$SECONDS
  until converged; do
    (( SECONDS - started < ${1:-600} )) || { echo "FAIL: replicas did not converge"; for i in 0 1 2 3; do echo "replica $i: $(field $i last_executed)"; tail -5 "$WORK/node-$i.log"; done; exit 1; }
    sleep 0.5
  done
}
for i in 0 1 2 3; do start "$i"; done
sleep 1
REQUESTS=$(( MIB * 64 ))   # 16 KiB values
echo "loading $MIB MiB: $REQUESTS puts of 16 KiB"
started=$(date +%s.%N)
"$BIN" client load --topology "$T" --namespace large --requests "$REQUESTS" --value-bytes 16384 --distinct-keys --timeout-ms 120000
"$BIN" client put --topology "$T" --namespace large marker loaded >/dev/null
wait_converged
echo "loaded in $(python3 -c "print(round($(date +%s.%N) - $started, 1))") s; stable checkpoint $(field 0 stable_checkpoint), last executed $(field 0 last_executed)"
du -sh "$WORK/data-3" | sed 's/^/replica 3 data directory: /'
ls -la "$WORK/data-3" | grep -E "checkpoint-|wal.log" | awk '{print "  " $5 " bytes  " $9}'

echo "1. kill -9 replica 3 after a stable checkpoint and restart it"
kill -9 "${PIDS[3]}"; wait "${PIDS[3]}" 2>/dev/null || true
started=$(date +%s.%N)
start 3
until [ "$(field 3 status)" = normal ] && kill -0 "${PIDS[3]}" 2>/dev/null && (( $(python3 -c "import json,os;print(int(os.path.getmtime('$WORK/data-3/status.json') > $started))") )); do
  kill -0 "${PIDS[3]}" 2>/dev/null || { echo "FAIL: replica 3 exited"; tail -20 "$WORK/node-3.log"; exit 1; }
  sleep 0.2
done
echo "   restarted in $(python3 -c "print(round($(date +%s.%N) - $started, 1))") s"
"$BIN" client put --topology "$T" --namespace large marker restarted >/dev/null
wait_converged

echo "2. kill -9 replica 2, empty its data directory, restart it"
kill -9 "${PIDS[2]}"; wait "${PIDS[2]}" 2>/dev/null || true
rm -rf "$WORK/data-2"
started=$(date +%s.%N)
start 2
"$BIN" client load --topology "$T" --namespace after --requests 600 --timeout-ms 120000 >/dev/null
wait_converged
echo "   caught up in $(python3 -c "print(round($(date +%s.%N) - $started, 1))") s: state transfers $(field 2 state_transfers), chunks $(field 2 state_chunks_fetched), bytes $(field 2 state_bytes_fetched)"
value=$("$BIN" client get --topology "$T" --namespace large marker --json)
echo "$value" | grep -q '"value":"restarted"' || { echo "FAIL: the last acknowledged write is missing: $value"; exit 1; }
echo "large state: $MIB MiB passed, replicas converged at $(field 0 last_executed)"
