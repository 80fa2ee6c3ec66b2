import SwarmCore
import SwarmMemory
import SwarmWire
import Testing

/// Crashes between two records of one directive list (issue 14, defects A, B, E). The
/// contract (Directive.swift): a directive may be performed as soon as the persists
/// before it are durable, so a crash can fall between any two records, and whatever
/// follows the cut was never sent. Each test folds a replica's persists up to a cut into
/// a `DurableState`, restarts it from that, and checks what a correct replica must do.
@Suite("Crash windows: a restart between two records neither stalls nor equivocates")
struct CrashWindowTests {
    /// The persists of `directives` before the first directive matching `cut`, applied to `state`.
    static func fold(_ directives: [Directive], into state: inout DurableState, before cut: (Directive) -> Bool) {
        for directive in directives {
            if cut(directive) { return }
            if case let .persist(record) = directive { state.apply(record) }
        }
    }

    static func isViewRecord(_ view: ViewNumber, changing: Bool) -> (Directive) -> Bool {
        { directive in
            if case .persist(.view(view, changing: changing)) = directive { return true }
            return false
        }
    }

    static func isViewChangeRecord(_ directive: Directive) -> Bool {
        if case let .persist(.signed(message)) = directive { return message.kind == .viewChange }
        return false
    }

    /// Rebuilds replica `index` from `state` and runs its recovery.
    static func restart(_ h: inout Harness, _ index: Int, from state: DurableState) throws -> [Directive] {
        h.replicas[index] = try Replica(
            restoring: state, configuration: h.configuration, id: ReplicaID(index), crypto: h.keys.crypto(for: ReplicaID(index)), service: SwarmMemory())
        return h.replicas[index].recover()
    }

    /// Ticks and delivers until every replica not down is in normal operation in one view
    /// (or the rounds run out).
    static func runUntilAgreed(_ h: inout Harness, down: Set<Int>, rounds: Int = 200) {
        for _ in 0 ..< rounds {
            let up = h.replicas.indices.filter { !down.contains($0) }
            if up.allSatisfy({ h.replicas[$0].status == .normal && h.replicas[$0].view == h.replicas[up[0]].view && h.replicas[$0].view > 0 }) { return }
            var produced: [(from: ReplicaID, [Directive])] = []
            for index in up { produced.append((ReplicaID(index), h.replicas[index].tick())) }
            _ = h.settle(produced, down: down)
        }
    }

    @Test("B: a replica restarted between its view record and its VIEW-CHANGE signs the VIEW-CHANGE, and n − f replicas reach the new view")
    func lostViewChange() throws {
        var h = try Harness()
        let down: Set<Int> = [0]  // the primary of view 0, for good
        var changes: [(from: ReplicaID, [Directive])] = [1, 2].map { (ReplicaID($0), h.replicas[$0].requestViewChange()) }
        let third = h.replicas[3].requestViewChange()
        var durable = DurableState()
        Self.fold(third, into: &durable, before: Self.isViewChangeRecord)
        #expect(durable.view == 1 && durable.changing, "the cut is after the view record")
        changes.append((3, try Self.restart(&h, 3, from: durable)))
        _ = h.settle(changes, down: down)
        Self.runUntilAgreed(&h, down: down)
        let states = (1 ... 3).map { "r\($0): view \(h.replicas[$0].view) \(h.replicas[$0].status)" }
        #expect((1 ... 3).allSatisfy { h.replicas[$0].status == .normal && h.replicas[$0].view == h.replicas[1].view }, "\(states)")
    }

    @Test("E: a backup restarted between accepting NEW-VIEW and its view record re-enters the view")
    func backupOutsideTheView() throws {
        var h = try Harness()
        let changes = (0 ..< 4).map { (from: ReplicaID($0), h.replicas[$0].requestViewChange()) }
        // Everyone's VIEW-CHANGE reaches replica 1 (primary of view 1); its NEW-VIEW then
        // reaches replica 2, which crashes before its view record.
        var toPrimary: [Directive] = []
        for (from, directives) in changes where from != 1 {
            for message in directives.broadcasts(of: .viewChange) { toPrimary += h.replicas[1].receive(message) }
        }
        guard let newView = toPrimary.broadcasts(of: .newView).first else {
            Issue.record("the primary of view 1 sent no NEW-VIEW")
            return
        }
        let accepted = h.replicas[2].receive(newView)
        var durable = DurableState()
        for directive in changes[2].1 { if case let .persist(record) = directive { durable.apply(record) } }
        Self.fold(accepted, into: &durable, before: Self.isViewRecord(1, changing: false))
        _ = try Self.restart(&h, 2, from: durable)
        #expect(h.replicas[2].view == 1 && h.replicas[2].status == .normal, "r2: view \(h.replicas[2].view) \(h.replicas[2].status)")
        // It can hand the NEW-VIEW to a replica still behind (backups keep it now).
        let forwarded = h.replicas[2].receive(changes[3].1.broadcasts(of: .viewChange)[0])
        #expect(forwarded.contains { if case let .send(message, to: 3) = $0 { message == newView } else { false } }, "r2 did not forward the NEW-VIEW")
    }

