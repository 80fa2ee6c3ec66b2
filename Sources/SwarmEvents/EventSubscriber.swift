import ZeroMQ

/// One event as a subscriber receives it, in sequence order.
public struct DeliveredEvent: Sendable {
    public var sequence: UInt64
    public var topic: String
    public var event: CloudEvent
    /// The CloudEvent exactly as the producer logged and sent it.
    public var json: [UInt8]

    public init(sequence: UInt64, topic: String, event: CloudEvent, json: [UInt8]) {
        self.sequence = sequence
        self.topic = topic
        self.event = event
        self.json = json
    }
}

/// The consumer side of the security event stream: SUB for live events, DEALER for
/// catch-up. Delivers events in sequence order without gaps or duplicates: a late start
/// (`from`), a gap in `sequence`, or a quiet stream (the newest events may have been lost
/// at a high-water mark) all trigger a catch-up from the producer's log.
public final class EventSubscriber {
    public struct Endpoints: Sendable {
        public var publish: String
        public var catchup: String
        public init(publish: String, catchup: String) {
            self.publish = publish
            self.catchup = catchup
        }
    }

    let subscriber: ZMQSocket
    let dealer: ZMQSocket
    /// The next sequence to deliver; nil until the first event when starting live.
    public private(set) var expected: UInt64?
    var catchingUp = false
    var catchupSentMilliseconds: Int64 = 0
    var lastActivityMilliseconds: Int64
    var held: [DeliveredEvent] = []
    var ready: [DeliveredEvent] = []
    var readyIndex = 0
    public private(set) var duplicatesDropped = 0
    public private(set) var catchups = 0
    /// Sequences the producer no longer has (removed by retention) and were skipped.
    public private(set) var prunedSkipped: UInt64 = 0
    public private(set) var malformed = 0
    /// Ask the log for anything newer after this long without an event.
    public var idleProbeMilliseconds: Int64 = 1_000
    /// Live events held while catching up; beyond this they are dropped and re-fetched.
    let holdLimit = 20_000

    /// Whether the catch-up connection's CURVE handshake with the monitor happened: a
    /// consumer whose key the monitor refuses, or who pinned a key that is not the
    /// monitor's, or whose monitor is not running, hears nothing at all, and must be told
    /// so rather than wait in silence (issue 15, finding 10).
    public enum Connection: Sendable, Equatable { case connecting, connected, refused }
    public private(set) var connection = Connection.connecting
    let handshakes: SocketMonitor

    public init(context: ZMQContext, endpoints: Endpoints, curve: (secretKey: [UInt8], publicKey: [UInt8], serverKey: [UInt8])?, from: UInt64?) throws {
        subscriber = try context.makeSocket(.sub)
        dealer = try context.makeSocket(.dealer)
        for socket in [subscriber, dealer] {
            try socket.setLinger(milliseconds: 0)
            if let curve { try ZMQCurve.configureCurveClient(socket, secretKey: curve.secretKey, publicKey: curve.publicKey, serverKey: curve.serverKey) }
        }
        try subscriber.setReceiveHighWaterMark(100_000)
        try subscriber.subscribe(prefix: Array(CloudEvent.topicPrefix.utf8))
        try subscriber.connect(endpoints.publish)
        handshakes = try dealer.monitor(endpoint: "inproc://event-subscriber-\(UInt64.random(in: 0 ... .max))", events: [.handshakeFailedAuth, .handshakeSucceeded])
        try dealer.connect(endpoints.catchup)
        lastActivityMilliseconds = monotonicMilliseconds()
        if let from {
            expected = from
            try requestCatchup()
        }
    }

    deinit { close() }

    /// Closes both sockets (idempotent); the context cannot terminate while they are open.
    public func close() {
        _ = handshakes.close()
        subscriber.close()
        dealer.close()
    }

