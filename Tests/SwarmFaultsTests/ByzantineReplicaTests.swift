import Testing
import SwarmCore
import SwarmFaults
import SwarmMemory
import SwarmSimulator
import SwarmWire

/// One meaning per name: what each misbehaviour does to what the honest core wanted to
/// send. The simulator and `node --misbehave` run this rewriter, so these are the lies
/// both see. Replica 3 of n = 4 lies; its peers are 0, 1, 2 and their first half 0, 1.
@Suite("SwarmFaults: one rewriter for the simulator and the daemon")
struct ByzantineReplicaTests {
    let keys = SimulatedKeys(scheme: .ed25519, replicaCount: 4, clientCount: 1)
    let configuration = try! Configuration(replicaCount: 4)
    var random = SeededRandom(seed: 7)

    func liar(_ misbehavior: Misbehavior, id: ReplicaID = 3) -> ByzantineReplica {
        ByzantineReplica(misbehavior, id: id, configuration: configuration, crypto: keys.crypto(for: id))
    }

    func signed(_ payload: Payload, by id: ReplicaID = 3) -> SignedMessage {
        SignedMessage.sign(payload, cluster: configuration.cluster) { keys.crypto(for: id).sign($0) }
    }

    func request(_ requestID: UInt64) -> SignedMessage {
        keys.signRequest(ClientRequest(client: keys.clientKeys[0], requestID: requestID, operation: [UInt8(requestID)]), client: 0, cluster: configuration.cluster)
    }

    func prePrepare(_ batch: [SignedMessage]) -> SignedMessage {
        signed(.prePrepare(PrePrepare(sender: 3, view: 3, sequence: 1, digest: batchDigest(of: batch, crypto: keys.verifier), batch: batch)))
    }

    /// (message, target) of every send; a broadcast as target nil.
    func sends(_ directives: [Directive]) -> [(SignedMessage, ReplicaID?)] {
        directives.compactMap { directive in
            switch directive {
            case let .send(message, to): (message, to)
            case let .broadcast(message): (message, nil)
            default: nil
            }
        }
    }

    @Test("selective: every message goes to the first half of the peers only; replies and persists pass")
    mutating func selective() {
        let vote = signed(.prepare(Vote(sender: 3, view: 0, sequence: 1, digest: Digest(bytes: [UInt8](repeating: 1, count: 32)))))
        let reply = Reply(sender: 3, view: 0, client: keys.clientKeys[0], requestID: 1, result: [1])
        let out = liar(.selective).rewrite(
            [.persist(.view(0, changing: false)), .broadcast(vote), .send(vote, to: 2), .send(vote, to: 1), .reply(reply, readOnly: false)], random: &random)
        #expect(sends(out.directives).map(\.1) == [0, 1, 1])
        #expect(out.directives.contains(.reply(reply, readOnly: false)) && out.directives.contains(.persist(.view(0, changing: false))))
    }

    @Test("equivocate: the first half gets the PRE-PREPARE, the rest a validly signed one for the reversed batch")
    mutating func equivocate() {
        let original = prePrepare([request(1), request(2)])
        let out = liar(.equivocate).rewrite([.broadcast(original)], random: &random)
        let sent = sends(out.directives)
        #expect(sent.map(\.1) == [0, 1, 2])
        #expect(sent[0].0 == original && sent[1].0 == original)
        let conflicting = sent[2].0
        guard case let .prePrepare(pp) = conflicting.payload else { Issue.record("not a PRE-PREPARE"); return }
        #expect(pp.batch == [request(2), request(1)] && pp.digest == batchDigest(of: pp.batch, crypto: keys.verifier))
        #expect(keys.verifier.verify(conflicting), "it holds a valid key: its lie verifies, which is what makes it evidence")
        let empty = prePrepare([])
        #expect(sends(liar(.equivocate).rewrite([.broadcast(empty)], random: &random).directives).map(\.1) == [nil], "no batch, nothing to conflict with")
    }

