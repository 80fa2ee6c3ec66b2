import CZeroMQ

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `ZMQ_ZAP_ENFORCE_DOMAIN` (93). zmq.h 4.3.4 declares it only under `ZMQ_BUILD_DRAFT_API`,
/// but the library itself accepts it without the draft build (measured: set and read back
/// on Debian 12's libzmq 4.3.4 with `zmq_has("draft") == 0`), so the value is spelled here.
let zmqZAPEnforceDomain: Int32 = 93

/// Typed socket options. Setters are methods because they can fail; getters are throwing
/// properties. Durations are milliseconds and carry the unit in the label. Values out of
/// the range libzmq can represent are programmer errors (precondition), values libzmq
/// refuses (wrong socket type, bad key) throw ``ZMQError`` with `EINVAL`.
extension ZMQSocket {
    // MARK: Queues and limits

    /// Outgoing queue bound per peer, in messages (`ZMQ_SNDHWM`; 0 = unbounded, which
    /// SwarmBFT MUST NOT use). What happens at the mark depends on the pattern: PUB drops,
    /// DEALER/PUSH block or return `false` with `dontWait`.
    public func setSendHighWaterMark(_ messages: Int) throws {
        precondition(messages >= 0 && messages <= Int(Int32.max), "send high water mark out of range")
        try setInt32Option(ZMQ_SNDHWM, Int32(messages), name: "ZMQ_SNDHWM")
    }

    /// The value currently in effect (read back from libzmq).
    public var sendHighWaterMark: Int {
        get throws { Int(try int32Option(ZMQ_SNDHWM, name: "ZMQ_SNDHWM")) }
    }

    /// Incoming queue bound per peer, in messages (`ZMQ_RCVHWM`).
    public func setReceiveHighWaterMark(_ messages: Int) throws {
        precondition(messages >= 0 && messages <= Int(Int32.max), "receive high water mark out of range")
        try setInt32Option(ZMQ_RCVHWM, Int32(messages), name: "ZMQ_RCVHWM")
    }

    /// The value currently in effect (read back from libzmq).
    public var receiveHighWaterMark: Int {
        get throws { Int(try int32Option(ZMQ_RCVHWM, name: "ZMQ_RCVHWM")) }
    }

    /// Largest inbound frame accepted, in bytes (`ZMQ_MAXMSGSIZE`; -1 = unlimited). A peer
    /// that sends a larger frame is disconnected and the frame is never delivered, so this
    /// is the bound that keeps a Byzantine peer from making us allocate without limit.
    public func setMaxMessageSize(bytes: Int64) throws {
        precondition(bytes >= -1, "max message size must be -1 (unlimited) or a byte count")
        try setInt64Option(ZMQ_MAXMSGSIZE, bytes, name: "ZMQ_MAXMSGSIZE")
    }

    /// The value currently in effect (read back from libzmq).
    public var maxMessageSize: Int64 {
        get throws { try int64Option(ZMQ_MAXMSGSIZE, name: "ZMQ_MAXMSGSIZE") }
    }

    /// Keep only the newest message in each queue (`ZMQ_CONFLATE`); single-part only.
    public func setConflate(_ enabled: Bool) throws {
        try setBoolOption(ZMQ_CONFLATE, enabled, name: "ZMQ_CONFLATE")
    }

    // MARK: Timing

    /// How long unsent messages are kept after ``close()`` (`ZMQ_LINGER`; -1 = forever, the
    /// libzmq default, which makes context termination hang on a dead peer). Every socket
    /// SHOULD set a finite value; tests set 0.
    public func setLinger(milliseconds: Int) throws {
        try setMillisecondsOption(ZMQ_LINGER, milliseconds, name: "ZMQ_LINGER")
    }

    /// The value currently in effect (read back from libzmq).
    public var lingerMilliseconds: Int {
        get throws { Int(try int32Option(ZMQ_LINGER, name: "ZMQ_LINGER")) }
    }

    /// Blocking receives give up after this long and throw ``ZMQError/isAgain``
    /// (`ZMQ_RCVTIMEO`; -1 = wait forever).
    public func setReceiveTimeout(milliseconds: Int) throws {
        try setMillisecondsOption(ZMQ_RCVTIMEO, milliseconds, name: "ZMQ_RCVTIMEO")
    }

    /// The value currently in effect (read back from libzmq).
    public var receiveTimeoutMilliseconds: Int {
        get throws { Int(try int32Option(ZMQ_RCVTIMEO, name: "ZMQ_RCVTIMEO")) }
    }