    @Test("A: a new primary restarted between its NEW-VIEW and its view record re-sends the same NEW-VIEW and never signs another")
    func primaryNeverSignsTwoNewViews() throws {
        var h = try Harness()
        // A request prepared in view 0 at replicas 0, 1, 2, so that O is not empty.
        _ = h.settle([(0, h.replicas[0].receive(h.request(id: 1)))], down: [3])
        let changes = (0 ..< 4).map { (from: ReplicaID($0), h.replicas[$0].requestViewChange()) }
        var sent: [Directive] = []
        for (from, directives) in changes where from == 0 || from == 2 {
            for message in directives.broadcasts(of: .viewChange) { sent += h.replicas[1].receive(message) }
        }
        guard let first = sent.broadcasts(of: .newView).first else {
            Issue.record("the primary of view 1 sent no NEW-VIEW")
            return
        }
        var durable = DurableState()
        for directive in changes[1].1 { if case let .persist(record) = directive { durable.apply(record) } }
        Self.fold(sent, into: &durable, before: Self.isViewRecord(1, changing: false))
        var after = try Self.restart(&h, 1, from: durable)
        #expect(h.replicas[1].view == 1 && h.replicas[1].status == .normal, "r1: view \(h.replicas[1].view) \(h.replicas[1].status)")
        // After the restart, other VIEW-CHANGEs reach it (V could now be {0, 1, 3}).
        for (from, directives) in changes where from == 3 || from == 0 {
            for message in directives.broadcasts(of: .viewChange) { after += h.replicas[1].receive(message) }
        }
        for _ in 0 ..< 30 { after += h.replicas[1].tick() }
        let newViews = (after.broadcasts(of: .newView) + after.compactMap { if case let .send(message, _) = $0, message.kind == .newView { message } else { nil } })
            .filter { if case let .newView(m) = $0.payload { m.view == 1 } else { false } }
        #expect(!newViews.isEmpty, "the restarted primary never sent its NEW-VIEW again")
        #expect(newViews.allSatisfy { $0 == first }, "replica 1 signed a second, different NEW-VIEW for view 1")
    }
}

/// State transfer (section 5.3.2) that installs a snapshot must also run what the
/// replica already holds committed above it (issue 14: "after installSnapshot, committed
/// entries above the snapshot are not executed when the response carries none").
@Suite("State transfer: committed entries above an installed snapshot run")
struct SnapshotThenCommittedTests {
    @Test("A lagging replica with batch 9 committed installs the checkpoint at 8 from an answer without entries, then executes 9")
    func executesAboveSnapshot() throws {
        var h = try Harness(checkpointInterval: 4, watermarkWindow: 16)
        // Replica 3 is cut off while 0, 1, 2 order eight requests (checkpoints 4 and 8).
        for id in 1 ... 8 { _ = h.settle([(0, h.replicas[0].receive(h.request(id: UInt64(id))))], down: [3]) }
        #expect(h.replicas[0].lowWatermark == 8, "the others made checkpoint 8 stable (h = \(h.replicas[0].lowWatermark))")
        // Back in time for request 9: it sees it commit, but cannot run it (1–8 missing).
        _ = h.settle([(0, h.replicas[0].receive(h.request(id: 9)))])
        #expect(h.replicas[3].lastExecuted == 0 && h.replicas[0].lastExecuted == 9)
        // It asks for state; the answer holds the checkpoint and no entries.
        var request: (target: ReplicaID, nonce: UInt64)?
        for _ in 0 ..< 100 where request == nil {
            for directive in h.replicas[3].tick() {
                if case let .send(message, to: target) = directive, case let .stateRequest(m) = message.payload { request = (target, m.nonce) }
            }
        }
        guard let request else {
            Issue.record("replica 3 never asked for state")
            return
        }
        let responder = h.replicas[Int(request.target)]
        let answer = StateResponse(
            sender: request.target, nonce: request.nonce, checkpointSequence: responder.stable.sequence, checkpointProof: responder.stable.proof,
            manifest: responder.stableManifest, entries: [])
        // The state comes in STATE-CHUNKs the others serve on request.
        _ = h.settle([(3, h.replicas[3].receive(h.sign(.stateResponse(answer), as: request.target)))])
        #expect(h.replicas[3].lastExecuted == 9, "replica 3 stopped at \(h.replicas[3].lastExecuted)")
    }
}
