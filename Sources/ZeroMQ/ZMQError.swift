import CZeroMQ

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An error reported by libzmq, or by this wrapper in libzmq's own terms.
///
/// Every failing call carries the `errno` libzmq left behind, the name of the operation
/// that failed (so a log line says *what* failed, not only *why*), and the text of
/// `zmq_strerror`, which also knows libzmq's private codes such as `ETERM` and `EFSM`
/// that the C library's `strerror` does not.
///
/// Callers SHOULD branch on the helpers (``isAgain``, ``isTerminated``, …) rather than on
/// raw numbers: libzmq's private codes are `ZMQ_HAUSNUMERO`-based and differ by platform.
public struct ZMQError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The error number, as returned by `zmq_errno()` right after the failing call.
    public let errno: Int32
    /// The operation that failed, for example `"zmq_connect(bogus://x)"`.
    public let operation: String
    /// The text of `zmq_strerror(errno)`.
    public let message: String

    /// Builds an error for `errno` and looks up its text with `zmq_strerror`.
    public init(errno: Int32, operation: String) {
        self.errno = errno
        self.operation = operation
        self.message = String(cString: zmq_strerror(errno))
    }

    /// Captures `zmq_errno()` now; call it immediately after the failing libzmq call,
    /// before anything else can overwrite the thread's `errno`.
    static func last(_ operation: @autoclosure () -> String) -> ZMQError {
        let code = zmq_errno()
        return ZMQError(errno: code, operation: operation())
    }

    public var description: String {
        "\(operation) failed: \(message) (errno \(errno))"
    }

    /// `EAGAIN`: nothing to receive, or no room to send, right now (non-blocking call
    /// or an expired `receiveTimeout` / `sendTimeout`).
    public var isAgain: Bool { errno == EAGAIN }

    /// `EINTR`: a signal interrupted a blocking call; it is safe to retry.
    public var isInterrupted: Bool { errno == EINTR }

    /// `ETERM`: the socket's context is being terminated; the owner MUST close the socket.
    public var isTerminated: Bool { errno == ZMQError.eterm }

    /// `EHOSTUNREACH`: a ROUTER with `routerMandatory` set has no peer with that routing id.
    public var isHostUnreachable: Bool { errno == EHOSTUNREACH }

    /// libzmq's private `ETERM` (`ZMQ_HAUSNUMERO + 53`, from zmq.h; not a C library code).
    static let eterm: Int32 = ETERM
}
