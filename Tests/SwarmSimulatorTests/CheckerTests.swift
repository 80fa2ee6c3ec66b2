import SwarmCore
import SwarmWire
import Testing

@testable import SwarmSimulator

/// The checker's S4 on its own (issue 14): a correct replica signs one NEW-VIEW per view,
/// and the PRE-PREPAREs of O inside it are its PRE-PREPAREs for those slots. Defect A — a
/// restarted new primary signing a second, different NEW-VIEW — is what it must catch;
/// the simulator reaches that crash window too rarely for a sweep to be the control.
@Suite("Checker: S4 over NEW-VIEW and O")
struct CheckerTests {
    let configuration = Simulation.configuration(replicaCount: 4)
    let keys = SimulatedKeys(scheme: .test, replicaCount: 4, clientCount: 1)

    func sign(_ payload: Payload, as replica: ReplicaID) -> SignedMessage {
        SignedMessage.sign(payload, cluster: configuration.cluster) { keys.crypto(for: replica).sign($0) }
    }

    func viewChanges(view: ViewNumber, from senders: [ReplicaID]) -> [SignedMessage] {
        senders.map { sign(.viewChange(ViewChange(sender: $0, newView: view, stableSequence: 0, checkpointProof: [], prepared: [])), as: $0) }
    }

    func prePrepare(view: ViewNumber, sequence: SequenceNumber, digestByte: UInt8) -> SignedMessage {
        sign(.prePrepare(PrePrepare(sender: 1, view: view, sequence: sequence, digest: Digest(bytes: [UInt8](repeating: digestByte, count: 32)), batch: [])), as: 1)
    }

    func checker() -> Checker {
        Checker(configuration: configuration, verifier: keys.verifier, correctIDs: [0, 1, 2, 3])
    }

    @Test("Two different NEW-VIEWs for one view from a correct replica break S4; the same one twice does not")
    func secondNewView() {
        let first = sign(.newView(NewView(sender: 1, view: 1, viewChanges: viewChanges(view: 1, from: [0, 1, 2]), prePrepares: [])), as: 1)
        let second = sign(.newView(NewView(sender: 1, view: 1, viewChanges: viewChanges(view: 1, from: [0, 1, 3]), prePrepares: [])), as: 1)
        var same = checker()
        same.onSent(first, replica: 1, time: 1)
        same.onSent(first, replica: 1, time: 2)
        #expect(same.violations.isEmpty)
        var twice = checker()
        twice.onSent(first, replica: 1, time: 1)
        twice.onSent(second, replica: 1, time: 2)
        #expect(twice.violations.map(\.invariant) == [.selfEquivocation])
    }

    @Test("A PRE-PREPARE inside O that differs from one the primary sent alone for that slot breaks S4")
    func prePrepareInsideO() {
        var checker = checker()
        checker.onSent(prePrepare(view: 1, sequence: 5, digestByte: 0xAA), replica: 1, time: 1)
        let newView = sign(
            .newView(NewView(sender: 1, view: 1, viewChanges: viewChanges(view: 1, from: [0, 1, 2]), prePrepares: [prePrepare(view: 1, sequence: 5, digestByte: 0xBB)])), as: 1)
        checker.onSent(newView, replica: 1, time: 2)
        #expect(checker.violations.map(\.invariant) == [.selfEquivocation])
    }

    @Test("Two CHECKPOINTs for one sequence with different digests from a correct replica break S4")
    func secondCheckpoint() {
        var checker = checker()
        checker.onSent(sign(.checkpoint(Checkpoint(sender: 2, sequence: 4, stateDigest: Digest(bytes: [UInt8](repeating: 1, count: 32)))), as: 2), replica: 2, time: 1)
        checker.onSent(sign(.checkpoint(Checkpoint(sender: 2, sequence: 4, stateDigest: Digest(bytes: [UInt8](repeating: 2, count: 32)))), as: 2), replica: 2, time: 2)
        #expect(checker.violations.map(\.invariant) == [.selfEquivocation])
    }
}
