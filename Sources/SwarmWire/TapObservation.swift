/// The monitoring bus's frames (docs/wire-protocol.md, "Monitoring bus"), encoded and
/// decoded here and nowhere else. A replica's tap publishes three kinds of message:
///
///     "tap/<replica>/<in|out>"  meta  original signed frame    (an observation)
///     "tap/<replica>/event"     CloudEvent JSON                 (its own security event)
///     "tap/<replica>/links"     PeerConnectivity JSON           (its socket monitors' view)
///
/// Every field is attacker-controlled at the subscriber: a Byzantine replica publishes
/// what it likes on its own tap. Parsing never traps and returns nil for anything else.
public enum TapTopic: Sendable, Equatable {
    case observation(replica: UInt32, outbound: Bool)
    case event(replica: UInt32)
    case links(replica: UInt32)

    /// What every tap topic starts with: the subscription prefix.
    public static let prefix: [UInt8] = Array("tap/".utf8)
    /// Topics are short; a longer first frame is not a tap topic.
    static let maxBytes = 32

    public var bytes: [UInt8] {
        switch self {
        case let .observation(replica, outbound): Array("tap/\(replica)/\(outbound ? "out" : "in")".utf8)
        case let .event(replica): Array("tap/\(replica)/event".utf8)
        case let .links(replica): Array("tap/\(replica)/links".utf8)
        }
    }

    public init?(_ bytes: [UInt8]) {
        guard bytes.count <= TapTopic.maxBytes, bytes.starts(with: TapTopic.prefix) else { return nil }
        let parts = bytes.dropFirst(TapTopic.prefix.count).split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[0].count <= 10, parts[0].allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
            let replica = UInt32(String(decoding: parts[0], as: UTF8.self))
        else { return nil }
        switch String(decoding: parts[1], as: UTF8.self) {
        case "in": self = .observation(replica: replica, outbound: false)
        case "out": self = .observation(replica: replica, outbound: true)
        case "event": self = .event(replica: replica)
        case "links": self = .links(replica: replica)
        default: return nil
        }
    }

    public var replica: UInt32 {
        switch self {
        case let .observation(replica, _), let .event(replica), let .links(replica): replica
        }
    }
}

/// One observation from a tap, as a monitor decodes it.
public struct TapObservation: Sendable {
    public var replica: UInt32
    public var outbound: Bool
    public var peer: UInt32
    public var timeMicroseconds: UInt64
    /// The tap's own count of observations, from 1 when the replica starts: a subscriber
    /// that sees it jump has lost the observations in between.
    public var sequence: UInt64
    public var frame: [UInt8]

    /// replica:u32 direction:u8 peer:u32 time_us:u64 sequence:u64
    public static let metaBytes = 25
    /// The peer of a broadcast, or of a message whose sender the tap does not know.
    public static let anyPeer = UInt32.max

    /// The meta frame a tap sends before the observed frame.
    public static func meta(replica: UInt32, outbound: Bool, peer: UInt32, timeMicroseconds: UInt64, sequence: UInt64) -> [UInt8] {
        var meta = ByteWriter(capacity: metaBytes)
        meta.u32(replica)
        meta.u8(outbound ? 1 : 0)
        meta.u32(peer)
        meta.u64(timeMicroseconds)
        meta.u64(sequence)
        return meta.bytes
    }

    public init?(frames: [[UInt8]]) {
        guard frames.count == 3, frames[1].count == Self.metaBytes else { return nil }
        var reader = ByteReader(frames[1])
        guard let replica = try? reader.u32("replica"), let direction = try? reader.u8("direction"), direction <= 1,
            let peer = try? reader.u32("peer"), let time = try? reader.u64("time"), let sequence = try? reader.u64("sequence")
        else { return nil }
        self.replica = replica
        outbound = direction == 1
        self.peer = peer
        timeMicroseconds = time
        self.sequence = sequence
        frame = frames[2]
    }
}
