#!/usr/bin/env bash
# Builds the wire-decoder fuzzer (default) or regenerates the seed corpus, with swiftc
# directly: not through SwiftPM, so it never takes the .build lock and never touches .build.
#
#     Fuzz/build.sh            # Fuzz/bin/wire-decoder-fuzzer (libFuzzer + AddressSanitizer)
#     Fuzz/build.sh core       # Fuzz/bin/core-fuzzer: the PBFT core under a Byzantine replica
#     Fuzz/build.sh node       # Fuzz/bin/node-fuzzer: a replica's receive path, any frame shape
#     Fuzz/build.sh corpus     # rebuilds Fuzz/corpus/wire/ with Fuzz/WireDecoder/MakeCorpus.swift
#
# Two modules: SwarmWire (Sources/SwarmWire) on its own, as in Package.swift, then SwarmCore
# (Sources/SwarmCore, which only depends on SwarmWire) with the swarm memory
# (Sources/SwarmMemory: a module of its own in the package, compiled in here, so its
# `import SwarmCore` is the module being built) and the harness, so the harness sees
# SwarmWire through its public API only and can reach SwarmCore's internal ReplicaSnapshot. Same language settings as the package: Swift 6 mode, ExistentialAny.
# Outputs go to Fuzz/bin/ (gitignored). Rebuilds only when a source is newer than the output.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN="$ROOT/Fuzz/bin"
MODE=${1:-fuzzer}

WIRE_SOURCES=("$ROOT"/Sources/SwarmWire/*.swift)
CORE_SOURCES=("$ROOT"/Sources/SwarmCore/*.swift "$ROOT"/Sources/SwarmMemory/*.swift)
SWIFT_FLAGS=(-swift-version 6 -enable-upcoming-feature ExistentialAny -parse-as-library -O -wmo)

# build_wire_module DIR EXTRA-FLAGS... : SwarmWire.o and SwarmWire.swiftmodule in DIR.
build_wire_module() {
    local dir=$1; shift
    mkdir -p "$dir"
    swiftc "${SWIFT_FLAGS[@]}" "$@" -module-name SwarmWire \
        -emit-module -emit-module-path "$dir/SwarmWire.swiftmodule" \
        -c -o "$dir/SwarmWire.o" "${WIRE_SOURCES[@]}"
}

# up_to_date OUTPUT INPUTS... : OUTPUT exists, was built from exactly these inputs (a file
# added to or removed from Sources/ forces a rebuild) and is newer than every one of them.
up_to_date() {
    local output=$1; shift
    [[ -e "$output" && -e "$output.inputs" ]] || return 1
    [[ "$(printf '%s\n' "$@")" == "$(cat "$output.inputs")" ]] || return 1
    local input
    for input in "$@"; do
        [[ "$input" -nt "$output" ]] && return 1
    done
    return 0
}

# build_fuzzer OUTPUT HARNESS... : a libFuzzer + AddressSanitizer binary of the SwarmCore
# module (with the swarm memory) and the harness files, against SwarmWire.
build_fuzzer() {
    local out=$1; shift
    if up_to_date "$out" "${WIRE_SOURCES[@]}" "${CORE_SOURCES[@]}" "$@" "${BASH_SOURCE[0]}"; then
        echo "build.sh: $out is up to date"
        return 0
    fi
    local sanitize=(-sanitize=fuzzer,address)
    build_wire_module "$BIN/fuzz-modules" "${sanitize[@]}"
    swiftc "${SWIFT_FLAGS[@]}" "${sanitize[@]}" -module-name SwarmCore -I "$BIN/fuzz-modules" \
        "${CORE_SOURCES[@]}" "$@" "$BIN/fuzz-modules/SwarmWire.o" -use-ld=lld -o "$out"
    printf '%s\n' "${WIRE_SOURCES[@]}" "${CORE_SOURCES[@]}" "$@" "${BASH_SOURCE[0]}" >"$out.inputs"
    echo "build.sh: built $out"
}

case "$MODE" in
fuzzer)
    build_fuzzer "$BIN/wire-decoder-fuzzer" "$ROOT/Fuzz/WireDecoder/FuzzMain.swift"
    ;;
core)
    build_fuzzer "$BIN/core-fuzzer" "$ROOT"/Fuzz/Core/*.swift
    ;;
node)
    build_fuzzer "$BIN/node-fuzzer" "$ROOT"/Fuzz/Core/CoreFuzzCluster.swift "$ROOT"/Fuzz/Core/CoreFuzzRun.swift "$ROOT"/Fuzz/Node/*.swift
    ;;
corpus)
    OUT="$BIN/make-corpus"
    MAKER="$ROOT/Fuzz/WireDecoder/MakeCorpus.swift"
    if ! up_to_date "$OUT" "${WIRE_SOURCES[@]}" "${CORE_SOURCES[@]}" "$MAKER" "${BASH_SOURCE[0]}"; then
        build_wire_module "$BIN/corpus-modules"
        swiftc "${SWIFT_FLAGS[@]}" -module-name SwarmCore -I "$BIN/corpus-modules" \
            "${CORE_SOURCES[@]}" "$MAKER" "$BIN/corpus-modules/SwarmWire.o" -use-ld=lld -o "$OUT"
        printf '%s\n' "${WIRE_SOURCES[@]}" "${CORE_SOURCES[@]}" "$MAKER" "${BASH_SOURCE[0]}" >"$OUT.inputs"
    fi
    CORPUS="$ROOT/Fuzz/corpus/wire"
    mkdir -p "$CORPUS"
    find "$CORPUS" -maxdepth 1 -type f -delete
    "$OUT" "$CORPUS"
    ;;
*)
    echo "usage: $0 [fuzzer|core|node|corpus]" >&2
    exit 2
    ;;
esac
