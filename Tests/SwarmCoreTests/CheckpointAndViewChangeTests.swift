import Testing
import SwarmCore
import SwarmMemory
import SwarmWire

@Suite("Checkpoints (section 2.4), view changes (section 2.5) and recovery")
struct CheckpointAndViewChangeTests {
    /// Runs `count` requests through the whole cluster.
    func run(_ harness: inout Harness, requests count: Int, client: Int = 0, from firstID: UInt64 = 1) {
        for id in firstID ..< firstID + UInt64(count) {
            let primary = Int(harness.replicas[0].primary)
            _ = harness.settle([(ReplicaID(primary), harness.replicas[primary].receive(harness.request(client: client, id: id)))])
        }
    }

    @Test("Every K sequences a CHECKPOINT; stable at q matching; the log below is discarded")
    func checkpointStable() throws {
        var harness = try Harness(checkpointInterval: 4, watermarkWindow: 8)
        run(&harness, requests: 5)
        for replica in harness.replicas {
            #expect(replica.lastExecuted == 5)
            #expect(replica.lowWatermark == 4)
            #expect(replica.logSequenceRange.map { $0.lowerBound > 4 } ?? true)
        }
        #expect(Set(harness.replicas.map(\.stable.stateDigest)).count == 1)
        #expect(harness.replicas[0].stable.proof.count == harness.configuration.quorum)
    }

    @Test("The watermark window bounds the primary: nothing past h + L is proposed until a checkpoint is stable")
    func windowBoundsPrimary() throws {
        var harness = try Harness(checkpointInterval: 4, watermarkWindow: 8)
        var out: [Directive] = []
        for client in 0 ..< 4 {
            for id in 1 ... 3 { out += harness.replicas[0].receive(harness.request(client: client, id: UInt64(id))); out += harness.replicas[0].tick() }
        }
        let sequences = out.broadcasts(of: .prePrepare).compactMap { if case let .prePrepare(m) = $0.payload { m.sequence } else { nil } }
        #expect(sequences.max() ?? 0 <= 8)
    }

    @Test("A request that times out starts a view change; VIEW-CHANGE carries the prepared certificates and is persisted first")
    func requestTimeout() throws {
        var harness = try Harness()
        // Replica 1 prepares sequence 1, but the primary then goes silent.
        let pp = harness.replicas[0].receive(harness.request(id: 1)).broadcasts[0]
        guard case let .prePrepare(m) = pp.payload else { return }
        _ = harness.replicas[1].receive(pp)
        _ = harness.replicas[1].receive(harness.sign(.prepare(Vote(sender: 2, view: 0, sequence: 1, digest: m.digest)), as: 2))
        var out: [Directive] = []
        for _ in 0 ..< 12 { out += harness.replicas[1].tick() }
        let viewChanges = out.broadcasts(of: .viewChange)
        #expect(harness.replicas[1].view == 1 && harness.replicas[1].status == .changingView)
        guard case let .viewChange(vc) = viewChanges.first?.payload else { Issue.record("no VIEW-CHANGE in \(out)"); return }
        #expect(vc.newView == 1 && vc.prepared.count == 1)
        let persisted = out.index { if case .persist(.signed(let s)) = $0 { s.kind == .viewChange } else { false } }
        let sent = out.index { if case .broadcast(let s) = $0 { s.kind == .viewChange } else { false } }
        #expect(persisted! < sent!)
    }

    @Test("A full view change: the new primary's NEW-VIEW re-proposes the prepared batch and the cluster continues in view 1")
    func viewChangeCompletes() throws {
        var harness = try Harness()
        run(&harness, requests: 2)
        var initial: [(from: ReplicaID, [Directive])] = []
        for replica in 0 ..< 4 { initial.append((ReplicaID(replica), harness.replicas[replica].requestViewChange())) }
        _ = harness.settle(initial)
        #expect(harness.replicas.allSatisfy { $0.view == 1 && $0.status == .normal })
        run(&harness, requests: 2, client: 1)
        #expect(harness.replicas.allSatisfy { $0.lastExecuted >= 4 })
        #expect(Set(harness.replicas.map { $0.currentStateDigest() }).count == 1)
    }

