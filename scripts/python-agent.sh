#!/usr/bin/env bash
# The Python agent (examples/python-agent) against a real 4-replica mesh on loopback:
# checks its encoder against the documented test vectors, then puts and gets through
# the replicas, accepting only q matching signed replies.
#
#     scripts/python-agent.sh [path/to/swarmbft]
set -euo pipefail
. "$(dirname "$0")/lib/free-port.sh"
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${1:-$ROOT/.build/release/swarmbft}
python3 -m pip install --quiet --disable-pip-version-check -r "$ROOT/examples/python-agent/requirements.txt" 2>&1 | grep -v "Running pip as the 'root' user" || true
python3 "$ROOT/examples/python-agent/test_vectors.py"
WORK=$(mktemp -d /tmp/swarmbft-python.XXXXXX)
PIDS=()
cleanup() { for pid in "${PIDS[@]:-}"; do kill -TERM "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
"$BIN" topology init --replicas 4 --out "$WORK" --base-port "$(free_base_port)" >/dev/null
for i in 0 1 2 3; do
  "$BIN" node --topology "$WORK/topology.yaml" --replica "$i" --data-dir "$WORK/data-$i" --log-level warning > "$WORK/node-$i.log" 2>&1 &
  PIDS+=($!)
done
python3 "$ROOT/examples/python-agent/agent.py" --topology "$WORK/topology.yaml" --key "$WORK/keys/client-0.key_secret"
