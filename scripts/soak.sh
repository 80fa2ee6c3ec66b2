#!/usr/bin/env bash
# ACCEPTANCE 18 from the command line: SECONDS (default 3600) of random perturbations on a
# 4-replica loopback group with a monitor, under steady client load over a bounded key set.
# Every PERIOD seconds (default 20) one perturbation, never more than one replica (f) out
# at a time: kill -9 and restart, SIGTERM and restart, SIGSTOP for 5 s, or replica 3 for
# 10 s as a flooder (restarted with --misbehave flood, then honest again and released by an
# ordered `swarmbft admin release`). Every 60 s it samples,
# per process, resident memory, open file descriptors and the data directory's size, and
# prints one line. At the end: every acknowledged write of the last minute reads back, the
# replicas converge, and the growth from the first sample after warm-up to the last must
# stay within 64 MiB of memory and 16 descriptors per process, and the data directories
# within 4 × their first size plus 64 MiB (checkpoint garbage collection bounds the logs).
#
#     scripts/soak.sh [SECONDS] [path/to/swarmbft]       # PERIOD=20 KEYS=1000
set -euo pipefail
DURATION=${1:-3600}
BIN=${2:-$(cd "$(dirname "$0")/.." && pwd)/.build/release/swarmbft}
PERIOD=${PERIOD:-20}
KEYS=${KEYS:-1000}
. "$(dirname "$0")/lib/cluster.sh"
cluster_init 4 soak test
rss() { awk '/^VmRSS:/ { printf "%d", $2 / 1024 }' "/proc/$1/status" 2>/dev/null || echo 0; }
fds() { ls "/proc/$1/fd" 2>/dev/null | wc -l; }
size() { du -sm "$1" 2>/dev/null | cut -f1; }
for i in 0 1 2 3; do start "$i"; done
"$BIN" monitor --topology "$T" --data-dir "$WORK/monitor" >> "$WORK/monitor.log" 2>&1 &
MONITOR=$!
EXTRA_PIDS=$MONITOR
sleep 2
# Steady load over KEYS keys: the state stays bounded, so only leaks make anything grow.
(
  index=0
  while :; do
    key="k$((index % KEYS))"
    if "$BIN" client put --topology "$T" --namespace soak "$key" "v$index" >/dev/null 2>&1; then echo "$key v$index" >> "$WORK/acknowledged"; fi
    index=$((index + 1))
  done
) &
LOADER=$!
EXTRA_PIDS="$MONITOR $LOADER"

sample() {
  local line="t=$(( SECONDS - began ))s"
  for i in 0 1 2 3; do line+=" r$i $(rss "${PIDS[$i]}")MiB/$(fds "${PIDS[$i]}")fd/$(size "$WORK/data-$i")MB"; done
  line+=" monitor $(rss "$MONITOR")MiB/$(fds "$MONITOR")fd/$(size "$WORK/monitor")MB acked $(wc -l < "$WORK/acknowledged" 2>/dev/null || echo 0)"
  echo "$line" | tee -a "$WORK/samples"
}
perturb() {
  local victim=$(( RANDOM % 4 )) kind=$(( RANDOM % 4 ))
  case $kind in
    0) kill -9 "${PIDS[$victim]}"; wait "${PIDS[$victim]}" 2>/dev/null || true; sleep 2; start "$victim"; echo "  kill -9 replica $victim" ;;
    1) kill -TERM "${PIDS[$victim]}"; wait "${PIDS[$victim]}" 2>/dev/null || true; start "$victim"; echo "  SIGTERM replica $victim" ;;
    2) kill -STOP "${PIDS[$victim]}"; sleep 5; kill -CONT "${PIDS[$victim]}"; echo "  SIGSTOP 5 s replica $victim" ;;
    # Replica 3 only: at most f = 1 Byzantine at a time. Its flood equivocates, so the
    # others quarantine it on proof; once it runs honest again an admin releases it
    # (an ordered release, at every replica).
    3) victim=3
       kill -TERM "${PIDS[$victim]}"; wait "${PIDS[$victim]}" 2>/dev/null || true; start "$victim" flood; sleep 10
       kill -TERM "${PIDS[$victim]}"; wait "${PIDS[$victim]}" 2>/dev/null || true; start "$victim"
       "$BIN" admin release --replica "$victim" --topology "$T" >/dev/null 2>&1 || true
       echo "  replica $victim flooded 10 s, then released" ;;
  esac
}

began=$SECONDS
next_sample=$SECONDS
warm=""
while (( SECONDS - began < DURATION )); do
  if (( SECONDS >= next_sample )); then
    sample
    next_sample=$(( SECONDS + 60 ))
    # The baseline: the first sample after two minutes (the state filled, caches warm).
    if [ -z "$warm" ] && (( SECONDS - began >= 120 )); then warm=$(tail -1 "$WORK/samples"); fi
  fi
  perturb >> "$WORK/perturbations"
  sleep "$PERIOD"
done
sample
kill "$LOADER" 2>/dev/null || true; wait "$LOADER" 2>/dev/null || true; EXTRA_PIDS=$MONITOR
echo "perturbations: $(wc -l < "$WORK/perturbations") ($(grep -c kill "$WORK/perturbations" || true) kill -9, $(grep -c SIGTERM "$WORK/perturbations" || true) SIGTERM, $(grep -c SIGSTOP "$WORK/perturbations" || true) SIGSTOP, $(grep -c flooded "$WORK/perturbations" || true) floods)"

"$BIN" client put --topology "$T" --namespace soak final done >/dev/null
wait_converged 120
# The last acknowledged value of each key of the final stretch reads back.
missing=0
tail -200 "$WORK/acknowledged" | awk '{ last[$1] = $2 } END { for (k in last) print k, last[k] }' | while read -r key value; do
  "$BIN" client get --topology "$T" --namespace soak "$key" --json | grep -q "\"value\":\"$value\"" || { echo "FAIL: $key should read $value"; exit 1; }
done
python3 - "$warm" "$(tail -1 "$WORK/samples")" <<'EOF'
import re, sys
def parse(line):
    return {name: (int(m), int(f), int(d)) for name, m, f, d in re.findall(r"(r\d|monitor) (\d+)MiB/(\d+)fd/(\d+)MB", line)}
first, last = parse(sys.argv[1] or sys.argv[2]), parse(sys.argv[2])
bad = []
for name in first:
    (m0, f0, d0), (m1, f1, d1) = first[name], last[name]
    print(f"{name}: memory {m0} -> {m1} MiB, descriptors {f0} -> {f1}, data {d0} -> {d1} MB")
    if m1 - m0 > 64: bad.append(f"{name} memory grew {m1 - m0} MiB")
    if f1 - f0 > 16: bad.append(f"{name} descriptors grew {f1 - f0}")
    if d1 > 4 * d0 + 64: bad.append(f"{name} data grew from {d0} to {d1} MB")
if bad: print("FAIL: " + "; ".join(bad)); sys.exit(1)
print("soak: flat")
EOF
