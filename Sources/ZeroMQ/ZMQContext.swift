import CZeroMQ

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A libzmq context: the I/O threads and the namespace for `inproc://` endpoints and the
/// ZAP handler (`inproc://zeromq.zap.01` is looked up per context).
///
/// libzmq documents contexts as thread-safe, which is why this class is `Sendable` while
/// ``ZMQSocket`` is not. The only state this wrapper adds is the terminated flag, kept
/// under a lock so that ``makeSocket(_:)`` can never touch a context that
/// `zmq_ctx_term` has freed.
///
/// Lifecycle: every socket MUST be closed (by its owning thread) before ``terminate()``
/// can return, because `zmq_ctx_term` blocks until then. Sockets keep their context
/// alive, so the implicit terminate in `deinit` only runs once every ``ZMQSocket`` is gone.
public final class ZMQContext: @unchecked Sendable {
    /// The raw `void *` context. Constant for the object's life; freed only by `terminate`.
    let handle: UnsafeMutableRawPointer
    private let lock = Lock()
    private var terminated = false

    /// Creates a context with `ioThreads` background I/O threads (1 is enough below about
    /// a gigabyte per second of traffic).
    public init(ioThreads: Int = 1) throws {
        precondition(ioThreads >= 0 && ioThreads <= Int(Int32.max), "ioThreads out of range")
        guard let handle = zmq_ctx_new() else { throw ZMQError.last("zmq_ctx_new") }
        if zmq_ctx_set(handle, ZMQ_IO_THREADS, Int32(ioThreads)) != 0 {
            let error = ZMQError.last("zmq_ctx_set(ZMQ_IO_THREADS, \(ioThreads))")
            zmq_ctx_term(handle)
            throw error
        }
        self.handle = handle
    }

    deinit {
        terminate()
    }

    /// Bounds the number of sockets this context may hold (libzmq's default is 1023).
    /// MUST be called before the first socket is created.
    public func setMaxSockets(_ count: Int) throws {
        precondition(count > 0 && count <= Int(Int32.max), "max sockets out of range")
        try lock.withLock {
            guard !terminated else { throw ZMQError(errno: ZMQError.eterm, operation: "setMaxSockets") }
            guard zmq_ctx_set(handle, ZMQ_MAX_SOCKETS, Int32(count)) == 0 else {
                throw ZMQError.last("zmq_ctx_set(ZMQ_MAX_SOCKETS, \(count))")
            }
        }
    }

    /// Makes every blocking call on this context's sockets return `ETERM` at once, without
    /// waiting for them to close. Owners then see ``ZMQError/isTerminated`` and close their
    /// sockets; ``terminate()`` afterwards returns once they have. Safe from any thread.
    public func shutdown() {
        lock.withLock {
            guard !terminated else { return }
            _ = zmq_ctx_shutdown(handle)
        }
    }

    /// Terminates the context: blocks until every socket is closed, then frees it.
    /// Idempotent; after it, ``makeSocket(_:)`` throws `ETERM`.
    public func terminate() {
        let alreadyTerminated = lock.withLock {
            defer { terminated = true }
            return terminated
        }
        guard !alreadyTerminated else { return }
        // Outside the lock: zmq_ctx_term may block for as long as sockets stay open, and
        // shutdown() callers must not queue behind it.
        while zmq_ctx_term(handle) != 0 {
            guard zmq_errno() == EINTR else { break }
        }
    }

    /// Creates a socket of `type`. The calling thread becomes its owner (see ``ZMQSocket``).
    public func makeSocket(_ type: SocketType) throws -> ZMQSocket {
        let raw: UnsafeMutableRawPointer = try lock.withLock {
            guard !terminated else { throw ZMQError(errno: ZMQError.eterm, operation: "zmq_socket(\(type))") }
            guard let raw = zmq_socket(handle, type.rawValue) else {
                throw ZMQError.last("zmq_socket(\(type))")
            }
            return raw
        }
        return ZMQSocket(handle: raw, type: type, context: self)
    }
}
