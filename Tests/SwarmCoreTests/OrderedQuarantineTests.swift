import SwarmCore
import SwarmMemory
import SwarmWire
import Testing

/// Issue 15, finding 7: an admin's quarantine is an ordered request, executed alike by
/// every correct replica, at most f in the whole cluster.
@Suite("Ordered quarantine: one set for the cluster, at most f")
struct OrderedQuarantineTests {
    /// A harness whose client 3 is the admin.
    func harness(replicaCount: Int = 4) throws -> Harness {
        var harness = try Harness(replicaCount: replicaCount)
        var configuration = harness.configuration
        configuration.adminClients = [harness.keys.clientKeys[3]]
        let keys = harness.keys
        harness = try Harness(replicaCount: replicaCount)
        harness.replicas = (0 ..< replicaCount).map { Replica(configuration: configuration, id: ReplicaID($0), crypto: keys.crypto(for: ReplicaID($0)), service: SwarmMemory()) }
        return harness
    }

    func order(_ harness: Harness, _ control: OrderedControl, client: Int = 3, id: UInt64) -> SignedMessage {
        harness.keys.signRequest(
            ClientRequest(client: harness.keys.clientKeys[client], requestID: id, operation: control.encoded()), client: client, cluster: harness.configuration.cluster)
    }

    /// Sends `message` to every replica and settles; returns the texts of the replies.
    func run(_ harness: inout Harness, _ message: SignedMessage) -> [String] {
        let initial = harness.replicas.indices.map { (from: ReplicaID($0), harness.replicas[$0].receive(message)) }
        let produced = harness.settle(initial)
        return produced.values.flatMap(\.replies).map { String(decoding: $0.result, as: UTF8.self) }
    }

    @Test("The red team's cycle (quarantine 1, then 2, 3 and 0): the first is applied by every replica, the rest refused by every replica")
    func cycleStopsAtF() throws {
        var harness = try harness()
        let first = run(&harness, order(harness, .quarantine(1), id: 1))
        #expect(first.count == 4 && first.allSatisfy { $0.hasPrefix("replica 1 is quarantined") }, "\(first)")
        for (index, target) in [2, 3, 0].enumerated() {
            let replies = run(&harness, order(harness, .quarantine(ReplicaID(target)), id: UInt64(2 + index)))
            #expect(!replies.isEmpty && replies.allSatisfy { $0.hasPrefix("refused: at most f = 1") }, "\(replies)")
        }
        for replica in harness.replicas {
            #expect(replica.orderedQuarantine == [1])
            #expect(replica.quarantined == (replica.id == 1 ? [] : [1]), "replica \(replica.id) ignores \(replica.quarantined)")
        }
        // The order is replicated state: every replica's state digest agrees, and it differs
        // from the state without the order (a checkpoint certifies it).
        let digests = Set(harness.replicas.map { $0.currentStateDigest() })
        #expect(digests.count == 1)
        let released = run(&harness, order(harness, .release(1), id: 5))
        #expect(released.allSatisfy { $0.hasPrefix("replica 1 is released") }, "\(released)")
        #expect(harness.replicas.allSatisfy { $0.orderedQuarantine.isEmpty && $0.quarantined.isEmpty })
    }

    @Test("An order signed by a key that is not an admin's executes as a refusal and changes nothing")
    func notAnAdmin() throws {
        var harness = try harness()
        let replies = run(&harness, order(harness, .quarantine(2), client: 0, id: 1))
        #expect(!replies.isEmpty && replies.allSatisfy { $0 == "refused: the signer is not an admin key" }, "\(replies)")
        #expect(harness.replicas.allSatisfy { $0.orderedQuarantine.isEmpty && $0.quarantined.isEmpty })
    }

    @Test("An ordered quarantine of the primary replaces it at every replica")
    func orderedPrimary() throws {
        var harness = try harness()
        _ = run(&harness, order(harness, .quarantine(0), id: 1))
        #expect(harness.replicas.dropFirst().allSatisfy { $0.view >= 1 && $0.quarantined == [0] }, "\(harness.replicas.map { ($0.view, $0.status, $0.quarantined) })")
    }

    @Test("Proof beats order: a replica that proves another faulty ignores that one, not the ordered one, when only f fit")
    func proofBeatsOrder() throws {
        var harness = try harness()
        _ = run(&harness, order(harness, .quarantine(1), id: 1))
        #expect(harness.replicas[2].quarantined == [1])
        _ = harness.replicas[2].quarantine(3)
        #expect(harness.replicas[2].quarantined == [3] && harness.replicas[2].orderedQuarantine == [1])
    }

    @Test("A restart replaying an ordered release does not undo a quarantine the replica proved after it")
    func replayedReleaseKeepsLaterProof() throws {
        var harness = try harness()
        let release = order(harness, .release(2), id: 1)
        let initial = harness.replicas.indices.map { (from: ReplicaID($0), harness.replicas[$0].receive(release)) }
        var durable = DurableState()
        for directive in harness.settle(initial)[0] ?? [] { if case let .persist(record) = directive { durable.apply(record) } }
        #expect(harness.replicas[0].lastExecuted == 1)
        // After the release, replica 0 proves replica 2 faulty itself.
        for directive in harness.replicas[0].quarantine(2).directives { if case let .persist(record) = directive { durable.apply(record) } }
        #expect(harness.replicas[0].quarantined == [2])
        // A restart replays the release (sequence 1, above any checkpoint): the proof stays.
        let configuration = harness.replicas[0].configuration  // with the admin
        harness.replicas[0] = try Replica(restoring: durable, configuration: configuration, id: 0, crypto: harness.keys.crypto(for: 0), service: SwarmMemory())
        _ = harness.replicas[0].recover()
        #expect(harness.replicas[0].lastExecuted == 1)
        #expect(harness.replicas[0].quarantined == [2], "the replayed release undid a later proof: \(harness.replicas[0].quarantined)")
    }

    @Test("The encoding is exactly 7 bytes and nothing else decodes as an order")
    func encoding() {
        #expect(OrderedControl.decode(OrderedControl.quarantine(7).encoded()) == .quarantine(7))
        #expect(OrderedControl.decode(OrderedControl.release(UInt32.max).encoded()) == .release(UInt32.max))
        #expect(OrderedControl.decode(MemoryOperation.put(namespace: [1], key: [2], value: [3]).encoded()) == nil)
        #expect(OrderedControl.decode(OrderedControl.quarantine(1).encoded() + [0]) == nil)
        #expect(OrderedControl.decode([0xC0, 0x51, 9, 0, 0, 0, 1]) == nil)
    }
}
