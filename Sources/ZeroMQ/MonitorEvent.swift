import CZeroMQ

/// Which socket events a monitor reports (`ZMQ_EVENT_*` bits for `zmq_socket_monitor`).
public struct MonitorEvents: OptionSet, Sendable, Hashable {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let connected = MonitorEvents(rawValue: Int32(ZMQ_EVENT_CONNECTED))
    public static let connectDelayed = MonitorEvents(rawValue: Int32(ZMQ_EVENT_CONNECT_DELAYED))
    public static let connectRetried = MonitorEvents(rawValue: Int32(ZMQ_EVENT_CONNECT_RETRIED))
    public static let listening = MonitorEvents(rawValue: Int32(ZMQ_EVENT_LISTENING))
    public static let bindFailed = MonitorEvents(rawValue: Int32(ZMQ_EVENT_BIND_FAILED))
    public static let accepted = MonitorEvents(rawValue: Int32(ZMQ_EVENT_ACCEPTED))
    public static let acceptFailed = MonitorEvents(rawValue: Int32(ZMQ_EVENT_ACCEPT_FAILED))
    public static let closed = MonitorEvents(rawValue: Int32(ZMQ_EVENT_CLOSED))
    public static let closeFailed = MonitorEvents(rawValue: Int32(ZMQ_EVENT_CLOSE_FAILED))
    public static let disconnected = MonitorEvents(rawValue: Int32(ZMQ_EVENT_DISCONNECTED))
    public static let monitorStopped = MonitorEvents(rawValue: Int32(ZMQ_EVENT_MONITOR_STOPPED))
    public static let handshakeFailedNoDetail = MonitorEvents(rawValue: Int32(ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL))
    public static let handshakeSucceeded = MonitorEvents(rawValue: Int32(ZMQ_EVENT_HANDSHAKE_SUCCEEDED))
    public static let handshakeFailedProtocol = MonitorEvents(rawValue: Int32(ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL))
    public static let handshakeFailedAuth = MonitorEvents(rawValue: Int32(ZMQ_EVENT_HANDSHAKE_FAILED_AUTH))
    /// Every event of the 4.3 monitor protocol (`ZMQ_EVENT_ALL`).
    public static let all = MonitorEvents(rawValue: Int32(ZMQ_EVENT_ALL))
}

/// What happened, decoded from the event id of a monitor message.
public enum MonitorEventKind: Sendable, Hashable {
    case connected
    case connectDelayed
    case connectRetried
    case listening
    case bindFailed
    case accepted
    case acceptFailed
    case closed
    case closeFailed
    case disconnected
    case monitorStopped
    /// The handshake failed for a reason libzmq does not classify (includes "no ZAP
    /// handler" when ``ZMQSocket/setZAPEnforceDomain(_:)`` is on).
    case handshakeFailedNoDetail
    case handshakeSucceeded
    /// The peer broke the ZMTP or mechanism protocol; the value is a `ZMQ_PROTOCOL_ERROR_*`.
    case handshakeFailedProtocol
    /// The ZAP handler refused the peer; the value is the ZAP status code (e.g. 400).
    case handshakeFailedAuth
    /// An id this wrapper does not know (a newer libzmq, or a draft event).
    case unknown(UInt16)

    /// Decodes an event id from the first frame of a monitor message.
    public init(eventID: UInt16) {
        switch Int32(eventID) {
        case Int32(ZMQ_EVENT_CONNECTED): self = .connected
        case Int32(ZMQ_EVENT_CONNECT_DELAYED): self = .connectDelayed
        case Int32(ZMQ_EVENT_CONNECT_RETRIED): self = .connectRetried
        case Int32(ZMQ_EVENT_LISTENING): self = .listening
        case Int32(ZMQ_EVENT_BIND_FAILED): self = .bindFailed
        case Int32(ZMQ_EVENT_ACCEPTED): self = .accepted
        case Int32(ZMQ_EVENT_ACCEPT_FAILED): self = .acceptFailed
        case Int32(ZMQ_EVENT_CLOSED): self = .closed
        case Int32(ZMQ_EVENT_CLOSE_FAILED): self = .closeFailed
        case Int32(ZMQ_EVENT_DISCONNECTED): self = .disconnected
        case Int32(ZMQ_EVENT_MONITOR_STOPPED): self = .monitorStopped
        case Int32(ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL): self = .handshakeFailedNoDetail
        case Int32(ZMQ_EVENT_HANDSHAKE_SUCCEEDED): self = .handshakeSucceeded
        case Int32(ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL): self = .handshakeFailedProtocol
        case Int32(ZMQ_EVENT_HANDSHAKE_FAILED_AUTH): self = .handshakeFailedAuth
        default: self = .unknown(eventID)
        }
    }
}

/// One event from a socket monitor.
public struct MonitorEvent: Sendable, Hashable, CustomStringConvertible {
    public let kind: MonitorEventKind
    /// Event-specific: a file descriptor (connected, accepted, …), an errno (…Failed), a
    /// reconnect interval (connectRetried), a ZAP status code (handshakeFailedAuth) or a
    /// protocol error code (handshakeFailedProtocol).
    public let value: UInt32
    /// The endpoint the event concerns, e.g. `tcp://127.0.0.1:40123`.
    public let endpoint: String

    public init(kind: MonitorEventKind, value: UInt32, endpoint: String) {
        self.kind = kind
        self.value = value
        self.endpoint = endpoint
    }

    /// Decodes the two frames of a libzmq 4.3 monitor message: frame 1 is 6 bytes, a
    /// 16-bit event id then a 32-bit value, copied in host byte order by libzmq (so
    /// little-endian on every platform SwarmBFT targets; read back the same way here);
    /// frame 2 is the endpoint text. Returns nil for anything else, so a malformed message
    /// is visible to the caller instead of being guessed at.
    public init?(frames: [[UInt8]]) {
        guard frames.count == 2, frames[0].count == 6 else { return nil }
        let (id, value) = frames[0].withUnsafeBytes { header in
            (header.loadUnaligned(as: UInt16.self), header.loadUnaligned(fromByteOffset: 2, as: UInt32.self))
        }
        self.init(
            kind: MonitorEventKind(eventID: id),
            value: value,
            endpoint: String(decoding: frames[1], as: UTF8.self)
        )
    }

    public var description: String { "\(kind)(\(value)) \(endpoint)" }
}
