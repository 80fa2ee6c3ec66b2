#!/usr/bin/env bash
# The README's first command: install what is needed, build, and run the main job.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
swift build -c release --product swarmbft
bin=.build/release/swarmbft
"$bin" selfcheck
keys=$(mktemp -d /tmp/swarmbft-keys.XXXXXX)
"$bin" keygen --name replica-0 --out "$keys"
echo
echo "A short simulator sweep of the PBFT core (n = 4, 200 seeds with faults):"
"$bin" simulate --replicas 4 --seeds 200