    /// Blocking sends give up after this long and throw ``ZMQError/isAgain``
    /// (`ZMQ_SNDTIMEO`; -1 = wait forever).
    public func setSendTimeout(milliseconds: Int) throws {
        try setMillisecondsOption(ZMQ_SNDTIMEO, milliseconds, name: "ZMQ_SNDTIMEO")
    }

    /// The value currently in effect (read back from libzmq).
    public var sendTimeoutMilliseconds: Int {
        get throws { Int(try int32Option(ZMQ_SNDTIMEO, name: "ZMQ_SNDTIMEO")) }
    }

    /// Interval between ZMTP PINGs (`ZMQ_HEARTBEAT_IVL`; 0 = off). Heartbeats are how a
    /// silently dead peer gets noticed without waiting for TCP.
    public func setHeartbeatInterval(milliseconds: Int) throws {
        try setMillisecondsOption(ZMQ_HEARTBEAT_IVL, milliseconds, name: "ZMQ_HEARTBEAT_IVL", minimum: 0)
    }

    /// How long to wait for any traffic after a PING before dropping the connection
    /// (`ZMQ_HEARTBEAT_TIMEOUT`; 0 = use the interval).
    public func setHeartbeatTimeout(milliseconds: Int) throws {
        try setMillisecondsOption(ZMQ_HEARTBEAT_TIMEOUT, milliseconds, name: "ZMQ_HEARTBEAT_TIMEOUT", minimum: 0)
    }

    /// The time-to-live this side asks the peer to apply (`ZMQ_HEARTBEAT_TTL`). libzmq
    /// carries it in deciseconds on the wire, so it is rounded down to 100 ms and capped at
    /// 6,553,599 ms.
    public func setHeartbeatTTL(milliseconds: Int) throws {
        precondition(milliseconds >= 0 && milliseconds <= 6_553_599, "heartbeat TTL out of range 0...6553599 ms")
        try setMillisecondsOption(ZMQ_HEARTBEAT_TTL, milliseconds, name: "ZMQ_HEARTBEAT_TTL")
    }

    /// First reconnect delay after a connection drops (`ZMQ_RECONNECT_IVL`; -1 = never).
    public func setReconnectInterval(milliseconds: Int) throws {
        try setMillisecondsOption(ZMQ_RECONNECT_IVL, milliseconds, name: "ZMQ_RECONNECT_IVL")
    }

    /// Cap for the exponential reconnect back-off (`ZMQ_RECONNECT_IVL_MAX`; 0 = no back-off).
    public func setReconnectIntervalMax(milliseconds: Int) throws {
        try setMillisecondsOption(ZMQ_RECONNECT_IVL_MAX, milliseconds, name: "ZMQ_RECONNECT_IVL_MAX", minimum: 0)
    }

    /// Deadline for the ZMTP (and CURVE) handshake (`ZMQ_HANDSHAKE_IVL`; 0 = none). Bounds
    /// how long a peer that connects and says nothing can hold a connection open.
    public func setHandshakeInterval(milliseconds: Int) throws {
        try setMillisecondsOption(ZMQ_HANDSHAKE_IVL, milliseconds, name: "ZMQ_HANDSHAKE_IVL", minimum: 0)
    }

    /// TCP keep-alive (`ZMQ_TCP_KEEPALIVE`): `true` on, `false` off, `nil` the OS default.
    public func setTCPKeepalive(_ enabled: Bool?) throws {
        let value: Int32 = enabled.map { $0 ? 1 : 0 } ?? -1
        try setInt32Option(ZMQ_TCP_KEEPALIVE, value, name: "ZMQ_TCP_KEEPALIVE")
    }

    /// TCP keep-alive timing (`ZMQ_TCP_KEEPALIVE_IDLE`, `_INTVL`, `_CNT`): the kernel probes
    /// an idle connection after `idleSeconds`, every `intervalSeconds`, and drops it after
    /// `count` unanswered probes.
    public func setTCPKeepalive(idleSeconds: Int, intervalSeconds: Int, count: Int) throws {
        precondition(idleSeconds > 0 && intervalSeconds > 0 && count > 0, "keep-alive timing must be positive")
        try setInt32Option(ZMQ_TCP_KEEPALIVE_IDLE, Int32(clamping: idleSeconds), name: "ZMQ_TCP_KEEPALIVE_IDLE")
        try setInt32Option(ZMQ_TCP_KEEPALIVE_INTVL, Int32(clamping: intervalSeconds), name: "ZMQ_TCP_KEEPALIVE_INTVL")
        try setInt32Option(ZMQ_TCP_KEEPALIVE_CNT, Int32(clamping: count), name: "ZMQ_TCP_KEEPALIVE_CNT")
    }

    // MARK: Routing

