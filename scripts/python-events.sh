#!/usr/bin/env bash
# A Python subscriber (examples/python-events) written from docs/wire-protocol.md follows
# the security event stream: it catches up from sequence 0 while events are still being
# published live, and must receive every event once, in order, well formed.
#
#     scripts/python-events.sh [path/to/swarmbft]
set -euo pipefail
. "$(dirname "$0")/lib/free-port.sh"
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${1:-$ROOT/.build/release/swarmbft}
python3 -m pip install --quiet --disable-pip-version-check -r "$ROOT/examples/python-events/requirements.txt" 2>&1 | grep -v "Running pip as the 'root' user" || true
WORK=$(mktemp -d /tmp/swarmbft-python-events.XXXXXX)
PIDS=()
cleanup() { for pid in "${PIDS[@]:-}"; do kill -TERM "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
"$BIN" topology init --replicas 4 --out "$WORK" --base-port "$(free_base_port)" --test-mode >/dev/null
"$BIN" events emit --topology "$WORK/topology.yaml" --data-dir "$WORK/emitter" --count 3000 --rate 1000 --linger 60 > "$WORK/emit.log" 2>&1 &
PIDS+=($!)
sleep 1
python3 "$ROOT/examples/python-events/subscriber.py" --topology "$WORK/topology.yaml" --key "$WORK/keys/client-0.key_secret" --from 0 --count 3000 --timeout 60
