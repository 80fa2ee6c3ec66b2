#!/usr/bin/env bash
# The README's test command, and what CI runs: installs what is needed, builds in
# release mode (the simulator sweeps are CPU-bound), runs every test, then replays the
# fuzzing corpora and fuzzes the wire decoder and the PBFT core for 60 seconds each.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
started=$(date +%s)
# The formatter that ships with the toolchain, with the project's configuration
# (.swift-format: 4 spaces, 180 columns): any difference fails CI. `swift format format
# -i -r Sources Tests Package.swift` fixes it.
swift format lint --strict --configuration .swift-format -r Sources Tests Package.swift
echo "format: clean"
# -enable-testing: some test targets use @testable imports, which release mode omits.
swift build -c release --build-tests -Xswiftc -enable-testing
# PIPESTATUS is read right after the pipeline: an `|| true` after it would replace it (and,
# with pipefail, hide every failing test).
set +e
swift test -c release -Xswiftc -enable-testing --skip-build --parallel 2>&1 | tee /tmp/swarmbft-test.log | grep -vE '^(✔ Test|◇ Test|Test Case|Test Suite)'
status=${PIPESTATUS[0]}
set -e
tail -n 3 /tmp/swarmbft-test.log
if [ "$status" -ne 0 ]; then
  grep -E '✘|error:' /tmp/swarmbft-test.log | head -50
  exit "$status"
fi
# The Python agent, written from docs/wire-protocol.md alone, against a live mesh.
bash scripts/python-agent.sh "$(swift build -c release --show-bin-path)/swarmbft"
# A Python subscriber, also written from the docs, follows the security event stream.
bash scripts/python-events.sh "$(swift build -c release --show-bin-path)/swarmbft"
# The docker compose examples: compose-spec schema, semantic check, freshness, negative controls.
set +e
bash scripts/compose-check.sh "$(swift build -c release --show-bin-path)/swarmbft"
compose=$?
set -e
if [ "$compose" != 0 ]; then echo "compose check: FAILED"; exit "$compose"; fi
# ACCEPTANCE 12: partitions in network namespaces (skipped, and said so, where not permitted).
if [ "${SWARMBFT_SKIP_NETNS:-0}" != 1 ]; then
  SWARMBFT_WITH_NETNS=1 bash scripts/install-deps.sh || true
  set +e
  bash scripts/netns-partitions.sh "$(swift build -c release --show-bin-path)/swarmbft"
  netns=$?
  set -e
  if [ "$netns" = 77 ]; then echo "netns partitions: SKIPPED (see the line above)";
  elif [ "$netns" != 0 ]; then echo "netns partitions: FAILED"; exit "$netns"; fi
fi
if [ -x Fuzz/replay.sh ] && [ "${SWARMBFT_SKIP_FUZZ:-0}" != 1 ]; then
  bash Fuzz/replay.sh
  bash Fuzz/run.sh "${SWARMBFT_FUZZ_SECONDS:-60}" wire
  bash Fuzz/run.sh "${SWARMBFT_FUZZ_SECONDS:-60}" core
  bash Fuzz/run.sh "${SWARMBFT_FUZZ_SECONDS:-60}" node
fi
echo "tests finished in $(( $(date +%s) - started )) s"
# A plain closing line for CI: the Swift Testing totals of this run.
total=$(grep -oE 'Test run with [0-9]+ tests' /tmp/swarmbft-test.log | tail -1 | grep -oE '[0-9]+' | head -1 || echo 0)
failed=$(grep -cE '^✘ Test .* failed' /tmp/swarmbft-test.log || true)
echo "tests: $(( total - failed )) passed, ${failed} failed"