    /// ROUTER: fail a send to an unknown routing id with `EHOSTUNREACH` instead of silently
    /// dropping it (`ZMQ_ROUTER_MANDATORY`).
    public func setRouterMandatory(_ enabled: Bool) throws {
        try setBoolOption(ZMQ_ROUTER_MANDATORY, enabled, name: "ZMQ_ROUTER_MANDATORY")
    }

    /// ROUTER: a new connection with a routing id already in use takes it over
    /// (`ZMQ_ROUTER_HANDOVER`), so a restarted peer is reachable at once.
    public func setRouterHandover(_ enabled: Bool) throws {
        try setBoolOption(ZMQ_ROUTER_HANDOVER, enabled, name: "ZMQ_ROUTER_HANDOVER")
    }

    /// ROUTER/DEALER: send an empty message on connect (`ZMQ_PROBE_ROUTER`), so the peer
    /// ROUTER learns our routing id before we have anything to say.
    public func setProbeRouter(_ enabled: Bool) throws {
        try setBoolOption(ZMQ_PROBE_ROUTER, enabled, name: "ZMQ_PROBE_ROUTER")
    }

    /// Queue messages only to completed connections (`ZMQ_IMMEDIATE`), instead of to every
    /// peer we have merely started to connect to.
    public func setImmediate(_ enabled: Bool) throws {
        try setBoolOption(ZMQ_IMMEDIATE, enabled, name: "ZMQ_IMMEDIATE")
    }

    /// The identity a ROUTER peer sees for this socket (`ZMQ_ROUTING_ID`, 1–255 bytes, MUST
    /// NOT start with a zero byte). Set before connecting.
    public func setRoutingID(_ id: [UInt8]) throws {
        try setBytesOption(ZMQ_ROUTING_ID, id, name: "ZMQ_ROUTING_ID")
    }

    /// The value currently in effect (read back from libzmq).
    public var routingID: [UInt8] {
        get throws { try bytesOption(ZMQ_ROUTING_ID, name: "ZMQ_ROUTING_ID", capacity: 256) }
    }

    /// SUB: receive messages whose first frame starts with `prefix` (empty = everything).
    public func subscribe(prefix: [UInt8]) throws {
        try setBytesOption(ZMQ_SUBSCRIBE, prefix, name: "ZMQ_SUBSCRIBE")
    }

    /// SUB: drop one earlier ``subscribe(prefix:)`` of the same prefix.
    public func unsubscribe(prefix: [UInt8]) throws {
        try setBytesOption(ZMQ_UNSUBSCRIBE, prefix, name: "ZMQ_UNSUBSCRIBE")
    }

    /// XPUB: pass every subscription upstream, not only new ones (`ZMQ_XPUB_VERBOSE`).
    public func setXPubVerbose(_ enabled: Bool) throws {
        try setBoolOption(ZMQ_XPUB_VERBOSE, enabled, name: "ZMQ_XPUB_VERBOSE")
    }

    /// PUB/XPUB: at a subscriber's high-water mark, fail the send with `EAGAIN` instead of
    /// dropping the message silently (`ZMQ_XPUB_NODROP`), so that a sender using
    /// `dontWait` sees, and can count, every message a slow subscriber misses.
    public func setXPubNoDrop(_ enabled: Bool) throws {
        try setBoolOption(ZMQ_XPUB_NODROP, enabled, name: "ZMQ_XPUB_NODROP")
    }

    /// Allow IPv6 for tcp endpoints (`ZMQ_IPV6`).
    public func setIPv6(_ enabled: Bool) throws {
        try setBoolOption(ZMQ_IPV6, enabled, name: "ZMQ_IPV6")
    }

    // MARK: Security

    /// Serve the CURVE handshake (`ZMQ_CURVE_SERVER`). Prefer
    /// ``ZMQCurve/configureCurveServer(_:secretKey:publicKey:zapDomain:)``, which also sets
    /// the keys and forces ZAP.
    public func setCurveServer(_ enabled: Bool) throws {
        try setBoolOption(ZMQ_CURVE_SERVER, enabled, name: "ZMQ_CURVE_SERVER")
    }

    /// The value currently in effect (read back from libzmq).
    public var isCurveServer: Bool {
        get throws { try int32Option(ZMQ_CURVE_SERVER, name: "ZMQ_CURVE_SERVER") != 0 }
    }

    /// This socket's long-term CURVE public key (32 raw bytes).
    public func setCurvePublicKey(_ key: [UInt8]) throws {
        try setCurveKey(ZMQ_CURVE_PUBLICKEY, key, name: "ZMQ_CURVE_PUBLICKEY")
    }

