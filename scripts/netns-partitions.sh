#!/usr/bin/env bash
# ACCEPTANCE 12 [NETNS]: four replicas in four network namespaces with their own
# addresses (198.18.0.0/15, reserved for test beds) on a bridge, a client in a fifth;
# then isolate the primary, split 2/2 and 3/1, drop one direction, and heal. After each
# cut: the side without a quorum executes nothing and no two replicas diverge; after each
# heal, commits resume and every replica converges to the same state digest.
#
#     scripts/netns-partitions.sh [path/to/swarmbft]
#
# Needs root with `ip netns` and iptables; where namespaces are not permitted it says so
# and exits 77 (skipped), never 0.
set -euo pipefail

BIN=${1:-$(cd "$(dirname "$0")/.." && pwd)/.build/release/swarmbft}
[ -x "$BIN" ] || { echo "netns: $BIN is not built" >&2; exit 2; }
PREFIX=sbft$$
HUB=${PREFIX}h
WORK=$(mktemp -d /tmp/swarmbft-netns.XXXXXX)
PIDS=()

skip() { echo "SKIP netns partitions: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "not root"
command -v ip >/dev/null && command -v iptables >/dev/null || skip "iproute2 or iptables missing"
ip netns add "${PREFIX}probe" 2>/dev/null || skip "ip netns add is not permitted here"
ip netns del "${PREFIX}probe"

cleanup() {
  for pid in "${PIDS[@]:-}"; do [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null || true; done
  sleep 0.5
  for pid in "${PIDS[@]:-}"; do [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  for ns in $(ip netns list | awk '{print $1}' | grep "^${PREFIX}" || true); do ip netns del "$ns" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

addr() { echo "198.18.0.$((10 + $1))"; }
CLIENT_ADDR=198.18.0.100

# The bridge lives in its own namespace so the host's network is never touched.
ip netns add "$HUB"
ip -n "$HUB" link add br0 type bridge
ip -n "$HUB" link set br0 up
attach() { # namespace address
  local ns=$1 address=$2 name
  name=v$(( RANDOM % 10000 ))$(( RANDOM % 1000 ))
  ip netns add "$ns"
  ip link add "${name}a" type veth peer name "${name}b"
  ip link set "${name}a" netns "$HUB"
  ip link set "${name}b" netns "$ns"
  ip -n "$HUB" link set "${name}a" master br0 up
  ip -n "$ns" link set lo up
  ip -n "$ns" link set "${name}b" name eth0
  ip -n "$ns" addr add "$address/24" dev eth0
  ip -n "$ns" link set eth0 up
}
for i in 0 1 2 3; do attach "${PREFIX}r$i" "$(addr $i)"; done
attach "${PREFIX}c" "$CLIENT_ADDR"
ip netns exec "${PREFIX}c" ping -c 1 -W 2 "$(addr 0)" >/dev/null || { echo "netns: bridge does not forward" >&2; exit 1; }

"$BIN" topology init --replicas 4 --out "$WORK" --base-port 7100 >/dev/null
for i in 0 1 2 3; do
  # topology init writes one host per replica entry, in id order.
  awk -v n="$i" -v a="$(addr $i)" 'BEGIN{c=-1} /^- id:/{c++} { if (c==n && $1=="host:") { sub(/host: .*/, "host: " a) } print }' "$WORK/topology.yaml" > "$WORK/t.yaml" && mv "$WORK/t.yaml" "$WORK/topology.yaml"
done
# Short timeouts so a drill takes seconds: 100 ticks of 10 ms.
sed -i 's/request_ticks: .*/request_ticks: 100/; s/view_change_ticks: 300/view_change_ticks: 100/; s/max_view_change_ticks: .*/max_view_change_ticks: 800/' "$WORK/topology.yaml"
"$BIN" topology check --topology "$WORK/topology.yaml"

for i in 0 1 2 3; do
  ip netns exec "${PREFIX}r$i" "$BIN" node --topology "$WORK/topology.yaml" --replica "$i" --data-dir "$WORK/data-$i" --log-level warning > "$WORK/node-$i.log" 2>&1 &
  PIDS+=($!)
done

load() { # count timeout_ms -> exit status of the client
  ip netns exec "${PREFIX}c" "$BIN" client load --topology "$WORK/topology.yaml" --namespace "drill" --requests "$1" --timeout-ms "$2" >/dev/null 2>&1
}
executed() { python3 -c "import json;print(json.load(open('$WORK/data-$1/status.json'))['last_executed'])" 2>/dev/null || echo -1; }
digest() { python3 -c "import json;print(json.load(open('$WORK/data-$1/status.json'))['state_digest'])" 2>/dev/null || echo none; }
converged() {
  local deadline=$(( $(date +%s) + ${1:-40} ))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    local states
    states=$(for i in 0 1 2 3; do echo "$(executed $i)/$(digest $i)"; done | sort -u | wc -l)
    [ "$states" = 1 ] && return 0
    sleep 0.5
  done
  for i in 0 1 2 3; do echo "  replica $i: $(executed $i) $(digest $i)"; done
  return 1
}
cut_between() { # groupA groupB (replica indices, comma-separated); drops both ways
  for a in ${1//,/ }; do for b in ${2//,/ }; do
    ip netns exec "${PREFIX}r$a" iptables -A INPUT -s "$(addr $b)" -j DROP
    ip netns exec "${PREFIX}r$b" iptables -A INPUT -s "$(addr $a)" -j DROP
  done; done
}
heal() { for i in 0 1 2 3; do ip netns exec "${PREFIX}r$i" iptables -F; done; }
fail() { echo "FAIL: $*"; for i in 0 1 2 3; do echo "--- node $i"; tail -5 "$WORK/node-$i.log"; done; exit 1; }
step() { echo "== $*"; }

sleep 1
step "baseline: 50 requests"
load 50 20000 || fail "baseline load"
converged || fail "baseline did not converge"

step "isolate the primary (replica 0): the other three elect a new view and keep committing"
cut_between 0 1,2,3
load 20 30000 || fail "no commits with the primary isolated"
heal
load 5 30000 || fail "no commits after healing"
converged || fail "did not converge after isolating the primary"

step "split 2/2: no side has a quorum (q = 3), nothing executes"
before=$(for i in 0 1 2 3; do executed $i; done | sort -n | tail -1)
cut_between 0,1 2,3
if load 3 4000; then fail "a 2/2 split committed a request"; fi
after=$(for i in 0 1 2 3; do executed $i; done | sort -n | tail -1)
[ "$before" = "$after" ] || fail "a replica executed during the 2/2 split ($before -> $after)"
heal
load 5 40000 || fail "no commits after healing the 2/2 split"
converged || fail "did not converge after the 2/2 split"

step "split 3/1: the majority commits, the isolated replica executes nothing"
lonely=3
before=$(executed $lonely)
cut_between 0,1,2 $lonely
load 20 30000 || fail "the majority did not commit"
[ "$(executed $lonely)" = "$before" ] || fail "the isolated replica executed during the split"
heal
load 5 30000 || fail "no commits after healing the 3/1 split"
converged || fail "did not converge after the 3/1 split"

step "drop one direction: replica 1 cannot send to the others, but hears them"
for b in 0 2 3; do ip netns exec "${PREFIX}r1" iptables -A OUTPUT -d "$(addr $b)" -j DROP; done
load 20 30000 || fail "no commits with a one-way drop"
heal
load 5 30000 || fail "no commits after healing the one-way drop"
converged || fail "did not converge after the one-way drop"

step "5 % random loss on every link (iptables statistic)"
for i in 0 1 2 3; do ip netns exec "${PREFIX}r$i" iptables -A INPUT -m statistic --mode random --probability 0.05 -j DROP; done
load 30 60000 || fail "no commits under 5 % loss"
heal
converged || fail "did not converge after loss"

echo "netns partitions: passed (final sequence $(executed 0))"
