import SwarmCore
import SwarmWire
import Testing

/// Liveness when nothing is pending (issue 14, the L1 failures of `--byzantine all`
/// seeds 10799, 12262 and 7458; 19571 passes with the first two, see docs/simulator.md). PBFT's timers run only while a request waits
/// (section 2.5); once the workload is done, a replica left behind or changing view
/// alone must still get back, or the client's write stays one reply short of q.
@Suite("Idle liveness: a replica left behind when nothing is pending still catches up")
struct IdleLivenessTests {
    /// Orders requests 1 ... count from client 0 through the primary of view 0.
    static func order(_ h: inout Harness, count: UInt64, lost: @escaping (ReplicaID, ReplicaID, SignedMessage) -> Bool) -> [ReplicaID: [Directive]] {
        var produced: [ReplicaID: [Directive]] = [:]
        for id in 1 ... count {
            for (replica, directives) in h.settle([(0, h.replicas[0].receive(h.request(id: id)))], lost: lost) { produced[replica, default: []] += directives }
        }
        return produced
    }

    @Test("seed 10799: a Byzantine vote for a future checkpoint does not silence a replica's own CHECKPOINT")
    func ownCheckpointRetransmitted() throws {
        var h = try Harness()
        // Replica 0's CHECKPOINT for 4 is lost, and it hears no one else's: at 0 nothing
        // is stable, while 1, 2 and 3 hold three votes.
        _ = Self.order(&h, count: 4) { from, to, message in message.kind == .checkpoint && (from == 0 || to == 0) }
        #expect(h.replicas.allSatisfy { $0.lastExecuted == 4 })
        #expect(h.replicas[0].lowWatermark == 0)
        // Byzantine replica 3 votes for checkpoint 8, which no one reached.
        let future = h.sign(.checkpoint(Checkpoint(sender: 3, sequence: 8, stateDigest: Digest(bytes: [UInt8](repeating: 7, count: Digest.byteCount)))), as: 3)
        _ = h.replicas[0].receive(future)
        var sent: [SignedMessage] = []
        for _ in 0 ..< h.configuration.retransmitTicks { sent += h.replicas[0].tick().broadcasts(of: .checkpoint) }
        let own = sent.compactMap { message -> UInt64? in
            guard case let .checkpoint(c) = message.payload, c.sender == 0 else { return nil }
            return c.sequence
        }
        #expect(own == [4], "replica 0 re-sends its CHECKPOINT for 4 (sent: \(own))")
    }

    @Test("seed 7458: a replica restarted at a stable checkpoint still says, idle, which view it works in")
    func restartedReplicaHeartbeatCarriesItsView() throws {
        var h = try Harness()  // K = 4
        let produced = Self.order(&h, count: 4) { _, _, _ in false }
        #expect(h.replicas.allSatisfy { $0.lastExecuted == 4 && $0.lowWatermark == 4 })
        var durable = DurableState()
        for directive in produced[1] ?? [] { if case let .persist(record) = directive { durable.apply(record) } }
        #expect(durable.stable?.sequence == 4)
        _ = try CrashWindowTests.restart(&h, 1, from: durable)
        #expect(h.replicas[1].lastExecuted == 4)
        var sent: [SignedMessage] = []
        for _ in 0 ..< h.configuration.retransmitTicks { sent += h.replicas[1].tick().broadcasts(of: .commit) }
        // Its own COMMIT for 4 in view 0: a replica in a later view answers it with the
        // NEW-VIEW (forwardNewView). Without it, replica 1 of seed 7458 sent CHECKPOINTs
        // only (no view in them) and stayed in view 5 for good while the others ran 6.
        let own = sent.compactMap { message -> Vote? in
            guard case let .commit(vote) = message.payload, vote.sender == 1 else { return nil }
            return vote
        }
        #expect(own.contains { $0.view == 0 && $0.sequence == 4 }, "replica 1 re-sent \(own)")
    }

    @Test("seed 12262: a replica changing view alone fetches what one replica shows it committed")
    func laggardChangingViewCatchesUp() throws {
        var h = try Harness()
        // Request 1 commits at 0, 1 and 3; every COMMIT to backup 2 is lost.
        let produced = Self.order(&h, count: 1) { _, to, message in message.kind == .commit && to == 2 }
        #expect(h.replicas[2].lastExecuted == 0 && [0, 1, 3].allSatisfy { h.replicas[$0].lastExecuted == 1 })
        // Replica 2 times out alone; the idle others stay in view 0 (one backup's VIEW-CHANGE).
        _ = h.settle([(2, h.replicas[2].requestViewChange())])
        #expect(h.replicas[2].status == .changingView && [0, 1, 3].allSatisfy { h.replicas[$0].view == 0 })
        // One replica's signed word that it is ahead: replica 3's COMMIT for 1 (the
        // primary may be Byzantine, 1 may have got 1 by state transfer and signed nothing).
        guard let commit = produced[3]?.broadcasts(of: .commit).first else {
            Issue.record("replica 3 sent no COMMIT")
            return
        }
        _ = h.replicas[2].receive(commit)
        var out: [Directive] = []
        for _ in 0 ... h.configuration.stateTransferTimeoutTicks { out += h.replicas[2].tick() }
        _ = h.settle([(2, out)])
        #expect(h.replicas[2].lastExecuted == 1, "replica 2 executed 1 by state transfer while changing view")
    }
}