    /// This socket's long-term CURVE secret key (32 raw bytes).
    public func setCurveSecretKey(_ key: [UInt8]) throws {
        try setCurveKey(ZMQ_CURVE_SECRETKEY, key, name: "ZMQ_CURVE_SECRETKEY")
    }

    /// The secret key straight from caller-owned memory (e.g. a locked, zeroed-on-free
    /// buffer), so it never has to be copied into a `[UInt8]`. libzmq copies the 32 bytes.
    public func setCurveSecretKey(unsafeBytes key: UnsafeRawBufferPointer) throws {
        let raw = live("setsockopt(ZMQ_CURVE_SECRETKEY)")
        guard key.count == ZMQ.curveKeyLength, let base = key.baseAddress else {
            throw ZMQError(errno: EINVAL, operation: "zmq_setsockopt(ZMQ_CURVE_SECRETKEY, \(key.count) bytes, expected 32)")
        }
        guard zmq_setsockopt(raw, ZMQ_CURVE_SECRETKEY, base, key.count) == 0 else {
            throw ZMQError.last("zmq_setsockopt(ZMQ_CURVE_SECRETKEY)")
        }
    }

    /// Client side: the server's CURVE public key (32 raw bytes); setting it makes this
    /// socket a CURVE client.
    public func setCurveServerKey(_ key: [UInt8]) throws {
        try setCurveKey(ZMQ_CURVE_SERVERKEY, key, name: "ZMQ_CURVE_SERVERKEY")
    }

    /// Keys are passed as 32 binary bytes only: libzmq would also take 41-byte Z85 text,
    /// and accepting both invites a key read from a file with a trailing newline to be
    /// taken as something else.
    private func setCurveKey(_ option: Int32, _ key: [UInt8], name: String) throws {
        guard key.count == ZMQ.curveKeyLength else {
            throw ZMQError(errno: EINVAL, operation: "zmq_setsockopt(\(name), \(key.count) bytes, expected 32)")
        }
        try setBytesOption(option, key, name: name)
    }

    /// The ZAP domain sent with each authentication request (`ZMQ_ZAP_DOMAIN`, at most 254
    /// bytes). ``ZAPAuthenticator`` keeps one allowlist per domain.
    public func setZAPDomain(_ domain: String) throws {
        try setStringOption(ZMQ_ZAP_DOMAIN, domain, name: "ZMQ_ZAP_DOMAIN")
    }

    /// The value currently in effect (read back from libzmq).
    public var zapDomain: String {
        get throws { try stringOption(ZMQ_ZAP_DOMAIN, name: "ZMQ_ZAP_DOMAIN", capacity: 256) }
    }

    /// Fail the handshake when no ZAP handler is bound, instead of accepting every client
    /// (`ZMQ_ZAP_ENFORCE_DOMAIN`). Without it CURVE falls back to encryption without
    /// authentication the moment the ZAP handler is missing.
    public func setZAPEnforceDomain(_ enabled: Bool) throws {
        try setBoolOption(zmqZAPEnforceDomain, enabled, name: "ZMQ_ZAP_ENFORCE_DOMAIN")
    }

    /// The value currently in effect (read back from libzmq).
    public var zapEnforceDomain: Bool {
        get throws { try int32Option(zmqZAPEnforceDomain, name: "ZMQ_ZAP_ENFORCE_DOMAIN") != 0 }
    }

    // MARK: State

    /// Whether the last frame received was followed by more frames of the same message
    /// (`ZMQ_RCVMORE`).
    public var hasMoreFrames: Bool {
        get throws { try int32Option(ZMQ_RCVMORE, name: "ZMQ_RCVMORE") != 0 }
    }

    /// What the socket can do right now without blocking (`ZMQ_EVENTS`). Reading it also
    /// processes pending commands, which matters when driving ``fileDescriptor`` from an
    /// external event loop.
    public var events: PollEvents {
        get throws { PollEvents(rawValue: Int16(truncatingIfNeeded: try int32Option(ZMQ_EVENTS, name: "ZMQ_EVENTS"))) }
    }

    /// A file descriptor that becomes readable when ``events`` may have changed
    /// (`ZMQ_FD`). Edge-triggered: after it fires, read ``events`` until it shows nothing
    /// more. Owned by libzmq; never close it.
    public var fileDescriptor: Int32 {
        get throws {
            let raw = live("getsockopt(ZMQ_FD)")
            var fd = zmq_fd_t()
            var size = MemoryLayout<zmq_fd_t>.size
            guard zmq_getsockopt(raw, ZMQ_FD, &fd, &size) == 0 else { throw ZMQError.last("zmq_getsockopt(ZMQ_FD)") }
            return Int32(truncatingIfNeeded: fd)
        }
    }
}
