#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A ZAP handler (ZeroMQ RFC 27) for one context: decides which CURVE clients may
/// complete a handshake with that context's server sockets.
///
/// It binds a REP socket at `inproc://zeromq.zap.01` on its own thread (the socket never
/// leaves that thread) and answers each request libzmq makes during a CURVE handshake with
/// ``ZAPPolicy``: CURVE only, key in the allowlist of the server socket's ZAP domain, or
/// "400". Allowed clients get user id = Z85 of their key.
///
/// Ordering obligations:
/// - It MUST be started (initialised) before any server socket of the context binds;
///   ``ZMQCurve/configureCurveServer(_:secretKey:publicKey:zapDomain:)`` sets
///   `ZMQ_ZAP_ENFORCE_DOMAIN` so that a handshake without a handler is refused, never
///   waved through.
/// - It SHOULD be stopped (``stop()``, or by releasing it) before the context terminates.
///   Terminating or shutting down the context first also works: the thread sees `ETERM`,
///   closes its socket and ends, so `zmq_ctx_term` does not wait on it.
///
/// The policy methods are safe from any thread; the lock is held only to copy or change
/// the allowlist and counters, never across a socket call.
public final class ZAPAuthenticator: @unchecked Sendable {
    /// The endpoint libzmq sends ZAP requests to, fixed by RFC 27.
    public static let endpoint = "inproc://zeromq.zap.01"

    private let state: ZAPState

    /// Starts the handler thread and returns once it has bound `inproc://zeromq.zap.01`
    /// (throws if it could not, e.g. `EADDRINUSE` when the context already has a handler).
    ///
    /// - Parameters:
    ///   - allowlist: raw 32-byte CURVE public keys per ZAP domain.
    ///   - onDenial: called on the handler thread after each refusal. It MUST return
    ///     quickly (handshakes wait behind it) and MUST NOT call ``stop()``.
    public init(
        context: ZMQContext,
        allowlist: [String: Set<[UInt8]>] = [:],
        onDenial: (@Sendable (ZAPDenial) -> Void)? = nil
    ) throws {
        for keys in allowlist.values { ZAPAuthenticator.checkKeys(keys) }
        state = ZAPState(context: context, allowlist: allowlist, onDenial: onDenial)
        try state.start()
    }

    deinit {
        stop()
    }

    // MARK: Policy

    /// Lets `key` (raw 32 bytes) through for `domain`; creates the domain if needed.
    public func allow(key: [UInt8], domain: String) {
        ZAPAuthenticator.checkKeys([key])
        state.lock.withLock { _ = state.allowlist[domain, default: []].insert(key) }
    }

    /// Stops letting `key` through for `domain`. Existing connections stay up: ZAP is
    /// consulted only at handshake time; disconnect the peer to enforce a revocation.
    public func revoke(key: [UInt8], domain: String) {
        state.lock.withLock { _ = state.allowlist[domain]?.remove(key) }
    }

    /// Replaces the allowlist of `domain`. An empty set keeps the domain known but denies
    /// everyone; `nil` forgets the domain (which also denies everyone).
    public func setAllowlist(domain: String, keys: Set<[UInt8]>?) {
        if let keys { ZAPAuthenticator.checkKeys(keys) }
        state.lock.withLock { state.allowlist[domain] = keys }
    }

    /// The current allowlist of `domain` (nil if unknown).
    public func allowlist(domain: String) -> Set<[UInt8]>? {
        state.lock.withLock { state.allowlist[domain] }
    }

    // MARK: Observation

    /// Accepted and denied requests for `domain` since start.
    public func counts(domain: String) -> ZAPCounts {
        state.lock.withLock { state.counts[domain] ?? ZAPCounts() }
    }

    /// Accepted and denied requests for every domain seen since start.
    public var allCounts: [String: ZAPCounts] {
        state.lock.withLock { state.counts }
    }

    /// Whether the handler thread is still serving requests. False after ``stop()`` and
    /// after the thread ended on its own (context shut down, or ``failure``).
    public var isRunning: Bool {
        state.lock.withLock { state.phase == .running && !state.threadExited }
    }

    /// The error that ended the handler thread on its own, if any (context termination is
    /// not a failure). While the thread is down every enforced CURVE handshake is refused.
    public var failure: ZMQError? {
        state.lock.withLock { state.failure }
    }

    // MARK: Lifecycle

    /// Stops the handler thread and waits for it to close its socket. Idempotent; safe from
    /// any thread except the handler thread itself (the denial callback).
    public func stop() {
        state.stop()
    }

    /// An allowlisted key that is not 32 bytes can never match a request, so adding one is
    /// a programmer error.
    private static func checkKeys(_ keys: Set<[UInt8]>) {
        for key in keys {
            precondition(key.count == ZMQ.curveKeyLength, "CURVE public keys are \(ZMQ.curveKeyLength) raw bytes")
        }
    }
}
