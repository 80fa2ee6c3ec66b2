import Testing
import SwarmAuth
import SwarmCore
import SwarmCrypto
import SwarmMonitorCore
import SwarmWire
import SwarmSimulator

@Suite("Equivocation evidence")
struct EvidenceTests {
    let keys = (0 ..< 4).map { try! Ed25519.PrivateKey(seed: Blake2b.hash256(Array("evidence-\($0)".utf8))) }
    let cluster = ClusterBinding(clusterName: "evidence", epoch: 1)
    var crypto: Ed25519ProtocolCrypto { Ed25519ProtocolCrypto(signingKey: nil, replicaKeys: keys.map(\.publicKey)) }

    func prepare(_ signer: Int, digestByte: UInt8, sequence: UInt64 = 5) -> SignedMessage {
        SignedMessage.sign(
            .prepare(Vote(sender: ReplicaID(signer), view: 1, sequence: sequence, digest: Digest(bytes: [UInt8](repeating: digestByte, count: 32)))), cluster: cluster
        ) { keys[signer].sign($0).bytes }
    }

    @Test("Two conflicting signed PREPAREs are found once and verify offline")
    func detectAndVerify() {
        var detector = EquivocationDetector(crypto: crypto)
        #expect(detector.observe(prepare(2, digestByte: 1)).isEmpty)
        #expect(detector.observe(prepare(2, digestByte: 1)).isEmpty, "a retransmission is not a conflict")
        let findings = detector.observe(prepare(2, digestByte: 9))
        guard case let .equivocation(evidence)? = findings.first else { Issue.record("no finding"); return }
        #expect(detector.observe(prepare(2, digestByte: 7)).isEmpty, "reported once per slot")
        guard case let .success(slot) = EvidenceCheck.verify(evidence, cluster: cluster, crypto: crypto) else { Issue.record("evidence does not verify"); return }
        #expect(slot.signer == 2 && slot.kind == .prepare && slot.view == 1 && slot.sequence == 5)
    }

    @Test("Forged, non-conflicting and mismatched evidence is refused")
    func refuseBadEvidence() {
        let forged = SignedMessage.withSignature(.prepare(Vote(sender: 2, view: 1, sequence: 5, digest: .zero)), cluster: cluster, signature: [UInt8](repeating: 1, count: 64))
        if case .success = EvidenceCheck.verify(Evidence(reporter: 0, first: prepare(2, digestByte: 1), second: forged), cluster: cluster, crypto: crypto) {
            Issue.record("a forged message made evidence")
        }
        if case .success = EvidenceCheck.verify(Evidence(reporter: 0, first: prepare(2, digestByte: 1), second: prepare(2, digestByte: 1)), cluster: cluster, crypto: crypto) {
            Issue.record("identical messages made evidence")
        }
        if case .success = EvidenceCheck.verify(Evidence(reporter: 0, first: prepare(2, digestByte: 1), second: prepare(3, digestByte: 2)), cluster: cluster, crypto: crypto) {
            Issue.record("two signers made evidence")
        }
        if case .success = EvidenceCheck.verify(
            Evidence(reporter: 0, first: prepare(2, digestByte: 1), second: prepare(2, digestByte: 2, sequence: 6)), cluster: cluster, crypto: crypto)
        {
            Issue.record("two slots made evidence")
        }
        var detector = EquivocationDetector(crypto: crypto)
        _ = detector.observe(prepare(2, digestByte: 1))
        #expect(detector.observe(forged).isEmpty, "a forgery accuses nobody")
        #expect(detector.unauthentic == 1)
    }
}

@Suite("Flooding detector")
struct FloodingDetectorTests {
    let keys = SimulatedKeys(scheme: .test, replicaCount: 4, clientCount: 1)
    let configuration = try! Configuration(replicaCount: 4, checkpointInterval: 4, watermarkWindow: 8)

    func vote(_ sender: ReplicaID, _ sequence: UInt64, view: UInt64 = 0) -> SignedMessage {
        SignedMessage.sign(.prepare(Vote(sender: sender, view: view, sequence: sequence, digest: .zero)), cluster: configuration.cluster) { keys.crypto(for: sender).sign($0) }
    }

    func checkpoint(_ sender: ReplicaID, _ sequence: UInt64) -> SignedMessage {
        SignedMessage.sign(.checkpoint(Checkpoint(sender: sender, sequence: sequence, stateDigest: .zero)), cluster: configuration.cluster) { keys.crypto(for: sender).sign($0) }
    }

