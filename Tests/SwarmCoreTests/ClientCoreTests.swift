import Testing
import SwarmCore
import SwarmWire

/// The client rule every client runs (section 2.1, 4.1), against hostile replies: a
/// Byzantine replica may answer many times, name another sender, another request, or a
/// wrong result; the client accepts only what q distinct replicas say (f + 1 would prove
/// a result; q also keeps a completed write visible to the read-only path).
@Suite("ClientCore: request ids, send rule, retransmission, reply quorum")
struct ClientCoreTests {
    let configuration = try! Configuration(replicaCount: 4)
    let key = ClientKey(bytes: [UInt8](repeating: 7, count: 32))

    func core(_ rule: ClientSendRule = .primaryFirst) -> ClientCore {
        ClientCore(configuration: configuration, key: key, sendRule: rule, retransmitAfter: 100)
    }

    func sign(_ request: ClientRequest) -> SignedMessage {
        SignedMessage.withSignature(.request(request), cluster: configuration.cluster, signature: [UInt8](repeating: 0, count: 64))
    }

    func reply(_ sender: ReplicaID, _ result: [UInt8], requestID: UInt64 = 1, view: ViewNumber = 0, client: ClientKey? = nil) -> Reply {
        Reply(sender: sender, view: view, client: client ?? key, requestID: requestID, result: result)
    }

    func targets(_ output: ClientCore.Output?) -> [ReplicaID]? {
        guard case let .send(_, to) = output else { return nil }
        return to
    }

