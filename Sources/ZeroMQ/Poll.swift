import CZeroMQ

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Readiness bits for polling and for ``ZMQSocket/events``.
public struct PollEvents: OptionSet, Sendable, Hashable {
    public let rawValue: Int16
    public init(rawValue: Int16) { self.rawValue = rawValue }

    /// At least one message can be received without blocking.
    public static let pollIn = PollEvents(rawValue: Int16(ZMQ_POLLIN))
    /// At least one message can be sent without blocking.
    public static let pollOut = PollEvents(rawValue: Int16(ZMQ_POLLOUT))
    /// Error condition; only meaningful for plain file descriptors.
    public static let pollError = PollEvents(rawValue: Int16(ZMQ_POLLERR))
}

/// One entry for ``ZMQ/poll(_:timeoutMilliseconds:)``: a socket (or a plain file
/// descriptor), the events asked for, and, after polling, the events that are ready.
///
/// Not `Sendable`, because it holds a socket: poll items belong to the socket's owner.
public struct PollItem {
    /// The socket to watch; nil for a plain file descriptor item.
    public let socket: ZMQSocket?
    /// The descriptor to watch when ``socket`` is nil.
    public let fileDescriptor: Int32
    /// What to wait for.
    public var events: PollEvents
    /// What was ready when the last poll returned (cleared at the start of each poll).
    public var returnedEvents: PollEvents = []

    public init(socket: ZMQSocket, events: PollEvents) {
        self.socket = socket
        self.fileDescriptor = -1
        self.events = events
    }

    /// Watches a non-ZeroMQ descriptor (a pipe, a timer fd) in the same poll.
    public init(fileDescriptor: Int32, events: PollEvents) {
        self.socket = nil
        self.fileDescriptor = fileDescriptor
        self.events = events
    }
}

extension ZMQ {
    /// Waits until one of `items` is ready or `timeoutMilliseconds` passes (-1 = forever,
    /// 0 = just look), sets each item's ``PollItem/returnedEvents``, and returns how many
    /// items are ready (0 on timeout).
    ///
    /// A signal (`EINTR`) is reported as 0 ready items rather than an error, so a caller's
    /// loop simply goes round again and re-checks its own stop conditions. `ETERM` and
    /// anything else throw ``ZMQError``.
    ///
    /// Every socket in `items` MUST be owned by the calling thread.
    @discardableResult
    public static func poll(_ items: inout [PollItem], timeoutMilliseconds: Int) throws -> Int {
        precondition(timeoutMilliseconds >= -1, "poll timeout must be -1 (forever) or a duration")
        var raw = items.map { item -> zmq_pollitem_t in
            var entry = zmq_pollitem_t()
            if let socket = item.socket {
                entry.socket = socket.live("poll")
            } else {
                entry.fd = zmq_fd_t(item.fileDescriptor)
            }
            entry.events = item.events.rawValue
            return entry
        }
        for index in items.indices { items[index].returnedEvents = [] }
        let rc = zmq_poll(&raw, Int32(raw.count), timeoutMilliseconds)
        if rc < 0 {
            let error = ZMQError.last("zmq_poll")
            if error.isInterrupted { return 0 }
            throw error
        }
        for index in items.indices {
            items[index].returnedEvents = PollEvents(rawValue: raw[index].revents)
        }
        return Int(rc)
    }
}
