import Foundation
import Testing
@testable import ZeroMQ

@Suite("ROUTER/DEALER and PUSH/PULL")
struct RouterDealerTests {
    @Test("ROUTER routes replies by routing id to the right DEALER among two")
    func routerReplyToTheRightDealer() throws {
        let context = try ZMQContext()
        defer { context.terminate() }
        let router = try makeTestSocket(context, .router)
        defer { router.close() }
        try router.setRouterMandatory(true)
        try router.bind("tcp://127.0.0.1:*")
        let endpoint = try router.lastEndpoint

        let dealer1 = try makeTestSocket(context, .dealer)
        defer { dealer1.close() }
        let dealer2 = try makeTestSocket(context, .dealer)
        defer { dealer2.close() }
        try dealer1.setRoutingID(bytes("dealer-1"))
        try dealer2.setRoutingID(bytes("dealer-2"))
        #expect(try dealer1.routingID == bytes("dealer-1"))
        try dealer1.connect(endpoint)
        try dealer2.connect(endpoint)

        try dealer1.send([bytes("hello from 1")])
        try dealer2.send([bytes("hello from 2")])
        var seen: [String: String] = [:]
        for _ in 0 ..< 2 {
            let message = try #require(try router.receiveMultipart())
            #expect(message.count == 2)
            seen[text(message[0])] = text(message[1])
        }
        #expect(seen == ["dealer-1": "hello from 1", "dealer-2": "hello from 2"])

        try router.send([bytes("dealer-2"), bytes("for 2")])
        try router.send([bytes("dealer-1"), bytes("for 1")])
        #expect(try dealer1.receiveMultipart() == [bytes("for 1")])
        #expect(try dealer2.receiveMultipart() == [bytes("for 2")])
        #expect(try receive(dealer1, timeoutMilliseconds: 50) == nil)

        #expect { try router.send([bytes("nobody"), bytes("x")]) } throws: {
            ($0 as? ZMQError)?.isHostUnreachable == true
        }
    }

    func pushPull(bindEndpoint: String) throws {
        let context = try ZMQContext()
        defer { context.terminate() }
        let pull = try makeTestSocket(context, .pull)
        defer { pull.close() }
        let push = try makeTestSocket(context, .push)
        defer { push.close() }
        try pull.bind(bindEndpoint)
        try push.connect(try pull.lastEndpoint)

        let multipart: [[UInt8]] = [[], bytes("body"), [], [0, 255, 0], []]
        #expect(try push.send(multipart))
        try push.send(frame: bytes("part-1"), more: true)
        try push.send(frame: bytes("part-2"))
        try bytes("unsafe").withUnsafeBytes { buffer in
            _ = try push.sendUnsafe(buffer)
        }
        #expect(try pull.receiveMultipart() == multipart)
        #expect(try pull.receive() == bytes("part-1"))
        #expect(try pull.hasMoreFrames)
        #expect(try pull.receive() == bytes("part-2"))
        #expect(try !pull.hasMoreFrames)
        #expect(try pull.receiveMultipart() == [bytes("unsafe")])
    }

    @Test("PUSH/PULL over tcp keeps multipart boundaries and empty frames")
    func pushPullTCP() throws {
        try pushPull(bindEndpoint: "tcp://127.0.0.1:*")
    }

    @Test("PUSH/PULL over inproc keeps multipart boundaries and empty frames")
    func pushPullInproc() throws {
        try pushPull(bindEndpoint: uniqueInproc("pushpull"))
    }

    @Test("a peer's message longer than maxFrames is drained and reported, never thrown; the next one arrives intact")
    func frameCountBound() throws {
        let context = try ZMQContext()
        defer { context.terminate() }
        let pull = try makeTestSocket(context, .pull)
        defer { pull.close() }
        let push = try makeTestSocket(context, .push)
        defer { push.close() }
        let endpoint = uniqueInproc("frames")
        try pull.bind(endpoint)
        try push.connect(endpoint)
        try push.send(Array(repeating: bytes("x"), count: 10))
        try push.send([bytes("next")])
        var items = [PollItem(socket: pull, events: .pollIn)]
        _ = try ZMQ.poll(&items, timeoutMilliseconds: 3_000)
        #expect(try pull.receivePeerMessage(maxFrames: 4) == .tooManyFrames(10))
        _ = try ZMQ.poll(&items, timeoutMilliseconds: 3_000)
        #expect(try pull.receivePeerMessage(maxFrames: 4) == .frames([bytes("next")], userID: nil))
        #expect(try pull.receivePeerMessage(maxFrames: 4) == nil, "nothing waiting is nil, not an error")
    }

    @Test("a non-blocking send with no peer returns false instead of throwing")
    func sendWouldBlock() throws {
        let context = try ZMQContext()
        defer { context.terminate() }
        let push = try makeTestSocket(context, .push)
        defer { push.close() }
        try push.bind(uniqueInproc("nopeer"))
        #expect(try push.send([bytes("x")], flags: .dontWait) == false)
        #expect(try push.send(frame: bytes("x"), dontWait: true) == false)
    }
}