    /// The next event in sequence order, or nil if none arrived within the timeout.
    public func next(timeoutMilliseconds: Int) throws -> DeliveredEvent? {
        let deadline = monotonicMilliseconds() + Int64(timeoutMilliseconds)
        while true {
            if readyIndex < ready.count {
                defer {
                    readyIndex += 1
                    if readyIndex == ready.count { ready.removeAll(keepingCapacity: true); readyIndex = 0 }
                }
                return ready[readyIndex]
            }
            let now = monotonicMilliseconds()
            if catchingUp, now - catchupSentMilliseconds > 3_000 { try requestCatchup() }  // lost request or restarted producer
            if !catchingUp, expected != nil, now - lastActivityMilliseconds > idleProbeMilliseconds { try requestCatchup() }
            guard now < deadline else { return nil }
            var items = [PollItem(socket: subscriber, events: .pollIn), PollItem(socket: dealer, events: .pollIn)]
            _ = try ZMQ.poll(&items, timeoutMilliseconds: Int(min(deadline - now, 200)))
            while let event = try? handshakes.receive(timeoutMilliseconds: 0) {
                connection = event.kind == .handshakeSucceeded ? .connected : .refused
            }
            while let received = try dealer.receivePeerMessage(maxFrames: 4) {
                if case let .frames(frames, _) = received { try handleCatchup(frames) } else { malformed += 1 }
            }
            while let received = try subscriber.receivePeerMessage(maxFrames: 3) {
                if case let .frames(frames, _) = received { try handleLive(frames) } else { malformed += 1 }
            }
        }
    }

    func requestCatchup() throws {
        guard let expected else { return }
        catchingUp = true
        catchups += 1
        catchupSentMilliseconds = monotonicMilliseconds()
        lastActivityMilliseconds = catchupSentMilliseconds
        _ = try dealer.send([CatchupProtocol.since, CatchupProtocol.decimalFrame(expected)], flags: .dontWait)
    }

    static func parse(topic: [UInt8], json: [UInt8]) -> DeliveredEvent? {
        guard let event = try? CloudEvent.decode(json), let sequence = event.sequenceNumber else { return nil }
        return DeliveredEvent(sequence: sequence, topic: String(decoding: topic, as: UTF8.self), event: event, json: json)
    }

    func handleLive(_ frames: [[UInt8]]) throws {
        guard frames.count == 2, let delivered = Self.parse(topic: frames[0], json: frames[1]) else { malformed += 1; return }
        if catchingUp {
            if held.count < holdLimit { held.append(delivered) }
            return
        }
        try acceptLive(delivered)
    }

    func acceptLive(_ delivered: DeliveredEvent) throws {
        guard let current = expected else {
            expected = delivered.sequence
            return deliver(delivered)
        }
        if delivered.sequence < current { duplicatesDropped += 1; return }
        if delivered.sequence == current { return deliver(delivered) }
        // A gap: fill it from the log; this event comes again from there.
        try requestCatchup()
    }

    func handleCatchup(_ frames: [[UInt8]]) throws {
        guard let kind = frames.first else { return }
        if kind == CatchupProtocol.event, frames.count == 3, let delivered = Self.parse(topic: frames[1], json: frames[2]) {
            let current = expected ?? delivered.sequence
            if delivered.sequence < current { duplicatesDropped += 1; return }
            // From the log, a later sequence than asked for means retention removed the rest.
            prunedSkipped += delivered.sequence - current
            deliver(delivered)
        } else if kind == CatchupProtocol.end, frames.count == 3, let next = CatchupProtocol.decimal(frames[1]), let head = CatchupProtocol.decimal(frames[2]) {
            guard catchingUp else { return }
            lastActivityMilliseconds = monotonicMilliseconds()
            if let expected, expected < next { self.expected = next }  // an empty, pruned stretch
            if next < head { return try requestCatchup() }
            catchingUp = false
            let backlog = held
            held.removeAll()
            for delivered in backlog where !catchingUp { try acceptLive(delivered) }
            if catchingUp { held = backlog.filter { $0.sequence >= (expected ?? 0) } }
        } else {
            malformed += 1
        }
    }

    func deliver(_ delivered: DeliveredEvent) {
        expected = delivered.sequence + 1
        lastActivityMilliseconds = monotonicMilliseconds()
        ready.append(delivered)
    }
}