    @Test("double-vote: PREPARE and COMMIT each reach the second half for another digest, validly signed")
    mutating func doubleVote() {
        let digest = Digest(bytes: [UInt8](repeating: 5, count: 32))
        for payload in [Payload.prepare(Vote(sender: 3, view: 0, sequence: 4, digest: digest)), .commit(Vote(sender: 3, view: 0, sequence: 4, digest: digest))] {
            let message = signed(payload)
            let sent = sends(liar(.doubleVote).rewrite([.broadcast(message)], random: &random).directives)
            #expect(sent.map(\.1) == [0, 1, 2])
            #expect(sent[2].0.kind == message.kind && sent[2].0 != message && keys.verifier.verify(sent[2].0))
        }
    }

    @Test("double-vote: the second vote is for a real batch — the proposal reordered — once the PRE-PREPARE was seen")
    mutating func doubleVoteForRealBatch() {
        var lies = liar(.doubleVote)
        let batch = [request(1), request(2)]
        let proposal = prePrepare(batch)
        lies.observe(inbound: proposal)
        guard case let .prePrepare(pp) = proposal.payload else { return }
        let own = signed(.prepare(Vote(sender: 3, view: pp.view, sequence: pp.sequence, digest: pp.digest)))
        let sent = sends(lies.rewrite([.broadcast(own)], random: &random).directives)
        guard case let .prepare(second) = sent[2].0.payload else {
            Issue.record("the second half got \(sent[2].0.kind)")
            return
        }
        #expect(second.digest == batchDigest(of: [request(2), request(1)], crypto: keys.verifier) && second.digest != pp.digest)
    }

    @Test("delay: the primary's PRE-PREPARE is held for 3/4 of the request timeout; the rest passes")
    mutating func delay() {
        let original = prePrepare([request(1)])
        let vote = signed(.commit(Vote(sender: 3, view: 0, sequence: 1, digest: Digest(bytes: [UInt8](repeating: 1, count: 32)))))
        let lies = liar(.delay)
        let out = lies.rewrite([.broadcast(original), .broadcast(vote)], random: &random)
        #expect(out.held == [original] && out.directives == [.broadcast(vote)])
        #expect(lies.holdBack(tickLength: 10) == configuration.requestTimeoutTicks * 10 * 3 / 4)
    }

    @Test("silent sends nothing; wrong-results forges every reply's result; forge's votes in others' names do not verify")
    mutating func silentWrongForge() {
        let reply = Reply(sender: 3, view: 0, client: keys.clientKeys[0], requestID: 1, result: [1])
        let silent = liar(.silent).rewrite(
            [.persist(.view(0, changing: false)), .broadcast(request(1)), .send(request(1), to: 0), .reply(reply, readOnly: false)], random: &random)
        #expect(silent.directives == [.persist(.view(0, changing: false))])
        guard case let .reply(forged, _)? = liar(.wrongResults).rewrite([.reply(reply, readOnly: false)], random: &random).directives.first else {
            Issue.record("no reply"); return
        }
        #expect(forged.result != reply.result && (try? MemoryResult.decode(forged.result)) != nil, "a well-formed but wrong result")
        let out = sends(liar(.forge).rewrite([.broadcast(prePrepare([request(1), request(2)]))], random: &random).directives)
        let inOthersNames = out.filter { ($0.0.kind == .prepare || $0.0.kind == .commit) && $0.0.payload.replicaSender != 3 }
        #expect(inOthersNames.count == 3 * 2 && inOthersNames.allSatisfy { !keys.verifier.verify($0.0) && $0.1 == 2 })
    }

