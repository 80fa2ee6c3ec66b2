import Foundation
import SwarmCrypto
import SwarmSecurityLog
import ZeroMQ

/// The producer side of the security event stream. Each event is appended to the
/// tamper-evident security log and, once its batch is durable (anchored and fsynced),
/// published on a PUB socket: frame 0 the prefix-filterable topic, frame 1 the CloudEvent.
/// A ROUTER serves catch-up from the log. One thread owns it (the monitor's loop).
public final class EventJournal {
    public let swarmID: String
    public let node: String
    public let log: SecurityLog
    let publisher: ZMQSocket
    let catchup: ZMQSocket
    public private(set) var published = 0
    public private(set) var catchupRequests = 0
    public private(set) var malformedRequests = 0

    /// `curve` makes both sockets CURVE servers in the `swarmbft-events` ZAP domain; the
    /// caller runs the context's ZAP authenticator with that domain's allowlist.
    public init(
        log: SecurityLog, swarmID: String, node: String, context: ZMQContext, publishEndpoint: String, catchupEndpoint: String, curve: (secretKey: [UInt8], publicKey: [UInt8])?
    ) throws {
        self.log = log
        self.swarmID = swarmID
        self.node = node
        publisher = try context.makeSocket(.pub)
        catchup = try context.makeSocket(.router)
        for socket in [publisher, catchup] {
            try socket.setLinger(milliseconds: 0)
            if let curve { try ZMQCurve.configureCurveServer(socket, secretKey: curve.secretKey, publicKey: curve.publicKey, zapDomain: EventsDomain.name) }
        }
        // A slow subscriber loses live events at the high-water mark, never blocks the
        // producer, and fills the gap from the log.
        try publisher.setSendHighWaterMark(100_000)
        try catchup.setSendHighWaterMark(10 * CatchupProtocol.batchLimit)
        // A catch-up request is three short frames; anything longer is refused by libzmq
        // before it takes memory here.
        try catchup.setMaxMessageSize(bytes: 1_024)
        try publisher.bind(publishEndpoint)
        try catchup.bind(catchupEndpoint)
    }

    deinit { close() }

    /// Closes both sockets (idempotent); the context cannot terminate while they are open.
    public func close() {
        publisher.close()
        catchup.close()
    }

    /// The endpoints as bound (a `tcp://host:*` bind resolved to its port).
    public var boundEndpoints: EventSubscriber.Endpoints {
        EventSubscriber.Endpoints(publish: (try? publisher.lastEndpoint) ?? "", catchup: (try? catchup.lastEndpoint) ?? "")
    }

    /// The socket to poll for catch-up requests.
    public var pollItem: PollItem { PollItem(socket: catchup, events: .pollIn) }

    /// Appends an event; it is published once durable. Returns its sequence number.
    @discardableResult
    public func record(_ event: SecurityEvent, timeMicroseconds: UInt64 = UInt64(Date().timeIntervalSince1970 * 1_000_000)) throws -> UInt64 {
        let sequence = log.nextIndex
        let cloudEvent = CloudEvent(event, sequence: sequence, swarmID: swarmID, node: node, timeMicroseconds: timeMicroseconds)
        try log.append(cloudEvent.encoded(), timeMicroseconds: timeMicroseconds)
        try publishDurable()
        return sequence
    }

    /// Closes a batch whose time is up, publishes what became durable, answers catch-up
    /// requests. Call it from the owner's loop.
    public func service() throws {
        try log.tick()
        try publishDurable()
        // Bounded per call, like every drain: one subscriber's flood of requests must not
        // keep the owner's loop from its other sockets.
        for _ in 0 ..< 256 {
            guard let received = try catchup.receivePeerMessage(maxFrames: 4) else { break }
            guard case let .frames(frames, _) = received else { malformedRequests += 1; continue }
            try answer(frames)
        }
    }

    /// Makes every pending event durable and published (at shutdown).
    public func flush() throws {
        try log.flush()
        try publishDurable()
    }

    func publishDurable() throws {
        for entry in log.takeDurable() {
            guard let event = try? CloudEvent.decode(entry.event) else { continue }
            _ = try publisher.send([Array(event.topic.utf8), entry.event], flags: .dontWait)
            published += 1
        }
    }

    func answer(_ frames: [[UInt8]]) throws {
        guard frames.count >= 2 else { return }
        let identity = frames[0]
        guard frames.count == 3, frames[1] == CatchupProtocol.since, let from = CatchupProtocol.decimal(frames[2]) else {
            malformedRequests += 1
            _ = try catchup.send([identity, CatchupProtocol.error, Array("expected SINCE <decimal sequence>".utf8)], flags: .dontWait)
            return
        }
        catchupRequests += 1
        // Only durable events are served: the same rule as for publishing.
        let head = log.nextIndex - UInt64(log.pendingCount)
        var next = from
        if from < head {
            for entry in try log.entries(from: from, limit: CatchupProtocol.batchLimit) where entry.index < head {
                guard let event = try? CloudEvent.decode(entry.event) else { continue }
                guard try catchup.send([identity, CatchupProtocol.event, Array(event.topic.utf8), entry.event], flags: .dontWait) else { return }
                next = entry.index + 1
            }
        }
        _ = try catchup.send([identity, CatchupProtocol.end, CatchupProtocol.decimalFrame(max(next, from)), CatchupProtocol.decimalFrame(head)], flags: .dontWait)
    }
}
