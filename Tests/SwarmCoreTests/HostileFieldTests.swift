import SwarmCore
import SwarmMemory
import SwarmWire
import Testing

/// The core never traps on input (issue 14, defect F): every field a Byzantine replica
/// can sign is fed at its extremes — 0, 1, max − 1, max, and around the watermarks and
/// `maxViewsAhead` — in every kind of message, validly signed by replica 3. A trap ends
/// the test process; a pass means each was handled (counted and dropped, or answered)
/// and the honest replica's view and execution did not move.
@Suite("Hostile fields: validly signed extremes never trap the core")
struct HostileFieldTests {
    static let extremes: [UInt64] = [0, 1, 2, 7, 8, 9, 1 << 32, .max / 2, .max - 1, .max]

    /// Every message kind with one field set to `value` (the others plausible).
    static func messages(_ h: Harness, value v: UInt64) -> [SignedMessage] {
        let digest = Digest(bytes: [UInt8](repeating: 0xAB, count: 32))
        let byzantine: ReplicaID = 3
        let request = h.request(id: 1)
        var out: [Payload] = [
            .stateRequest(StateRequest(sender: byzantine, lastExecuted: v, nonce: v)),
            .stateResponse(
                StateResponse(
                    sender: byzantine, nonce: v, checkpointSequence: v, checkpointProof: [], manifest: StateManifest(totalBytes: 3, chunkBytes: 1 << 20, chunkDigests: [digest]),
                    entries: [])),
            .stateChunkRequest(StateChunkRequest(sender: byzantine, nonce: v, checkpointSequence: v, index: UInt32(truncatingIfNeeded: v))),
            .stateChunk(StateChunk(sender: byzantine, nonce: v, checkpointSequence: v, index: UInt32(truncatingIfNeeded: v), bytes: [1, 2, 3])),
            .prePrepare(PrePrepare(sender: byzantine, view: v, sequence: v, digest: h.batchDigest([request]), batch: [request])),
            .prePrepare(PrePrepare(sender: 0, view: 0, sequence: v, digest: h.batchDigest([request]), batch: [request])),
            .prepare(Vote(sender: byzantine, view: v, sequence: v, digest: digest)),
            .prepare(Vote(sender: byzantine, view: 0, sequence: v, digest: digest)),
            .commit(Vote(sender: byzantine, view: v, sequence: 1, digest: digest)),
            .commit(Vote(sender: byzantine, view: 0, sequence: v, digest: digest)),
            .checkpoint(Checkpoint(sender: byzantine, sequence: v, stateDigest: digest)),
            .viewChange(ViewChange(sender: byzantine, newView: v, stableSequence: v, checkpointProof: [], prepared: [])),
            .viewChange(ViewChange(sender: byzantine, newView: 1, stableSequence: v, checkpointProof: [], prepared: [])),
            .newView(NewView(sender: byzantine, view: v, viewChanges: [], prePrepares: [])),
        ]
        // A VIEW-CHANGE whose certificate names an extreme sequence and view.
        let pp = PrePrepare(sender: 0, view: 0, sequence: v, digest: h.batchDigest([request]), batch: [request])
        let certificate = PreparedCertificate(
            prePrepare: h.sign(.prePrepare(pp), as: 0),
            prepares: [1, 2].map { h.sign(.prepare(Vote(sender: $0, view: 0, sequence: v, digest: pp.digest)), as: $0) })
        out.append(.viewChange(ViewChange(sender: byzantine, newView: 1, stableSequence: 0, checkpointProof: [], prepared: [certificate])))
        return out.map { h.sign($0, as: $0.replicaSender ?? byzantine) } + [
            h.keys.signRequest(ClientRequest(client: h.keys.clientKeys[1], requestID: v, operation: [0xFF]), client: 1, cluster: h.configuration.cluster)
        ]
    }

