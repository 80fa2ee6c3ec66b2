import Testing
import SwarmCore
import SwarmMemory
import SwarmWire

/// Quarantine is protocol state: decided by the core from evidence it verifies against its
/// own cluster binding, durable in the write-ahead log, never more than f.
@Suite("Quarantine: evidence bound to the cluster, durable, at most f")
struct QuarantineTests {
    func conflictingPrepares(by signer: ReplicaID, cluster: ClusterBinding, in harness: Harness) -> Evidence {
        func prepare(_ byte: UInt8) -> SignedMessage {
            SignedMessage.sign(.prepare(Vote(sender: signer, view: 0, sequence: 1, digest: Digest(bytes: Array(repeating: byte, count: 32)))), cluster: cluster) {
                harness.keys.crypto(for: signer).sign($0)
            }
        }
        return Evidence(reporter: .max, first: prepare(1), second: prepare(2))
    }

    func persistedQuarantines(_ directives: [Directive]) -> [[ReplicaID]] {
        directives.compactMap { if case let .persist(.quarantined(replicas)) = $0 { replicas } else { nil } }
    }

    @Test("Evidence signed for another cluster or epoch quarantines nobody, not even an equivocating key's primary")
    func otherClusterEvidence() throws {
        var harness = try Harness()
        // The same keys sign for another cluster (a test bed, a previous epoch): conflicting
        // messages there say nothing about this cluster's primary.
        for other in [ClusterBinding(clusterName: "other", epoch: 1), ClusterBinding(clusterName: "unit", epoch: 2)] {
            let (outcome, directives) = harness.replicas[1].act(on: conflictingPrepares(by: 0, cluster: other, in: harness))
            guard case .refused = outcome else { Issue.record("another cluster's evidence was accepted: \(outcome)"); return }
            #expect(directives.isEmpty)
        }
        #expect(harness.replicas[1].quarantined.isEmpty && harness.replicas[1].status == .normal && harness.replicas[1].view == 0)
        // The same conflict signed for this cluster is proof.
        let (outcome, directives) = harness.replicas[1].act(on: conflictingPrepares(by: 0, cluster: harness.configuration.cluster, in: harness))
        guard case .quarantine(_, .quarantined) = outcome else { Issue.record("valid evidence refused: \(outcome)"); return }
        #expect(harness.replicas[1].quarantined == [0])
        #expect(persistedQuarantines(directives) == [[0]])
        // Persisted before the view change's messages go out (persist-before-send).
        let persistIndex = directives.firstIndex { if case .persist(.quarantined) = $0 { true } else { false } }!
        let broadcastIndex = directives.firstIndex { if case .broadcast = $0 { true } else { false } }!
        #expect(persistIndex < broadcastIndex)
        #expect(harness.replicas[1].status == .changingView, "a quarantined primary is replaced at once")
    }

    @Test("The protection level decides: minimal records evidence, standard quarantines")
    func protectionLevels() throws {
        var minimal = try Harness(protectionLevel: .minimal)
        let (outcome, directives) = minimal.replicas[1].act(on: conflictingPrepares(by: 2, cluster: minimal.configuration.cluster, in: minimal))
        guard case .recorded = outcome else { Issue.record("minimal protection acted: \(outcome)"); return }
        #expect(minimal.replicas[1].quarantined.isEmpty && persistedQuarantines(directives).isEmpty)
        #expect(directives.contains(.alert(.evidenceRecorded(SignedSlot(conflictingPrepares(by: 2, cluster: minimal.configuration.cluster, in: minimal).first.payload)!))))
    }

    @Test("A replica quarantines on equivocation it sees itself")
    func ownEvidence() throws {
        var harness = try Harness()
        let evidence = conflictingPrepares(by: 2, cluster: harness.configuration.cluster, in: harness)
        _ = harness.replicas[1].receive(evidence.first)
        let directives = harness.replicas[1].receive(evidence.second)
        #expect(directives.contains(.alert(.quarantine(2, .quarantined, cause: .ownEvidence))))
        #expect(harness.replicas[1].quarantined == [2])
        #expect(persistedQuarantines(directives) == [[2]])
    }

    @Test("A quarantine survives a restart from the durable log; a release too")
    func durable() throws {
        var harness = try Harness(replicaCount: 7)  // f = 2
        var durable = DurableState()
        func fold(_ directives: [Directive]) {
            for case let .persist(record) in directives { durable.apply(record) }
        }
        fold(harness.replicas[1].quarantine(3).directives)
        fold(harness.replicas[1].quarantine(4).directives)
        fold(harness.replicas[1].release(3).directives)
        fold(harness.replicas[1].quarantine(5).directives)
        #expect(durable.quarantined == [4, 5])
        // Through the codec and a compaction, as the write-ahead log does it.
        var rebuilt = DurableState()
        for record in DurableRecordCodec.records(rebuilding: durable) {
            rebuilt.apply(try DurableRecordCodec.decode(DurableRecordCodec.encode(record)))
        }
        #expect(rebuilt == durable)
        let restored = try Replica(restoring: rebuilt, configuration: harness.configuration, id: 1, crypto: harness.keys.crypto(for: 1), service: SwarmMemory())
        #expect(restored.quarantined == [4, 5])
        let vote = harness.sign(.prepare(Vote(sender: 4, view: 0, sequence: 1, digest: .zero)), as: 4)
        var heard = restored
        _ = heard.receive(vote)
        #expect(heard.metrics.dropped[.quarantined] == 1, "the restarted replica still ignores the offender")
    }

    @Test("A tampered log cannot make a replica ignore more than f, itself, or a stranger")
    func tamperedLog() throws {
        let harness = try Harness(replicaCount: 7)  // f = 2
        var durable = DurableState()
        durable.apply(.quarantined([1, 99, 2, 3, 4]))
        let restored = try Replica(restoring: durable, configuration: harness.configuration, id: 1, crypto: harness.keys.crypto(for: 1), service: SwarmMemory())
        #expect(restored.quarantined == [2, 3])
    }

    @Test("A restarted backup whose primary is quarantined replaces it at once")
    func restoredQuarantinedPrimary() throws {
        let harness = try Harness()
        var durable = DurableState()
        durable.apply(.quarantined([0]))
        var restored = try Replica(restoring: durable, configuration: harness.configuration, id: 2, crypto: harness.keys.crypto(for: 2), service: SwarmMemory())
        let directives = restored.recover()
        #expect(restored.status == .changingView && !directives.broadcasts(of: .viewChange).isEmpty)
    }
}
