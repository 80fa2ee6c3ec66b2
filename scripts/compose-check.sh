#!/usr/bin/env bash
# The docker compose examples, checked without a Docker engine: the compose JSON schema
# (check-jsonschema, vendor.compose-spec), SwarmBFT's semantic check against each
# topology, freshness (a regenerated file must equal the committed one), negative
# controls (broken copies that the semantic check MUST refuse), and the healthcheck
# (`swarmbft health`) against a live node and broken status files.
#
#     scripts/compose-check.sh [path/to/swarmbft]
set -uo pipefail
. "$(dirname "$0")/lib/free-port.sh"
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${1:-$ROOT/.build/release/swarmbft}
[ -x "$BIN" ] || { echo "compose-check: no swarmbft binary at $BIN (build it, or pass its path)" >&2; exit 2; }
if ! command -v check-jsonschema >/dev/null 2>&1; then
  python3 -m pip install -q --disable-pip-version-check check-jsonschema 2>&1 | grep -v "Running pip as the 'root' user" || true
fi
command -v check-jsonschema >/dev/null 2>&1 || { echo "compose-check: check-jsonschema is not installed and pip could not install it" >&2; exit 2; }

WORK=$(mktemp -d /tmp/swarmbft-compose.XXXXXX)
node=""
trap '[ -n "$node" ] && kill -TERM "$node" 2>/dev/null; rm -rf "$WORK"' EXIT
passed=0
failed=0
pass() { passed=$((passed + 1)); echo "ok   $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1"; }
# expect_ok NAME COMMAND...: the command must exit 0.
expect_ok() { local name=$1; shift; if "$@" > "$WORK/out" 2>&1; then pass "$name"; else fail "$name"; sed 's/^/     /' "$WORK/out"; fi; }
# expect_refused NAME PATTERN COMMAND...: must exit non-zero and print PATTERN (the element named).
expect_refused() {
  local name=$1 pattern=$2; shift 2
  if "$@" > "$WORK/out" 2>&1; then fail "$name: the broken file PASSED the check"
  elif grep -qF -- "$pattern" "$WORK/out"; then pass "$name"
  else fail "$name: refused, but without naming '$pattern'"; sed 's/^/     /' "$WORK/out"; fi
}
# broken NAME FROM TO: a copy of the 4-replica example with the first FROM replaced by TO.
broken() {
  python3 - "$ROOT/docker/examples/4-replicas/compose.yaml" "$WORK/$1.yaml" "$2" "$3" <<'PY'
import sys
source, target, old, new = sys.argv[1:5]
text = open(source).read()
if old not in text:
    sys.exit(f"negative control: '{old}' is not in {source}; update scripts/compose-check.sh")
open(target, "w").write(text.replace(old, new, 1))
PY
}

for n in 4 9; do
  example="$ROOT/docker/examples/$n-replicas/compose.yaml"
  topology="$ROOT/topology/$n-replicas/topology.yaml"
  expect_ok "$n replicas: compose-spec schema" check-jsonschema --builtin-schema vendor.compose-spec "$example"
  expect_ok "$n replicas: semantic check" "$BIN" topology compose-check --compose "$example" --topology "$topology"
  # Regenerate at the same depth (paths in the file are relative to it), then compare.
  mkdir -p "$WORK/fresh/topology" "$WORK/fresh/docker/examples/$n-replicas"
  cp -r "$ROOT/topology/$n-replicas" "$WORK/fresh/topology/"
  if "$BIN" topology compose --topology "$WORK/fresh/topology/$n-replicas/topology.yaml" --out "$WORK/fresh/docker/examples/$n-replicas/compose.yaml" > "$WORK/out" 2>&1 \
     && diff -u "$example" "$WORK/fresh/docker/examples/$n-replicas/compose.yaml" > "$WORK/diff"; then
    pass "$n replicas: committed example is fresh"
  else
    fail "$n replicas: committed example is stale (regenerate: swarmbft topology compose --topology topology/$n-replicas/topology.yaml --out docker/examples/$n-replicas/compose.yaml)"
    cat "$WORK/out"; head -40 "$WORK/diff"
  fi
done

# Negative controls: each broken copy must be refused with the element named.
topology4="$ROOT/topology/4-replicas/topology.yaml"
check() { "$BIN" topology compose-check --compose "$WORK/$1.yaml" --topology "$topology4"; }
broken missing-secret '  replica-2-secret:' '  replica-two-secret:' \
  && expect_refused "negative control: missing secret" "secret 'replica-2-secret' is not defined" check missing-secret || fail "negative control: missing secret (could not plant)"
broken unknown-network '      monitor-bus:
        aliases: ["bus-replica-1"]' '      backplane:
        aliases: ["bus-replica-1"]' \
  && expect_refused "negative control: unknown network" "network 'backplane' is not defined" check unknown-network || fail "negative control: unknown network (could not plant)"
broken wrong-port 'expose: ["7101", "7201", "7301"]' 'expose: ["7101", "7299", "7301"]' \
  && expect_refused "negative control: wrong port" "expose lacks router_port 7201" check wrong-port || fail "negative control: wrong port (could not plant)"
broken published-port '      - "7401:7401"' '      - "7201:7201"' \
  && expect_refused "negative control: a non-event port published" "port '7201:7201' is published" check published-port || fail "negative control: published port (could not plant)"
# And the schema check is not vacuous: a misspelt service key must fail it.
if broken schema-typo '    hostname: replica-0' '    hostnme: replica-0'; then
  if check-jsonschema --builtin-schema vendor.compose-spec "$WORK/schema-typo.yaml" > "$WORK/out" 2>&1; then
    fail "negative control: the schema accepted a misspelt key"
  elif grep -q "hostnme" "$WORK/out"; then pass "negative control: the schema refuses a misspelt key"
  else fail "negative control: the schema refused the typo without naming it"; cat "$WORK/out"; fi
else
  fail "negative control: schema typo (could not plant)"
fi

# The healthcheck itself: healthy beside a live node, unhealthy (with the reason) when
# the status file is missing, malformed or stale.
"$BIN" topology init --replicas 4 --out "$WORK/group" --base-port "$(free_base_port)" > /dev/null
"$BIN" node --topology "$WORK/group/topology.yaml" --replica 0 --data-dir "$WORK/group/data-0" --log-level warning > "$WORK/group/node.log" 2>&1 &
node=$!
for _ in $(seq 50); do [ -f "$WORK/group/data-0/status.json" ] && break; sleep 0.1; done
expect_ok "health: a live node is healthy" "$BIN" health --data-dir "$WORK/group/data-0"
kill -TERM "$node" 2>/dev/null; wait "$node" 2>/dev/null; node=""
touch -d '-30 seconds' "$WORK/group/data-0/status.json"
expect_refused "health: a stopped node goes stale" "is stale by" "$BIN" health --data-dir "$WORK/group/data-0"
expect_refused "health: no status file" "is missing" "$BIN" health --data-dir "$WORK/group/nowhere"
echo '{"replica": 0}' > "$WORK/group/data-0/status.json"
expect_refused "health: a malformed status file" "is malformed" "$BIN" health --data-dir "$WORK/group/data-0"

echo "compose check: ${passed} passed, ${failed} failed"
[ "$failed" = 0 ]
