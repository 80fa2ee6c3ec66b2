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
    /// ZMTP heartbeats detect a dead peer without TCP timeouts.
    public var heartbeatIntervalMilliseconds = 1_000
    public var heartbeatTimeoutMilliseconds = 3_000
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
