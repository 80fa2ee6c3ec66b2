import Testing
import SwarmCore
import SwarmMemory
import SwarmWire

/// One test per rule of the normal case (Castro and Liskov, TOCS 2002, section 2.3), in
/// the style of etcd's raft_paper_test.go.
@Suite("PBFT normal case (section 2.3)")
struct NormalCaseTests {
    @Test("The primary assigns the next sequence and persists its PRE-PREPARE before broadcasting it")
    func primaryProposes() throws {
        var harness = try Harness()
        let out = harness.replicas[0].receive(harness.request(id: 1))
        guard let persist = out.index(where: { if case .persist(.signed) = $0 { true } else { false } }),
            let send = out.index(where: { if case .broadcast = $0 { true } else { false } })
        else {
            Issue.record("expected persist and broadcast, got \(out)")
            return
        }
        #expect(persist < send)
        guard case let .prePrepare(pp) = out.broadcasts.first?.payload else { Issue.record("no PRE-PREPARE"); return }
        #expect(pp.sequence == 1 && pp.view == 0 && pp.batch.count == 1)
    }

    @Test("A backup accepts a valid PRE-PREPARE and persists its PREPARE before sending it")
    func backupPrepares() throws {
        var harness = try Harness()
        let prePrepare = harness.replicas[0].receive(harness.request(id: 1)).broadcasts[0]
        let out = harness.replicas[1].receive(prePrepare)
        let prepare = out.broadcasts(of: .prepare)
        #expect(prepare.count == 1)
        let persistIndex = out.index { if case .persist(.signed(let m)) = $0 { m.kind == .prepare } else { false } }
        let sendIndex = out.index { if case .broadcast(let m) = $0 { m.kind == .prepare } else { false } }
        #expect(persistIndex != nil && sendIndex != nil && persistIndex! < sendIndex!)
    }

    @Test("A PRE-PREPARE from a replica that is not the primary is dropped")
    func notPrimary() throws {
        var harness = try Harness()
        let request = harness.request(id: 1)
        let forged = harness.sign(.prePrepare(PrePrepare(sender: 2, view: 0, sequence: 1, digest: harness.batchDigest([request]), batch: [request])), as: 2)
        #expect(harness.replicas[1].receive(forged).broadcasts.isEmpty)
        #expect(harness.replicas[1].metrics.dropped[.notPrimary] == 1)
    }

    @Test("A PRE-PREPARE outside the watermarks (h, h + L] is dropped and counted")
    func watermarks() throws {
        var harness = try Harness(watermarkWindow: 8)
        let request = harness.request(id: 1)
        let far = harness.sign(.prePrepare(PrePrepare(sender: 0, view: 0, sequence: 9, digest: harness.batchDigest([request]), batch: [request])), as: 0)
        #expect(harness.replicas[1].receive(far).broadcasts.isEmpty)
        #expect(harness.replicas[1].metrics.dropped[.outsideWatermarks] == 1)
        #expect(harness.replicas[1].logSequenceRange == nil)
    }

    @Test("A PRE-PREPARE whose digest does not match its batch is refused")
    func badDigest() throws {
        var harness = try Harness()
        let request = harness.request(id: 1)
        let bad = harness.sign(.prePrepare(PrePrepare(sender: 0, view: 0, sequence: 1, digest: .zero, batch: [request])), as: 0)
        let out = harness.replicas[1].receive(bad)
        #expect(out.broadcasts.isEmpty)
        #expect(out.contains { if case .alert(.invalidProposal) = $0 { true } else { false } })
    }

    @Test("A PRE-PREPARE carrying a request with a bad client signature is refused (S2)")
    func forgedRequest() throws {
        var harness = try Harness()
        let request = harness.request(id: 1)
        guard case let .request(body) = request.payload else { return }
        var changed = body
        changed.operation = MemoryOperation.delete(namespace: Array("ns".utf8), key: [0]).encoded()
        let forgedRequest = SignedMessage.withSignature(.request(changed), cluster: harness.configuration.cluster, signature: Array(request.signature))
        let pp = harness.sign(.prePrepare(PrePrepare(sender: 0, view: 0, sequence: 1, digest: harness.batchDigest([forgedRequest]), batch: [forgedRequest])), as: 0)
        #expect(harness.replicas[1].receive(pp).broadcasts.isEmpty)
        #expect(harness.replicas[1].metrics.dropped[.badRequest] == 1)
    }

    @Test("A second, different PRE-PREPARE for (v, n) is equivocation: evidence with both signed messages, then a view change")
    func equivocatingPrimary() throws {
        var harness = try Harness()
        let a = harness.request(client: 0, id: 1), b = harness.request(client: 1, id: 1)
        let first = harness.sign(.prePrepare(PrePrepare(sender: 0, view: 0, sequence: 1, digest: harness.batchDigest([a]), batch: [a])), as: 0)
        let second = harness.sign(.prePrepare(PrePrepare(sender: 0, view: 0, sequence: 1, digest: harness.batchDigest([b]), batch: [b])), as: 0)
        _ = harness.replicas[1].receive(first)
        let out = harness.replicas[1].receive(second)
        #expect(out.evidence.count == 1)
        #expect(out.evidence.first?.first == first && out.evidence.first?.second == second)
        #expect(harness.replicas[1].status == .changingView && harness.replicas[1].view == 1)
    }