    @Test("Extremes in every field, to a primary and a backup, in normal operation and mid view change")
    func extremesNeverTrap() throws {
        var h = try Harness()
        // Some history first: one request executed everywhere.
        let first = h.replicas[0].receive(h.request(id: 1))
        _ = h.settle([(0, first)])
        for replica in 0 ..< 3 { _ = h.replicas[replica].tick() }
        let executed = h.replicas.map(\.lastExecuted)
        var changing = h.replicas[2]
        _ = changing.requestViewChange()
        // Each message reaches a fresh copy of each replica (a struct: copies are
        // independent), so that no earlier message's duplicate suppression shields a later
        // one; then all of them reach one copy in turn, with ticks in between.
        let targets = [h.replicas[0], h.replicas[1], changing]
        var cumulative = targets
        for (round, value) in Self.extremes.enumerated() {
            for message in Self.messages(h, value: value) {
                for target in targets {
                    var fresh = target
                    _ = fresh.receive(message)
                    _ = fresh.tick()
                    #expect(fresh.view == target.view || target.status != .normal, "one Byzantine message moved replica \(target.id)'s view")
                }
                for index in cumulative.indices { _ = cumulative[index].receive(message) }
            }
            // Fewer ticks than a request timeout: the view must not move for a correct reason.
            guard round % 2 == 0 else { continue }
            for index in cumulative.indices { _ = cumulative[index].tick() }
        }
        h.replicas[0] = cumulative[0]
        h.replicas[1] = cumulative[1]
        #expect(h.replicas[0].view == 0 && h.replicas[1].view == 0, "one Byzantine replica moved the view: \(h.replicas.map(\.view))")
        #expect(h.replicas.prefix(2).map(\.lastExecuted) == Array(executed.prefix(2)), "execution moved on hostile input")
    }

    @Test("A STATE-REQUEST claiming lastExecuted = max gets an empty answer, not a trap")
    func stateRequestAtMax() throws {
        var h = try Harness()
        for claimed: UInt64 in [.max, .max - 1] {
            let out = h.replicas[0].receive(h.sign(.stateRequest(StateRequest(sender: 3, lastExecuted: claimed, nonce: claimed)), as: 3))
            let responses = out.compactMap { directive -> StateResponse? in
                if case let .send(message, to: 3) = directive, case let .stateResponse(response) = message.payload { return response }
                return nil
            }
            #expect(responses.count <= 1 && responses.allSatisfy { $0.entries.isEmpty && $0.manifest == nil })
            for _ in 0 ..< 20 { _ = h.replicas[0].tick() }
        }
    }

    @Test("A log naming a view or checkpoint no replica can reach is refused at restore, not trapped on later")
    func unreachableDurableState() throws {
        let h = try Harness()
        var view = DurableState()
        view.apply(.view(.max, changing: false))
        #expect(throws: ServiceError.self) {
            try Replica(restoring: view, configuration: h.configuration, id: 0, crypto: h.keys.crypto(for: 0), service: SwarmMemory())
        }
        // A well-formed snapshot (no clients, an empty memory), so that only the sequence
        // is wrong: at a multiple of K, but with no room for h + L.
        let service = SwarmMemory().snapshot()
        let length = UInt32(service.count)
        let snapshot: [UInt8] = [0, 0, 0, 0, UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)] + service
        var sane = DurableState()
        // The genesis state is the same snapshot, so its digest is the one to certify.
        let genesisDigest = Replica(configuration: h.configuration, id: 0, crypto: h.keys.crypto(for: 0), service: SwarmMemory()).stable.stateDigest
        sane.apply(.stableCheckpoint(StableCheckpoint(sequence: 8, stateDigest: genesisDigest, proof: [], snapshot: snapshot)))
        #expect(throws: Never.self, "the control: the same snapshot at a reachable sequence restores") {
            try Replica(restoring: sane, configuration: h.configuration, id: 0, crypto: h.keys.crypto(for: 0), service: SwarmMemory())
        }
        // A state that does not hash to the digest its checkpoint names (a disk, a hand).
        var unhashed = DurableState()
        unhashed.apply(.stableCheckpoint(StableCheckpoint(sequence: 8, stateDigest: Digest(bytes: [UInt8](repeating: 0, count: 32)), proof: [], snapshot: snapshot)))
        #expect(throws: ServiceError.self) {
            try Replica(restoring: unhashed, configuration: h.configuration, id: 0, crypto: h.keys.crypto(for: 0), service: SwarmMemory())
        }
        // The same for a NEW-VIEW the log says this replica entered (WAL tag 8).
        var entered = DurableState()
        let farView = NewView(sender: h.configuration.primary(of: .max), view: .max, viewChanges: [], prePrepares: [])
        entered.apply(.enteredNewView(h.sign(.newView(farView), as: farView.sender)))
        #expect(throws: ServiceError.self) {
            try Replica(restoring: entered, configuration: h.configuration, id: 0, crypto: h.keys.crypto(for: 0), service: SwarmMemory())
        }
        var checkpoint = DurableState()
        let unreachable = UInt64.max - UInt64.max % h.configuration.checkpointInterval
        checkpoint.apply(.stableCheckpoint(StableCheckpoint(sequence: unreachable, stateDigest: Digest(bytes: [UInt8](repeating: 0, count: 32)), proof: [], snapshot: snapshot)))
        #expect(throws: ServiceError.self) {
            try Replica(restoring: checkpoint, configuration: h.configuration, id: 0, crypto: h.keys.crypto(for: 0), service: SwarmMemory())
        }
    }
}
