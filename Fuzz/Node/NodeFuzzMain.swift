// libFuzzer target for a replica's receive path (issue 15, "a libFuzzer harness that
// drives a node's receive path"): multipart messages of any shape, on any of the sockets a
// node reads (a peer's SUB, the ROUTER from a replica's, a client's, an unknown or no
// connection), through what the node does with them — the gate (`InboundGate`: frame
// shape, decode under the wire limits, which connection may carry what), the rate limit
// charged to the carrying replica (`PeerRateLimiter`), the control path's evidence
// decode, and the core (signature checks, protocol) — with every check of the core
// fuzzer after every step (CoreFuzzMain.swift): no trap, nothing executed the honest
// cluster did not, no honest replica quarantined, every table bounded.
//
// Built by Fuzz/build.sh node. One input: byte 0 picks the scenario (as the core fuzzer),
// then steps: a command byte, the socket, the frame count (0–5) and each frame — a genuine
// message of the honest cluster, one crafted by Byzantine replica 3 (any kind, extreme
// fields), a client REQUEST from a known or fresh identity, STATUS, CONTROL, EVIDENCE,
// random bytes, or nothing.

import SwarmWire

@_cdecl("LLVMFuzzerInitialize")
public func initializeNodeFuzz(_ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> Int32 {
    _ = CoreFuzzCluster.shared
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNode(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    var input = FuzzInput(Array(UnsafeBufferPointer(start: data, count: size)))
    let cluster = CoreFuzzCluster.shared
    let scenario = CoreFuzzCluster.Scenario.allCases[Int(input.byte()) % CoreFuzzCluster.Scenario.allCases.count]
    var node = NodeFuzzRun(run: CoreFuzzRun(cluster: cluster, replica: cluster.start(scenario)))
    var steps = 0
    while !input.isEmpty, steps < 64 {
        node.step(&input)
        node.run.check(after: steps)
        steps += 1
    }
    return 0
}

/// The node around the fuzzed replica: its gate, its rate limiter and its clock.
struct NodeFuzzRun {
    var run: CoreFuzzRun
    let gate: InboundGate
    var limiter: PeerRateLimiter
    var nowMilliseconds: Int64 = 0
    static let connections = (0 ..< 4).map { "replica-\($0)" } + (0 ..< CoreFuzzCluster.clientCount).map { "client-\($0)" } + ["stranger"]

    init(run: CoreFuzzRun) {
        self.run = run
        let configuration = run.cluster.configuration
        let replicas = Dictionary(uniqueKeysWithValues: (0 ..< configuration.replicaCount).map { ("replica-\($0)", ReplicaID($0)) })
        gate = InboundGate(limits: configuration.wireLimits, replicaByConnection: replicas) { client, connection in
            // A client's connection carries its own identity only (ClientBinding).
            (0 ..< CoreFuzzCluster.clientCount).contains { connection == "client-\($0)" && client == CoreFuzzCluster.clientKey($0) }
        }
        limiter = PeerRateLimiter(ratePerSecond: 200, replicaCount: configuration.replicaCount)
    }

    mutating func step(_ input: inout FuzzInput) {
        nowMilliseconds += Int64(input.below(50))
        if input.below(8) == 0 {
            var out: [Directive] = []
            for _ in 0 ... input.below(20) { out += run.replica.tick() }
            run.record(out)
            return
        }
        let frames = (0 ..< input.below(6)).map { _ in frame(&input) }
        let verdict: InboundGate.Verdict
        if input.bool() {
            verdict = gate.fromSubscriber(frames, peer: ReplicaID(input.below(4)))
        } else {
            let connection = input.below(8) == 0 ? nil : input.pick(Self.connections)
            verdict = gate.fromRouter(frames, userID: connection)
            if verdict == .control { control(frames) }
        }
        guard case let .message(message, _, channel) = verdict else { return }
        if let channel, !limiter.admit(channel, nowMilliseconds: nowMilliseconds) { return }
        run.record(run.replica.receive(message))
    }

    /// The node's control path for EVIDENCE (CONTROL commands need the node's keys and
    /// clock; ControlAuthorizerTests cover their rule): decoded under the limits, then the
    /// core verifies the evidence itself.
    mutating func control(_ frames: [[UInt8]]) {
        guard frames.count == 4, frames[1] == ControlFrames.evidence else { return }
        let limits = run.cluster.configuration.wireLimits
        guard let first = try? WireCodec.decode(frames[2], limits: limits), let second = try? WireCodec.decode(frames[3], limits: limits) else { return }
        run.record(run.replica.act(on: Evidence(reporter: .max, first: first, second: second)).directives)
    }

    mutating func frame(_ input: inout FuzzInput) -> [UInt8] {
        switch input.below(10) {
        case 0: return input.pick(run.cluster.genuine).frame
        case 1, 2, 3: return run.crafted(&input).frame
        case 4: return run.clientRequest(&input).frame
        case 5: return input.pick([ControlFrames.statusRequest, ControlFrames.control, ControlFrames.evidence, []])
        case 6:
            // A genuine frame cut short or with a byte changed: the decoder's edges.
            var bytes = input.pick(run.cluster.genuine).frame
            if input.bool(), !bytes.isEmpty { bytes.removeLast(1 + input.below(min(bytes.count, 64))) } else if !bytes.isEmpty { bytes[input.below(bytes.count)] ^= input.byte() | 1 }
            return bytes
        default: return input.bytes(max: 96)
        }
    }
}
