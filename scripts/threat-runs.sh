#!/usr/bin/env bash
# Issue 15, finding 8: honest swarms must not look attacked. Runs `swarmbft deploy` and
# `swarmbft up` RUNS times each for every n given (default 4, 7 and 9) on this machine and
# counts the runs whose threat level was none or low; prints one line per (command, n) and
# the findings of any run above low. Exits non-zero unless every run stayed at none or low.
#
#     scripts/threat-runs.sh [RUNS] [N ...]          # default: 20 runs, n = 4 7 9
#     BIN=path/to/swarmbft DURATION=10 scripts/threat-runs.sh 1 4 7 9   # the CI slice
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$ROOT/.build/release/swarmbft}
RUNS=${1:-20}
shift || true
SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(4 7 9)
DURATION=${DURATION:-12}
WORK=$(mktemp -d /tmp/swarmbft-threat.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
failures=0

level_of_deploy() {  # report.json -> threat level
  python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['security']['threat_level'])" "$1" 2>/dev/null || echo missing
}
level_of_up() {  # JSON lines on stdin -> the last line's threat level
  python3 -c "
import json, sys
lines = [l for l in sys.stdin.read().splitlines() if l.startswith('{')]
print(json.loads(lines[-1]).get('threat_level', 'missing') if lines else 'missing')"
}
findings_of() {  # a deploy report or a monitor directory -> a short list of findings
  python3 -c "
import json, sys, os
path = sys.argv[1]
if os.path.isdir(path):
    path = os.path.join(path, 'findings.jsonl')
    rows = [json.loads(l) for l in open(path)] if os.path.exists(path) else []
else:
    rows = json.load(open(path))['security'].get('findings', [])
for row in rows[:8]: print('   ', json.dumps(row)[:240])" "$1" 2>/dev/null || true
}

for n in "${SIZES[@]}"; do
  for command in deploy up; do
    calm=0
    for run in $(seq 1 "$RUNS"); do
      dir="$WORK/$command-$n-$run"
      if [ "$command" = deploy ]; then
        "$BIN" deploy --swarm-id "swarm-$(date +%s%3N)-t$n$run" --total-nodes "$n" --monitor-duration "$DURATION" --scan-interval 2 \
          --report-interval 60 --output-report "$dir.json" --data-dir "$dir" > "$dir.out" 2>&1 || true
        level=$(level_of_deploy "$dir.json")
        evidence="$dir.json"
      else
        level=$("$BIN" up --replicas "$n" --duration "$DURATION" --json --data-dir "$dir" 2> "$dir.err" | level_of_up)
        evidence="$dir/monitor"
      fi
      if [ "$level" = none ] || [ "$level" = low ]; then
        calm=$((calm + 1))
      else
        echo "  $command n = $n run $run: threat level $level"
        findings_of "$evidence"
      fi
      rm -rf "$dir"
    done
    echo "$command n = $n: $calm of $RUNS runs at threat level none or low"
    [ "$calm" = "$RUNS" ] || failures=$((failures + 1))
  done
done
exit $(( failures > 0 ))
