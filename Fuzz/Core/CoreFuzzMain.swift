// libFuzzer target for the PBFT core (issue 14, "a core fuzzer"): the fuzz input scripts an
// attacker holding replica 3's key and any number of client keys, against one replica in a
// scripted state, and every step is checked.
//
// Built by Fuzz/build.sh core, like the wire fuzzer: SwarmWire as its own module, this file
// and CoreFuzzCluster.swift compiled into the SwarmCore module (with SwarmMemory), so the
// checks can read the replica's internal tables.
//
// One input:
//   byte 0      which replica, in which state (CoreFuzzCluster.Scenario): a backup or the
//               primary in normal operation, a backup mid view change, a replica mid chunked
//               state transfer.
//   then steps  each a command byte and its fields: a tick (1–40 ticks), a replay of a
//               genuine message the honest cluster sent (every kind), a validly signed
//               message of any kind from replica 3 (or claiming another sender, or bound to
//               another cluster), a client REQUEST from a fresh or known identity, evidence
//               handed over as a monitor would, a request to suspect the primary.
// Fields are drawn toward the extremes around the replica's own state: 0, 1, max, max − 1,
// max/2, 2^32, the watermarks and one past them, the current view, view + maxViewsAhead
// and one past it, lastExecuted ± 1, and the genuine digests, nonces and manifests.
// Every message goes through the wire codec with the standard limits first: what the
// decoder refuses never reaches a replica.
//
// After every step (fatalError "FUZZ: …", a crash artifact, when one fails):
//   - no trap (the Swift runtime's overflow and bounds checks are the assertion);
//   - view, stable checkpoint and lastExecuted never go back; h ≤ lastExecuted;
//   - nothing executes that the honest cluster did not execute at that sequence (one
//     Byzantine key and replays cannot make a quorum): S1 at one replica;
//   - no replica but 3 is ever quarantined: an honest replica is never accused with proof;
//   - the tables stay bounded: slots inside (h, h + L], VIEW-CHANGEs per sender, pending
//     requests, checkpoint votes, the chunk fetch.

import SwarmWire

/// The honest cluster is built once, before libFuzzer starts counting allocations per
/// input (built lazily inside the first input, its tables were reported as a leak).
@_cdecl("LLVMFuzzerInitialize")
public func initializeCoreFuzz(_ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> Int32 {
    _ = CoreFuzzCluster.shared
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCore(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    var input = FuzzInput(Array(UnsafeBufferPointer(start: data, count: size)))
    let cluster = CoreFuzzCluster.shared
    let scenario = CoreFuzzCluster.Scenario.allCases[Int(input.byte()) % CoreFuzzCluster.Scenario.allCases.count]
    var run = CoreFuzzRun(cluster: cluster, replica: cluster.start(scenario))
    var steps = 0
    while !input.isEmpty, steps < 64 {
        run.step(&input)
        run.check(after: steps)
        steps += 1
    }
    return 0
}
