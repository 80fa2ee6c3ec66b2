import SwarmCrypto
import ZeroMQ

/// The socket settings of the mesh, each with the behaviour it buys; docs/operations.md
/// carries the same table for operators.
public struct MeshSettings: Sendable {
    /// Messages queued per peer before PUB drops (PUB) or DEALER blocks/refuses (we send
    /// with DONTWAIT, so a full queue is a counted drop): the protocol recovers through
    /// retransmission and state transfer.
    public var highWaterMark = 20_000
    /// Pending messages are discarded at close: a stopping replica must not hang.
    public var lingerMilliseconds = 0
    /// ZMTP heartbeats are off, and must stay off while the mesh runs on libzmq 4.3.4: a
    /// peer that fills a receive queue (a flood) stops the engine reading, the heartbeat
    /// then times out, the connection is replaced, and libzmq aborts the whole process
    /// (`Assertion failed: _input_stopped`, libzmq issues 3937 and 4767, fixed only by
    /// the unreleased PR 4830). Found by the issue-15 red-team test: a Byzantine replica's
    /// PUB flood ended the honest replicas. A dead peer is noticed by TCP keep-alive
    /// instead (the kernel's, which runs whether or not the engine reads), and the
    /// protocol itself needs no connection state: it retransmits.
    public var heartbeatIntervalMilliseconds = 0
    public var heartbeatTimeoutMilliseconds = 0
    /// TCP keep-alive: probes after 2 s idle, every 1 s, the connection dropped after 3.
    public var keepaliveIdleSeconds = 2
    public var keepaliveIntervalSeconds = 1
    public var keepaliveCount = 3
    /// Reconnect quickly after a cut, backing off to 5 s.
    public var reconnectIntervalMilliseconds = 100
    public var reconnectIntervalMaxMilliseconds = 5_000
    /// A peer that does not finish the CURVE handshake in 5 s is dropped.
    public var handshakeIntervalMilliseconds = 5_000
    /// Frames above this size are refused by libzmq before they reach the replica.
    public var maxMessageBytes: Int64 = 64 << 20

    public init() {}
}

/// ZAP domains: who may reach which endpoint.
public enum MeshDomain {
    /// PUB mesh sockets: replica keys only.
    public static let mesh = "swarmbft-mesh"
    /// ROUTER sockets: replica keys and allowlisted client keys.
    public static let router = "swarmbft-router"
    /// Monitor taps: replica keys and allowlisted monitor/client keys.
    public static let monitor = "swarmbft-monitor"
}

extension MeshSettings {
    public func apply(to socket: ZMQSocket, kind: SocketType) throws {
        try socket.setLinger(milliseconds: lingerMilliseconds)
        try socket.setSendHighWaterMark(highWaterMark)
        try socket.setReceiveHighWaterMark(highWaterMark)
        try socket.setMaxMessageSize(bytes: maxMessageBytes)
        try socket.setHeartbeatInterval(milliseconds: heartbeatIntervalMilliseconds)
        try socket.setHeartbeatTimeout(milliseconds: heartbeatTimeoutMilliseconds)
        try socket.setTCPKeepalive(true)
        try socket.setTCPKeepalive(idleSeconds: keepaliveIdleSeconds, intervalSeconds: keepaliveIntervalSeconds, count: keepaliveCount)
        try socket.setReconnectInterval(milliseconds: reconnectIntervalMilliseconds)
        try socket.setReconnectIntervalMax(milliseconds: reconnectIntervalMaxMilliseconds)
        try socket.setHandshakeInterval(milliseconds: handshakeIntervalMilliseconds)
        switch kind {
        case .router: try socket.setRouterMandatory(true)
        case .dealer: try socket.setImmediate(true)
        default: break
        }
    }
}