    @Test("flood: validly signed PREPAREs and checkpoints beyond H, VIEW-CHANGEs for far views, and votes, VIEW-CHANGEs and checkpoints inside the windows")
    mutating func flood() {
        let low: SequenceNumber = 100, high = 100 + configuration.watermarkWindow
        let messages = liar(.flood).tick(view: 2, lowWatermark: low, highWatermark: high, random: &random)
        #expect(messages.count == 31 && messages.allSatisfy { keys.verifier.verify($0) })
        var far = 0, inside = 0
        for message in messages {
            switch message.payload {
            case let .prepare(vote), let .commit(vote):
                if vote.sequence > high {
                    far += 1
                } else {
                    #expect(vote.sequence > low && vote.view >= 2 && vote.view <= 2 + configuration.maxViewsAhead)
                    inside += 1
                }
            case let .checkpoint(checkpoint):
                #expect(checkpoint.sequence > low && checkpoint.sequence % configuration.checkpointInterval == 0)
                if checkpoint.sequence > high + configuration.watermarkWindow { far += 1 } else { inside += 1 }
            case let .viewChange(change):
                if change.newView >= 102 {
                    far += 1
                } else {
                    #expect(change.newView > 2 && change.newView <= 2 + configuration.maxViewsAhead)
                    inside += 1
                }
            default: Issue.record("unexpected \(message.kind)")
            }
        }
        #expect(inside >= 7, "inside the windows: \(inside), beyond them: \(far)")
        #expect(liar(.equivocate).tick(view: 2, lowWatermark: low, highWatermark: high, random: &random).isEmpty, "only flood and replay make traffic of their own")
    }

    @Test("replay records the last 64 messages it receives, of every kind, and sends them again")
    mutating func replay() {
        var lies = liar(.replay)
        lies.observe(inbound: request(1))
        #expect(lies.recorded == [request(1)])
        for view in 1 ... 70 {
            lies.observe(inbound: signed(.viewChange(ViewChange(sender: 1, newView: ViewNumber(view), stableSequence: 0, checkpointProof: [], prepared: [])), by: 1))
        }
        // A ring of the last 64: the request and the first six VIEW-CHANGEs are gone.
        #expect(lies.recorded.count == ByzantineReplica.recordedLimit && lies.recorded.allSatisfy { $0.kind == .viewChange })
        let views = lies.recorded.compactMap { if case let .viewChange(m) = $0.payload { m.newView } else { nil } }
        #expect(Set(views) == Set(7 ... 70))
        let replayed = (0 ..< 40).flatMap { _ in lies.tick(view: 0, lowWatermark: 0, highWatermark: 64, random: &random) }
        #expect(!replayed.isEmpty && replayed.allSatisfy { lies.recorded.contains($0) })
        var honest = liar(.flood)
        honest.observe(inbound: lies.recorded[0])
        #expect(honest.recorded.isEmpty)
    }

    @Test("lying-state: every STATE-CHUNK it sends differs from the honest one and is signed by the liar; other messages pass")
    func lyingState() throws {
        let lies = liar(.lyingState)
        var random = SeededRandom(seed: 5)
        let chunk = signed(.stateChunk(StateChunk(sender: 3, nonce: 9, checkpointSequence: 8, index: 2, bytes: Array(repeating: 7, count: 64))))
        let prepare = signed(.prepare(Vote(sender: 3, view: 0, sequence: 1, digest: .zero)))
        for _ in 0 ..< 20 {
            let out = lies.rewrite([.send(chunk, to: 1), .send(prepare, to: 1)], random: &random).directives
            guard case let .send(lie, to: 1) = out.first, case let .send(passed, to: 1) = out.last else {
                Issue.record("unexpected rewrite \(out)")
                return
            }
            #expect(lie != chunk && lie.kind == .stateChunk && keys.verifier.verify(lie))
            #expect(passed == prepare)
        }
    }

    /// A prepared certificate for (view 0, `sequence`): replica 0's PRE-PREPARE and PREPAREs
    /// from 1 and 2 (q − 1 = 2 at n = 4).
    func certificate(_ sequence: SequenceNumber, _ batch: [SignedMessage]) -> PreparedCertificate {
        let digest = batchDigest(of: batch, crypto: keys.verifier)
        let prePrepare = signed(.prePrepare(PrePrepare(sender: 0, view: 0, sequence: sequence, digest: digest, batch: batch)), by: 0)
        let prepares = [ReplicaID(1), 2].map { signed(.prepare(Vote(sender: $0, view: 0, sequence: sequence, digest: digest)), by: $0) }
        return PreparedCertificate(prePrepare: prePrepare, prepares: prepares)
    }