    @Test("q matching replies from distinct replicas complete a write; one replica answering q times does not")
    func quorumOfDistinctReplicas() {
        var client = core()
        _ = client.submit(operation: [1], now: 0, sign: sign)
        for _ in 0 ..< 5 { #expect(client.receive(reply(3, [9])) == nil, "a replica repeating itself is one vote") }
        #expect(client.receive(reply(1, [9])) == nil, "f + 1 prove the result but do not complete a write")
        let accepted = client.receive(reply(2, [9]))
        #expect(accepted == .accepted(requestID: 1, result: [9], view: 0))
        #expect(client.pending == nil)
        #expect(client.receive(reply(0, [9])) == nil, "a late reply after the result is ignored")
    }

    @Test("Defect C: a write acknowledged by one correct and one Byzantine replica is not complete, so no later read-only request can miss it")
    func writeNeedsQuorum() {
        // Only replica 1 executed the write; Byzantine 0 acknowledges it too. On f + 1
        // the write would complete, and a read-only get could then gather q = 3 matching
        // stale replies from 2, 3 and 0 after the client's own write completed.
        var client = core()
        _ = client.submit(operation: [1], now: 0, sign: sign)
        #expect(client.receive(reply(1, [7])) == nil)
        #expect(client.receive(reply(0, [7])) == nil, "f + 1 = 2 acknowledgements: the write is not complete")
        #expect(client.pending != nil)
        #expect(configuration.writeQuorum == configuration.quorum && configuration.writeQuorum > configuration.weakQuorum)
        // Any q sets share f + 1 replicas: the write's and a later read's meet in a correct one.
        #expect(2 * configuration.writeQuorum - configuration.replicaCount >= configuration.faultTolerance + 1)
    }

    @Test("f Byzantine replicas agreeing on a wrong result never make it accepted; the correct one wins")
    func wrongResultNeedsMoreThanF() {
        var client = core()
        _ = client.submit(operation: [1], now: 0, sign: sign)
        #expect(client.receive(reply(0, [6, 6, 6])) == nil)
        #expect(client.receive(reply(1, [1])) == nil)
        #expect(client.receive(reply(2, [1])) == nil)
        #expect(client.receive(reply(3, [1])) == .accepted(requestID: 1, result: [1], view: 0))
    }

    @Test("Replies for another client, another request, a sender that is no replica, or the wrong connection are counted and ignored")
    func hostileReplies() {
        var client = core()
        _ = client.submit(operation: [1], now: 0, sign: sign)
        #expect(client.receive(reply(0, [1], client: ClientKey(bytes: [UInt8](repeating: 8, count: 32)))) == nil)
        #expect(client.receive(reply(0, [1], requestID: 2)) == nil)
        #expect(client.receive(reply(0, [1], requestID: .max)) == nil)
        #expect(client.receive(reply(4, [1])) == nil)
        #expect(client.receive(reply(.max, [1])) == nil)
        #expect(client.receive(reply(2, [1]), connectedTo: 1) == nil, "the link to replica 1 cannot speak for replica 2")
        #expect(client.ignoredReplies == 6)
        #expect(client.repliesReceived == 0)
        #expect(client.receive(reply(1, [1]), connectedTo: 1) == nil)
        #expect(client.receive(reply(2, [1]), connectedTo: 2) == nil)
        #expect(client.receive(reply(3, [1]), connectedTo: 3) == .accepted(requestID: 1, result: [1], view: 0))
    }

    @Test("A read-only request needs q matching replies (section 4.1)")
    func readOnlyNeedsQuorum() {
        var client = core()
        _ = client.submit(operation: [1], readOnly: true, now: 0, sign: sign)
        #expect(client.pending?.request.readOnly == true)
        #expect(client.receive(reply(0, [1])) == nil)
        #expect(client.receive(reply(1, [1])) == nil, "f + 1 is not enough for a tentative result")
        #expect(client.receive(reply(2, [1])) == .accepted(requestID: 1, result: [1], view: 0))
    }

    @Test("Request ids increase; primaryFirst sends the first request to all, later ones to the primary of the view last accepted")
    func sendRule() {
        var client = core(.primaryFirst)
        #expect(targets(client.submit(operation: [1], now: 0, sign: sign)) == [0, 1, 2, 3])
        for replier in [1, 2, 3] as [ReplicaID] { _ = client.receive(reply(replier, [1], view: 6)) }
        #expect(client.believedView == 6)
        let second = client.submit(operation: [2], now: 10, sign: sign)
        #expect(targets(second) == [2], "primary of view 6 is 6 mod 4")
        #expect(client.pending?.request.requestID == 2)
        var everyone = core(.all)
        _ = everyone.submit(operation: [1], now: 0, sign: sign)
        for replier in [1, 2, 3] as [ReplicaID] { _ = everyone.receive(reply(replier, [1])) }
        #expect(targets(everyone.submit(operation: [2], now: 0, sign: sign)) == [0, 1, 2, 3])
        // A transport that needs no reply route (the simulator's): the very first
        // request already goes only to the primary.
        var routeless = ClientCore(configuration: configuration, key: key, sendRule: .primaryFirst, introducesItself: false, retransmitAfter: 100)
        #expect(targets(routeless.submit(operation: [1], now: 0, sign: sign)) == [0])
    }

    @Test("A pending request goes to every replica once retransmitAfter has passed; a clock stepping back does not trap or resend")
    func retransmission() {
        var client = core()
        #expect(client.tick(now: 500) == nil, "nothing pending")
        _ = client.submit(operation: [1], now: 1000, sign: sign)
        #expect(client.tick(now: 1099) == nil)
        #expect(targets(client.tick(now: 1100)) == [0, 1, 2, 3])
        #expect(client.tick(now: 1150) == nil)
        #expect(client.tick(now: 3) == nil, "the clock stepped back")
        #expect(client.tick(now: 50) == nil)
        #expect(targets(client.tick(now: 103)) == [0, 1, 2, 3])
        #expect(client.tick(now: .max) != nil)
    }

    @Test("Abandoning a request ignores its late replies; the next request has the next id")
    func abandon() {
        var client = core()
        _ = client.submit(operation: [1], now: 0, sign: sign)
        _ = client.receive(reply(0, [1]))
        client.abandon()
        #expect(client.receive(reply(1, [1])) == nil)
        _ = client.submit(operation: [2], now: 0, sign: sign)
        #expect(client.pending?.request.requestID == 2)
        #expect(client.receive(reply(1, [1])) == nil, "a reply to request 1 does not count for request 2")
    }
}
