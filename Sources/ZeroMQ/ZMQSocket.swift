import CZeroMQ

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One libzmq socket.
///
/// **Ownership.** libzmq sockets are not thread-safe. Exactly one thread owns a socket for
/// its whole life: the thread that created it with ``ZMQContext/makeSocket(_:)`` is the
/// only one that may bind, connect, send, receive, set options, poll or close it. The type
/// is deliberately not `Sendable`, so Swift 6 refuses to let it cross an isolation
/// boundary; do not wrap it in `@unchecked Sendable` to get around that. Shells that need
/// a socket on another thread create it there.
///
/// **Closing.** The owner MUST ``close()`` every socket before its context terminates,
/// because `zmq_ctx_term` blocks until all sockets are closed. Set a finite ``setLinger(milliseconds:)``
/// first (the libzmq default is infinite, so a close with unsent messages to a dead peer
/// would make termination hang). `close()` is idempotent and also runs in `deinit`.
///
/// **Errors.** A non-blocking call that would block (`EAGAIN` with `dontWait`) is not an
/// error: sends return `false` and receives return `nil`. Everything else, including an
/// expired ``setReceiveTimeout(milliseconds:)``, throws ``ZMQError``.
public final class ZMQSocket {
    /// The raw `void *` socket; nil once closed.
    private(set) var handle: UnsafeMutableRawPointer?
    /// The pattern this socket was created with.
    public let type: SocketType
    /// Held so the context outlives its sockets: terminating it first would block forever.
    public let context: ZMQContext

    init(handle: UnsafeMutableRawPointer, type: SocketType, context: ZMQContext) {
        self.handle = handle
        self.type = type
        self.context = context
    }

    deinit {
        close()
    }

    /// Whether ``close()`` has run.
    public var isClosed: Bool { handle == nil }

    /// Closes the socket. Idempotent. Pending outgoing messages are kept for at most the
    /// linger period, after which the context may terminate.
    public func close() {
        guard let raw = handle else { return }
        handle = nil
        _ = zmq_close(raw)
    }

    /// The live handle, or a precondition failure: using a closed socket is a programmer
    /// error, not an operating condition.
    func live(_ operation: @autoclosure () -> String) -> UnsafeMutableRawPointer {
        guard let raw = handle else { preconditionFailure("\(operation()) on a closed ZMQSocket") }
        return raw
    }

    // MARK: Endpoints

    /// Binds to `endpoint` (`tcp://127.0.0.1:*` picks a free port; read ``lastEndpoint``).
    public func bind(_ endpoint: String) throws {
        let raw = live("bind")
        guard endpoint.withCString({ zmq_bind(raw, $0) }) == 0 else { throw ZMQError.last("zmq_bind(\(endpoint))") }
    }

    /// Connects to `endpoint`. For tcp the connection is made in the background and retried
    /// every ``setReconnectInterval(milliseconds:)``; success here means only that the
    /// endpoint parsed.
    public func connect(_ endpoint: String) throws {
        let raw = live("connect")
        guard endpoint.withCString({ zmq_connect(raw, $0) }) == 0 else {
            throw ZMQError.last("zmq_connect(\(endpoint))")
        }
    }

    /// Stops listening on an endpoint previously bound (use the resolved ``lastEndpoint``
    /// for wildcard binds, not the `*` form).
    public func unbind(_ endpoint: String) throws {
        let raw = live("unbind")
        guard endpoint.withCString({ zmq_unbind(raw, $0) }) == 0 else { throw ZMQError.last("zmq_unbind(\(endpoint))") }
    }

    /// Drops a connection made with ``connect(_:)``.
    public func disconnect(_ endpoint: String) throws {
        let raw = live("disconnect")
        guard endpoint.withCString({ zmq_disconnect(raw, $0) }) == 0 else {
            throw ZMQError.last("zmq_disconnect(\(endpoint))")
        }
    }

    /// The endpoint of the last bind or connect, resolved (`ZMQ_LAST_ENDPOINT`): after
    /// binding `tcp://127.0.0.1:*` this is `tcp://127.0.0.1:<port>`.
    public var lastEndpoint: String {
        get throws { try stringOption(ZMQ_LAST_ENDPOINT, name: "ZMQ_LAST_ENDPOINT", capacity: 1024) }
    }
}

/// Sockets MUST stay on the thread that made them; this makes the compiler refuse any
/// attempt to declare otherwise.
@available(*, unavailable)
extension ZMQSocket: Sendable {}