    @Test("Far-future votes from one replica are named once past the threshold; in-window traffic never")
    func farFuture() throws {
        var detector = FloodingDetector(configuration: configuration, crypto: keys.verifier, threshold: 5)
        for sender in 0 ..< 4 { #expect(detector.observe(checkpoint(ReplicaID(sender), 4)).isEmpty) }
        for sequence in 5 ... 16 { for sender in 0 ..< 4 { #expect(detector.observe(vote(ReplicaID(sender), UInt64(sequence))).isEmpty) } }
        var findings: [Finding] = []
        for offset in 0 ..< 10 { findings += detector.observe(vote(2, 1_000 + UInt64(offset))) }
        #expect(findings == [.flooding(replica: 2, farFutureMessages: 5)])
    }

    @Test("A detector that starts late (a restarted replica, a monitor started after the swarm) names no honest replica, and still names a flooder once it knows the window")
    func startedLate() throws {
        var detector = FloodingDetector(configuration: configuration, crypto: keys.verifier, threshold: 5)
        // The swarm is at sequence ~5,000 and view 90: far beyond 0 + 2L and 0 + 64 views.
        var findings: [Finding] = []
        for sequence in UInt64(4_997) ... 5_000 { for sender in 0 ..< 4 { findings += detector.observe(vote(ReplicaID(sender), sequence, view: 90)) } }
        for sender in 0 ..< 4 { findings += detector.observe(checkpoint(ReplicaID(sender), 5_000)) }
        for sequence in UInt64(5_001) ... 5_012 { for sender in 0 ..< 4 { findings += detector.observe(vote(ReplicaID(sender), sequence, view: 90)) } }
        #expect(findings.isEmpty, "honest replicas named: \(findings)")
        for offset in 0 ..< 10 { findings += detector.observe(vote(3, 9_000 + UInt64(offset), view: 90)) }
        #expect(findings == [.flooding(replica: 3, farFutureMessages: 5)])
    }

    @Test("A forgiven flooder (its penalty ran out) is named again if it floods again")
    func forgiven() throws {
        var detector = FloodingDetector(configuration: configuration, crypto: keys.verifier, threshold: 5)
        for sender in 0 ..< 4 { _ = detector.observe(checkpoint(ReplicaID(sender), 4)) }
        var findings: [Finding] = []
        for offset in 0 ..< 10 { findings += detector.observe(vote(2, 1_000 + UInt64(offset))) }
        detector.forgive(2)
        for offset in 0 ..< 10 { findings += detector.observe(vote(2, 2_000 + UInt64(offset))) }
        #expect(findings == [.flooding(replica: 2, farFutureMessages: 5), .flooding(replica: 2, farFutureMessages: 5)])
    }

    @Test("One liar's far checkpoints and views do not move the bound (the (f + 1)-th highest)")
    func liarCannotMoveBound() throws {
        var detector = FloodingDetector(configuration: configuration, crypto: keys.verifier, threshold: 5)
        for sender in 0 ..< 4 { _ = detector.observe(checkpoint(ReplicaID(sender), 8)) }
        for sender in 0 ..< 4 { _ = detector.observe(vote(ReplicaID(sender), 9)) }
        _ = detector.observe(checkpoint(1, UInt64.max - 3))
        _ = detector.observe(vote(1, 12, view: UInt64.max))
        #expect(detector.isFarFuture(vote(2, 8 + 2 * 8 + 1).payload) == true, "the bound stays at 8 + 2L")
        #expect(detector.isFarFuture(vote(2, 12, view: 65).payload) == true, "the view bound stays at 0 + 64")
    }
}

@Suite("Monitor memory is bounded in bytes")
struct MonitorMemoryTests {
    @Test("Validly signed 1 MiB PRE-PREPAREs: the equivocation detector keeps at most its byte budget, and still proves an equivocation in what it keeps")
    func equivocationBudget() throws {
        let keys = SimulatedKeys(scheme: .test, replicaCount: 4, clientCount: 1)
        let configuration = try Configuration(replicaCount: 4)
        var detector = EquivocationDetector(crypto: keys.verifier, byteBudget: 10 << 20)
        func proposal(_ sequence: UInt64, fill: UInt8) -> SignedMessage {
            let request = keys.signRequest(
                ClientRequest(client: keys.clientKeys[0], requestID: sequence, operation: [UInt8](repeating: fill, count: 1 << 20)), client: 0, cluster: configuration.cluster)
            let batch = [request]
            return SignedMessage.sign(
                .prePrepare(PrePrepare(sender: 1, view: 1, sequence: sequence, digest: batchDigest(of: batch, crypto: keys.verifier), batch: batch)), cluster: configuration.cluster
            ) { keys.crypto(for: 1).sign($0) }
        }
        for sequence in UInt64(1) ... 50 { _ = detector.observe(proposal(sequence, fill: 1)) }
        #expect(detector.storedBytes <= 10 << 20, "kept \(detector.storedBytes) bytes")
        let findings = detector.observe(proposal(50, fill: 2))
        #expect(findings.count == 1, "the latest slot is still remembered and its conflict proven")
    }
}
