# Shared by the scripts that run a loopback replica group from the command line: source it
# after setting BIN. `cluster_init N NAME [test]` makes $WORK (/tmp/swarmbft-NAME.*) with a
# topology $T of N replicas on random ports (test_mode on with `test`), and a cleanup trap
# that kills $PIDS, $EXTRA_PIDS and removes $WORK (kept with KEEP=1).
. "$(dirname "${BASH_SOURCE[0]}")/free-port.sh"
declare -A PIDS
EXTRA_PIDS=""

cluster_cleanup() {
  for pid in "${PIDS[@]}" $EXTRA_PIDS; do kill -CONT "$pid" 2>/dev/null || true; kill -9 "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ "${KEEP:-0}" = 1 ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}

cluster_init() {
  N=$1
  WORK=$(mktemp -d "/tmp/swarmbft-$2.XXXXXX")
  trap cluster_cleanup EXIT
  "$BIN" topology init --replicas "$N" --out "$WORK" --base-port "$(free_base_port)" >/dev/null
  T="$WORK/topology.yaml"
  if [ "${3:-}" = test ]; then sed -i 's/^test_mode: false/test_mode: true/' "$T"; fi
}

# start REPLICA [MISBEHAVIOUR]
start() { "$BIN" node --topology "$T" --replica "$1" --data-dir "$WORK/data-$1" --log-level warning ${2:+--misbehave "$2"} >> "$WORK/node-$1.log" 2>&1 & PIDS[$1]=$!; }

# field REPLICA KEY: a top-level field of the replica's status.json (0 when unreadable).
field() { python3 -c "import json;print(json.load(open('$WORK/data-$1/status.json'))['$2'])" 2>/dev/null || echo 0; }

# wait_converged [SECONDS]: every replica reports the same last executed sequence and state digest.
wait_converged() {
  local started=$SECONDS states
  while :; do
    states=$(for i in $(seq 0 $((N - 1))); do python3 -c "import json;d=json.load(open('$WORK/data-$i/status.json'));print(d['last_executed'],d['state_digest'])" 2>/dev/null || echo "missing-$i"; done | sort -u | wc -l)
    [ "$states" = 1 ] && return 0
    (( SECONDS - started < ${1:-120} )) || { echo "FAIL: replicas did not converge"; for i in $(seq 0 $((N - 1))); do echo "replica $i: $(field "$i" last_executed)"; tail -3 "$WORK/node-$i.log"; done; exit 1; }
    sleep 0.5
  done
}