    func viewChange(_ sender: ReplicaID, view: ViewNumber, prepared: [PreparedCertificate]) -> SignedMessage {
        signed(.viewChange(ViewChange(sender: sender, newView: view, stableSequence: 0, checkpointProof: [], prepared: prepared)), by: sender)
    }

    @Test("view-change-lies: two different validly signed VIEW-CHANGEs for one view, to the two halves, over every variant")
    mutating func viewChangeLies() {
        var liar = liar(.viewChangeLies)
        liar.observe(inbound: viewChange(0, view: 1, prepared: [certificate(1, [request(1)])]))
        let honest = ViewChange(sender: 3, newView: 2, stableSequence: 0, checkpointProof: [], prepared: [certificate(1, [request(2)])])
        var seen = Set<String>()
        for _ in 0 ..< 40 {
            let sent = sends(liar.rewrite([.broadcast(signed(.viewChange(honest)))], random: &random).directives)
            #expect(sent.map(\.1) == [0, 1, 2] && sent[0].0 == sent[1].0 && sent[1].0 != sent[2].0, "two stories, one per half")
            for (message, _) in sent {
                guard case let .viewChange(m) = message.payload, m.sender == 3, m.newView == 2, keys.verifier.verify(message) else {
                    Issue.record("not a VIEW-CHANGE of replica 3 for view 2 that verifies: \(message)")
                    continue
                }
                guard let pp = m.prepared.first.flatMap({ if case let .prePrepare(pp) = $0.prePrepare.payload { pp } else { nil } }) else {
                    seen.insert("no certificates")
                    continue
                }
                if pp.batch == [request(1)] { seen.insert("stale certificate") }
                if pp.batch == [request(2)] { seen.insert(m == honest ? "honest" : "other") }
                if pp.batch == [] { seen.insert("batch not matching its digest") }
            }
        }
        #expect(seen == ["no certificates", "stale certificate", "honest", "batch not matching its digest"], "\(seen)")
    }

