#!/usr/bin/env bash
# ACCEPTANCE 17 from the command line: a rolling restart of an N-replica loopback group
# (default 4) under client load, ROUNDS times (default 3): SIGTERM each replica in turn,
# wait for it to exit, start it again and wait until it has caught up, so that never more
# than one replica (≤ f) is down. A client keeps writing throughout; every acknowledged
# write must read back at the end, every replica must reach the same state digest, and no
# replica may quarantine or rate-penalise another (all are honest). Prints, per restart, how long the
# replica took to stop and to catch up, and the writes acknowledged meanwhile.
#
#     scripts/rolling-restart.sh [ROUNDS] [N] [path/to/swarmbft]
set -euo pipefail
ROUNDS=${1:-3}
N=${2:-4}
BIN=${3:-$(cd "$(dirname "$0")/.." && pwd)/.build/release/swarmbft}
. "$(dirname "$0")/lib/cluster.sh"
cluster_init "$N" rolling
now() { date +%s.%N; }
for i in $(seq 0 $((N - 1))); do start "$i"; done
sleep 1
"$BIN" client put --topology "$T" --namespace rolling warm up >/dev/null
: > "$WORK/acknowledged"

# The writer: one put after another, each key once, the acknowledged ones logged.
(
  index=0
  while :; do
    if "$BIN" client put --topology "$T" --namespace rolling "k$index" "v$index" >/dev/null 2>&1; then echo "k$index" >> "$WORK/acknowledged"; fi
    index=$((index + 1))
  done
) &
LOADER=$!
EXTRA_PIDS=$LOADER
sleep 2

for round in $(seq 1 "$ROUNDS"); do
  for replica in $(seq 0 $((N - 1))); do
    before=$(wc -l < "$WORK/acknowledged" 2>/dev/null || echo 0)
    t0=$(now)
    kill -TERM "${PIDS[$replica]}"
    wait "${PIDS[$replica]}" 2>/dev/null || { echo "FAIL: replica $replica exited uncleanly after SIGTERM"; tail -5 "$WORK/node-$replica.log"; exit 1; }
    t1=$(now)
    # Caught up: it executed at least what the others had when it came back (its old
    # status file must not count).
    target=$(for i in $(seq 0 $((N - 1))); do [ "$i" = "$replica" ] || field "$i" last_executed; done | sort -n | tail -1)
    rm -f "$WORK/data-$replica/status.json"
    start "$replica"
    until [ "$(field "$replica" last_executed)" -ge "$target" ] 2>/dev/null; do
      sleep 0.2
      (( $(echo "$(now) - $t1 > 120" | bc) )) && { echo "FAIL: replica $replica did not catch up to $target in 120 s"; tail -5 "$WORK/node-$replica.log"; exit 1; }
    done
    t2=$(now)
    sleep "${PAUSE:-2}"
    after=$(wc -l < "$WORK/acknowledged")
    printf 'round %d replica %d: stopped in %.2f s, caught up to %d in %.2f s; %d writes acknowledged from its stop to %s s after\n' \
      "$round" "$replica" "$(echo "$t1 - $t0" | bc)" "$target" "$(echo "$t2 - $t1" | bc)" $((after - before)) "${PAUSE:-2}"
    [ $((after - before)) -gt 0 ] || { echo "FAIL: no write acknowledged while replica $replica restarted"; exit 1; }
  done
done
kill "$LOADER" 2>/dev/null || true; wait "$LOADER" 2>/dev/null || true; EXTRA_PIDS=""

"$BIN" client put --topology "$T" --namespace rolling final done >/dev/null
wait_converged 120
missing=0
while read -r key; do
  "$BIN" client get --topology "$T" --namespace rolling "$key" --json | grep -q "\"value\":\"v${key#k}\"" || missing=$((missing + 1))
done < "$WORK/acknowledged"
[ "$missing" = 0 ] || { echo "FAIL: $missing acknowledged writes missing"; exit 1; }
# Nobody honest is accused: no quarantine and no rate penalty at any replica.
accusations=$(for i in $(seq 0 $((N - 1))); do python3 -c "
import json; d = json.load(open('$WORK/data-$i/status.json'))
print(len(d.get('quarantined', [])) + sum(d.get('rate_limited_by_peer', {}).values()))"; done | paste -sd+ | bc)
echo "rolling restart: $ROUNDS rounds of $N replicas, $(wc -l < "$WORK/acknowledged") writes acknowledged and read back, replicas converged at $(field 0 last_executed); quarantines and rate penalties against honest replicas: $accusations"
[ "$accusations" = 0 ] || exit 1