    @Test("A retransmitted identical PREPARE is a duplicate, not equivocation: dedup is by (sender, view, sequence, phase)")
    func duplicateVote() throws {
        var harness = try Harness()
        let prepare = harness.sign(.prepare(Vote(sender: 2, view: 0, sequence: 1, digest: .zero)), as: 2)
        _ = harness.replicas[1].receive(prepare)
        let out = harness.replicas[1].receive(prepare)
        #expect(out.evidence.isEmpty)
        #expect(harness.replicas[1].metrics.dropped[.duplicate] == 1)
        let conflicting = harness.sign(.prepare(Vote(sender: 2, view: 0, sequence: 1, digest: Digest(bytes: [UInt8](repeating: 1, count: 32)))), as: 2)
        #expect(harness.replicas[1].receive(conflicting).evidence.count == 1)
    }

    @Test("Prepared needs q − 1 PREPAREs from distinct backups; committed needs q COMMITs; then the batch executes and replies")
    func quorumsAndExecution() throws {
        var harness = try Harness()
        let out = harness.replicas[0].receive(harness.request(id: 1))
        let produced = harness.settle([(0, out)])
        for replica in 0 ..< 4 {
            #expect(harness.replicas[replica].lastExecuted == 1)
            let all = (produced[ReplicaID(replica)] ?? []) + (replica == 0 ? out : [])
            #expect(all.replies.count == 1)
        }
        #expect(Set(harness.replicas.map { $0.currentStateDigest() }).count == 1)
    }

    @Test("With n = 9 (q = 6), five PREPAREs are not a prepared certificate")
    func nineNeedsSix() throws {
        var harness = try Harness(replicaCount: 9)
        let request = harness.request(id: 1)
        let digest = harness.batchDigest([request])
        let pp = harness.sign(.prePrepare(PrePrepare(sender: 0, view: 0, sequence: 1, digest: digest, batch: [request])), as: 0)
        var out = harness.replicas[1].receive(pp)  // its own PREPARE is the first
        for sender in 2 ... 4 {
            out += harness.replicas[1].receive(harness.sign(.prepare(Vote(sender: ReplicaID(sender), view: 0, sequence: 1, digest: digest)), as: ReplicaID(sender)))
        }
        #expect(out.broadcasts(of: .commit).isEmpty, "4 PREPAREs + PRE-PREPARE = 5 < 6 must not prepare")
        out = harness.replicas[1].receive(harness.sign(.prepare(Vote(sender: 5, view: 0, sequence: 1, digest: digest)), as: 5))
        #expect(out.broadcasts(of: .commit).count == 1)
    }

    @Test("Batches execute strictly in sequence order")
    func executionOrder() throws {
        var harness = try Harness()
        var out0 = harness.replicas[0].receive(harness.request(client: 0, id: 1))
        out0 += harness.replicas[0].receive(harness.request(client: 1, id: 1))
        out0 += harness.replicas[0].tick() + harness.replicas[0].tick()
        let prePrepares = out0.broadcasts(of: .prePrepare)
        #expect(prePrepares.count == 2)
        // Replica 1 sees sequence 2 completely before sequence 1.
        var executed: [ExecutedBatch] = []
        for pp in prePrepares.reversed() {
            guard case let .prePrepare(m) = pp.payload else { continue }
            executed += harness.replicas[1].receive(pp).executed
            for sender in [2, 3] {
                executed +=
                    harness.replicas[1].receive(harness.sign(.prepare(Vote(sender: ReplicaID(sender), view: 0, sequence: m.sequence, digest: m.digest)), as: ReplicaID(sender)))
                    .executed
            }
            for sender in [0, 2] {
                executed +=
                    harness.replicas[1].receive(harness.sign(.commit(Vote(sender: ReplicaID(sender), view: 0, sequence: m.sequence, digest: m.digest)), as: ReplicaID(sender)))
                    .executed
            }
            if m.sequence == 2 { #expect(executed.isEmpty, "sequence 2 must wait for 1") }
        }
        #expect(executed.map(\.sequence) == [1, 2])
    }

    @Test("A duplicate request id gets the cached reply and executes once; an old one is dropped")
    func duplicateRequest() throws {
        var harness = try Harness()
        let request = harness.request(id: 5)
        _ = harness.settle([(0, harness.replicas[0].receive(request))])
        #expect(harness.replicas[1].metrics.executedRequests == 1)
        let again = harness.replicas[1].receive(request)
        #expect(again.replies.count == 1 && again.broadcasts.isEmpty)
        #expect(harness.replicas[1].metrics.executedRequests == 1)
        _ = harness.replicas[1].receive(harness.request(id: 4))
        #expect(harness.replicas[1].metrics.dropped[.staleRequest] == 1)
    }

    @Test("A request with a bad client signature is dropped with an alert")
    func badClientSignature() throws {
        var harness = try Harness()
        let request = harness.request(id: 1)
        var frame = request.frame
        frame[frame.count - 1] ^= 1
        let tampered = try WireCodec.decode(frame)
        let out = harness.replicas[0].receive(tampered)
        #expect(out.broadcasts.isEmpty)
        #expect(harness.replicas[0].metrics.dropped[.invalidSignature] == 1)
    }

    @Test("Messages from another cluster binding are dropped")
    func otherCluster() throws {
        var harness = try Harness()
        let foreign = SignedMessage.sign(.prepare(Vote(sender: 2, view: 0, sequence: 1, digest: .zero)), cluster: ClusterBinding(clusterName: "unit", epoch: 2)) {
            harness.keys.crypto(for: 2).sign($0)
        }
        _ = harness.replicas[1].receive(foreign)
        #expect(harness.replicas[1].metrics.dropped[.wrongCluster] == 1)
    }
}