    @Test("f + 1 VIEW-CHANGEs for higher views make a replica join the smallest of them")
    func joinRule() throws {
        var harness = try Harness()
        let vc2 = harness.replicas[2].requestViewChange().broadcasts(of: .viewChange)[0]
        var out = harness.replicas[1].receive(vc2)
        #expect(harness.replicas[1].view == 0, "one replica (f = 1) is not enough")
        let vc3 = harness.replicas[3].requestViewChange().broadcasts(of: .viewChange)[0]
        out = harness.replicas[1].receive(vc3)
        #expect(harness.replicas[1].view == 1 && !out.broadcasts(of: .viewChange).isEmpty)
    }

    @Test("A NEW-VIEW whose O differs from what V determines is rejected")
    func tamperedNewView() throws {
        var harness = try Harness()
        run(&harness, requests: 1)
        let vcs = (0 ..< 4).map { harness.replicas[$0].requestViewChange().broadcasts(of: .viewChange)[0] }
        // Replica 1 is the primary of view 1: feed it the view changes to get NEW-VIEW.
        var out: [Directive] = []
        for vc in [vcs[0], vcs[2], vcs[3]] { out += harness.replicas[1].receive(vc) }
        guard let newView = out.broadcasts(of: .newView).first, case let .newView(nv) = newView.payload else { Issue.record("no NEW-VIEW"); return }
        let bogus = harness.sign(.prePrepare(PrePrepare(sender: 1, view: 1, sequence: 7, digest: .zero, batch: [])), as: 1)
        let tampered = harness.sign(.newView(NewView(sender: 1, view: 1, viewChanges: nv.viewChanges, prePrepares: nv.prePrepares + [bogus])), as: 1)
        var backup = harness.replicas[2]
        let rejected = backup.receive(tampered)
        #expect(backup.status == .changingView)
        #expect(rejected.contains { if case .alert(.invalidViewChange) = $0 { true } else { false } })
        _ = backup.receive(newView)
        #expect(backup.status == .normal && backup.view == 1)
    }

    @Test("Old-view messages are rejected after a view change; views never decrease")
    func oldViewRejected() throws {
        var harness = try Harness()
        let pp = harness.replicas[0].receive(harness.request(id: 1)).broadcasts[0]
        _ = harness.replicas[1].requestViewChange()
        _ = harness.replicas[1].receive(pp)
        #expect(harness.replicas[1].metrics.dropped[.changingView] == 1)
        #expect(harness.replicas[1].view == 1)
    }

    @Test("A restarted replica restores its view, log and state and never signs a conflicting PREPARE (S4)")
    func recovery() throws {
        var harness = try Harness()
        var durable = DurableState()
        run(&harness, requests: 5)
        // Replica 1's durable log, rebuilt from a second identical run.
        var second = try Harness()
        for id in 1 ... 5 {
            let out = second.replicas[0].receive(second.request(id: UInt64(id)))
            let produced = second.settle([(0, out)])
            for case let .persist(record) in produced[1] ?? [] { durable.apply(record) }
        }
        var restored = try Replica(restoring: durable, configuration: second.configuration, id: 1, crypto: second.keys.crypto(for: 1), service: SwarmMemory())
        _ = restored.recover()
        #expect(restored.lastExecuted == 5)
        #expect(restored.currentStateDigest() == harness.replicas[1].currentStateDigest())
        // An accepted PRE-PREPARE survives: a conflicting one for the same slot is evidence, not a new PREPARE.
        let request = second.request(client: 2, id: 1)
        let pp = second.sign(.prePrepare(PrePrepare(sender: 0, view: 0, sequence: 6, digest: second.batchDigest([request]), batch: [request])), as: 0)
        var log = durable
        for case let .persist(record) in second.replicas[1].receive(pp) { log.apply(record) }
        var again = try Replica(restoring: log, configuration: second.configuration, id: 1, crypto: second.keys.crypto(for: 1), service: SwarmMemory())
        _ = again.recover()
        let other = second.request(client: 3, id: 1)
        let conflicting = second.sign(.prePrepare(PrePrepare(sender: 0, view: 0, sequence: 6, digest: second.batchDigest([other]), batch: [other])), as: 0)
        let out = again.receive(conflicting)
        #expect(out.broadcasts(of: .prepare).isEmpty)
    }
}
