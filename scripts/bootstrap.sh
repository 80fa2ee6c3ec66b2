#!/usr/bin/env bash
# The README's first command: install what is needed, build, and run the main job —
# `swarmbft up`, a protected local swarm with a live status (Ctrl-C stops it cleanly).
# SWARMBFT_UP_ARGS passes options to it, e.g. "--attack equivocate" or "--duration 60 --json".
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
swift build -c release --product swarmbft
bin=.build/release/swarmbft
"$bin" selfcheck
# shellcheck disable=SC2086
exec "$bin" up ${SWARMBFT_UP_ARGS:-}
