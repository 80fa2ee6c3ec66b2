import Foundation
import Testing
@testable import ZeroMQ

@Suite("PUB/SUB")
struct PubSubTests {
    /// Publishes until the subscriber has joined (bounded), then checks that only the
    /// subscribed prefix arrives. Re-publishing in a loop, rather than sleeping, is the fix
    /// for the slow-joiner problem: PUB drops everything sent before the subscription
    /// reaches it, and how long that takes is not knowable in advance.
    func roundTrip(bindEndpoint: String) throws {
        let context = try ZMQContext()
        defer { context.terminate() }
        let publisher = try makeTestSocket(context, .pub)
        defer { publisher.close() }
        let subscriber = try makeTestSocket(context, .sub)
        defer { subscriber.close() }

        try publisher.bind(bindEndpoint)
        let endpoint = try publisher.lastEndpoint
        if bindEndpoint.hasPrefix("tcp://") {
            #expect(endpoint.hasPrefix("tcp://127.0.0.1:"))
            #expect(!endpoint.hasSuffix(":*"))
        } else {
            #expect(endpoint == bindEndpoint)
        }
        try subscriber.subscribe(prefix: bytes("topic-a"))
        try subscriber.connect(endpoint)

        var joined: [[UInt8]]?
        for _ in 0 ..< 200 where joined == nil {
            try publisher.send([bytes("other"), bytes("sync")])
            try publisher.send([bytes("topic-a"), bytes("sync")])
            joined = try receive(subscriber, timeoutMilliseconds: 10)
        }
        let first = try #require(joined, "subscriber never joined")
        #expect(first == [bytes("topic-a"), bytes("sync")])

        try publisher.send([bytes("other"), bytes("late")])
        try publisher.send([bytes("topic-a-and-more"), bytes("end")])
        var sawEnd = false
        for _ in 0 ..< 500 where !sawEnd {
            guard let message = try receive(subscriber, timeoutMilliseconds: receiveTimeoutMilliseconds) else { break }
            #expect(text(message[0]).hasPrefix("topic-a"), "non-matching topic delivered: \(text(message[0]))")
            sawEnd = message[1] == bytes("end")
        }
        #expect(sawEnd)
    }

    @Test("tcp on a wildcard port, with prefix filtering")
    func tcp() throws {
        try roundTrip(bindEndpoint: "tcp://127.0.0.1:*")
    }

    @Test("inproc, with prefix filtering")
    func inproc() throws {
        try roundTrip(bindEndpoint: uniqueInproc("pubsub"))
    }

    @Test("XPUB_NODROP: at a slow subscriber's high-water mark a dontWait send fails (and can be counted) instead of vanishing; it never blocks")
    func noDropCountsAtHighWaterMark() throws {
        let context = try ZMQContext()
        defer { context.terminate() }
        let publisher = try makeTestSocket(context, .pub)
        defer { publisher.close() }
        try publisher.setSendHighWaterMark(10)
        try publisher.setXPubNoDrop(true)
        let subscriber = try makeTestSocket(context, .sub)
        defer { subscriber.close() }
        try subscriber.setReceiveHighWaterMark(10)
        let endpoint = uniqueInproc("nodrop")
        try publisher.bind(endpoint)
        try subscriber.subscribe(prefix: [])
        try subscriber.connect(endpoint)
        var joined = false
        for _ in 0 ..< 200 where !joined {
            _ = try publisher.send([bytes("sync")], flags: .dontWait)
            joined = try receive(subscriber, timeoutMilliseconds: 10) != nil
        }
        #expect(joined)
        // The subscriber reads nothing from here on: after both queues fill, sends fail.
        var sent = 0, failed = 0
        for index in 0 ..< 1_000 {
            if try publisher.send([bytes("m\(index)"), bytes("payload")], flags: .dontWait) { sent += 1 } else { failed += 1 }
        }
        #expect(sent >= 10 && sent < 1_000, "sent \(sent)")
        #expect(failed == 1_000 - sent)
    }

    @Test("after unsubscribe a topic is no longer delivered")
    func unsubscribe() throws {
        let context = try ZMQContext()
        defer { context.terminate() }
        let publisher = try makeTestSocket(context, .pub)
        defer { publisher.close() }
        let subscriber = try makeTestSocket(context, .sub)
        defer { subscriber.close() }
        let endpoint = uniqueInproc("unsubscribe")
        try publisher.bind(endpoint)
        try subscriber.subscribe(prefix: bytes("a"))
        try subscriber.subscribe(prefix: bytes("b"))
        try subscriber.connect(endpoint)
        var joined = false
        for _ in 0 ..< 200 where !joined {
            try publisher.send(frame: bytes("a-sync"))
            joined = try receive(subscriber, timeoutMilliseconds: 10) != nil
        }
        #expect(joined)
        try subscriber.unsubscribe(prefix: bytes("a"))
        // SUB filters locally as well as at the publisher, so from here on no "a" message
        // is delivered, even one already queued from the join loop.
        try publisher.send(frame: bytes("a-after"))
        try publisher.send(frame: bytes("b-after"))
        #expect(try receive(subscriber, timeoutMilliseconds: receiveTimeoutMilliseconds) == [bytes("b-after")])
    }
}