    @Test(
        "new-view-lies: one half gets the honest NEW-VIEW, the other one from another choice or order of V (its O what that V determines, or a batch left out), and COMMITs back each story"
    )
    mutating func newViewLies() {
        var liar = liar(.newViewLies, id: 1)
        let viewChanges = [ReplicaID(0), 1, 2, 3].map { viewChange($0, view: 1, prepared: $0 == 2 ? [certificate(1, [request(1)])] : []) }
        for message in viewChanges where message.payload.replicaSender != 1 { liar.observe(inbound: message) }
        let nullDigest = batchDigest(of: [], crypto: keys.verifier)
        let honestV = Array(viewChanges.prefix(3))
        let plan = NewViewPlan.compute(from: honestV.compactMap { if case let .viewChange(m) = $0.payload { m } else { nil } }, nullDigest: nullDigest)
        let honestO = plan.proposals.map { signed(.prePrepare(PrePrepare(sender: 1, view: 1, sequence: $0.sequence, digest: $0.digest, batch: $0.batch)), by: 1) }
        let honest = signed(.newView(NewView(sender: 1, view: 1, viewChanges: honestV, prePrepares: honestO)), by: 1)
        let honestCommit = signed(.commit(Vote(sender: 1, view: 1, sequence: 1, digest: plan.proposals[0].digest)), by: 1)
        var others = Set<[ReplicaID]>()
        var leftOut = 0
        var backed = 0
        for _ in 0 ..< 40 {
            let directives = liar.rewrite([.broadcast(honest)], random: &random).directives
            let sent = sends(directives)
            #expect(sent.map(\.1) == [0, 2, 3] && sent[0].0 == sent[1].0 && (sent[0].0 == honest) != (sent[2].0 == honest))
            let lie = sent[0].0 == honest ? sent[2].0 : sent[0].0
            guard case let .newView(other) = lie.payload, keys.verifier.verify(lie) else {
                Issue.record("no lie that verifies")
                continue
            }
            let senders = other.viewChanges.compactMap(\.payload.replicaSender)
            #expect(other.view == 1 && Set(senders).count == 3)
            others.insert(senders)
            let determined = NewViewPlan.compute(from: other.viewChanges.compactMap { if case let .viewChange(m) = $0.payload { m } else { nil } }, nullDigest: nullDigest)
            let told = other.prePrepares.compactMap { if case let .prePrepare(pp) = $0.payload { pp.digest } else { nil } }
            if told != determined.proposals.map(\.digest) { leftOut += 1 }
            // Its COMMIT for the honest O's batch at 1: each peer gets one for the digest it heard.
            liar.observe(outbound: directives, honest: [.broadcast(honest)])
            for (commit, peer) in sends(liar.rewrite([.broadcast(honestCommit)], random: &random).directives) {
                guard case let .commit(vote) = commit.payload else { continue }
                let heard = sent.first { $0.1 == peer }!.0 == honest ? plan.proposals[0].digest : told.first
                if let heard { #expect(vote.digest == heard && keys.verifier.verify(commit)) }
                if vote.digest != plan.proposals[0].digest { backed += 1 }
            }
        }
        #expect(others.count > 6, "V chosen and ordered many ways: \(others)")
        #expect(leftOut > 0 && leftOut < 40, "now and then O leaves a prepared batch out: \(leftOut) of 40")
        #expect(backed > 0, "COMMITs back the lie where it differs")
    }

    @Test("stale-reads: a read-only reply carries the result its core gave before the latest change to the key; ordered replies pass")
    mutating func staleReads() {
        var liar = liar(.staleReads)
        let get = MemoryOperation.get(namespace: Array("sim".utf8), key: Array("k".utf8)).encoded()
        func read(_ requestID: UInt64, result: MemoryResult) -> Reply {
            let request = ClientRequest(client: keys.clientKeys[0], requestID: requestID, readOnly: true, operation: get)
            liar.observe(inbound: keys.signRequest(request, client: 0, cluster: configuration.cluster))
            return Reply(sender: 3, view: 0, client: keys.clientKeys[0], requestID: requestID, result: result.encoded())
        }
        func answer(_ reply: Reply) -> [UInt8]? {
            let honest: [Directive] = [.reply(reply, readOnly: true)]
            let out = liar.rewrite(honest, random: &random).directives
            liar.observe(outbound: out, honest: honest)
            if case let .reply(sent, true)? = out.first { return sent.result }
            return nil
        }
        let first = MemoryResult(status: .ok, version: 1, value: [1]), second = MemoryResult(status: .ok, version: 2, value: [2])
        #expect(answer(read(1, result: first)) == MemoryResult(status: .notFound).encoded(), "nothing known before: not found")
        #expect(answer(read(2, result: second)) == first.encoded(), "the state before the write of version 2")
        #expect(answer(read(3, result: second)) == first.encoded(), "still the state before the latest write")
        let ordered = Reply(sender: 3, view: 0, client: keys.clientKeys[0], requestID: 4, result: second.encoded())
        #expect(liar.rewrite([.reply(ordered, readOnly: false)], random: &random).directives == [.reply(ordered, readOnly: false)])
    }

    @Test("The daemon and the simulator accept the same names")
    func names() {
        #expect(
            Misbehavior.allCases.map(\.rawValue) == [
                "equivocate", "double-vote", "silent", "selective", "delay", "flood", "forge", "replay", "wrong-results", "lying-state", "stale-reads", "view-change-lies",
                "new-view-lies",
            ])
        #expect(Misbehavior.names.contains("wrong-results") && Misbehavior(rawValue: "favourite") == nil)
    }
}
