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
    @Test("Far-future votes from one replica are named once past the threshold; in-window traffic never")
    func farFuture() throws {
        let keys = SimulatedKeys(scheme: .test, replicaCount: 4, clientCount: 1)
        let configuration = try Configuration(replicaCount: 4, checkpointInterval: 4, watermarkWindow: 8)
        var detector = FloodingDetector(configuration: configuration, crypto: keys.verifier, threshold: 5)
        func vote(_ sender: ReplicaID, _ sequence: UInt64) -> SignedMessage {
            SignedMessage.sign(.prepare(Vote(sender: sender, view: 0, sequence: sequence, digest: .zero)), cluster: configuration.cluster) { keys.crypto(for: sender).sign($0) }
        }
        for sequence in 1 ... 16 { for sender in 0 ..< 4 { #expect(detector.observe(vote(ReplicaID(sender), UInt64(sequence))).isEmpty) } }
        var findings: [Finding] = []
        for offset in 0 ..< 10 { findings += detector.observe(vote(2, 1_000 + UInt64(offset))) }
        #expect(findings == [.flooding(replica: 2, farFutureMessages: 5)])
    }
}
