import SwarmWire

/// An admin's order that every correct replica must apply alike: executed in sequence
/// like any request, so all of them apply it at the same point, and its effect is part of
/// the replicated state (every checkpoint carries it). Issue 15, finding 7: four admin
/// commands sent one replica each (0 quarantines 1, 1 quarantines 2, 2 quarantines 3,
/// 3 quarantines 0) were each accepted by a per-replica "at most f" and nothing executed
/// for ~90 s. Ordered, the second is refused by all at f = 1.
///
/// The operation is 7 bytes: 0xC0 'Q', the kind, the target replica (u32, big-endian).
/// No swarm-memory operation starts with 0xC0 (their codes are 1...5), so the core takes
/// it before the service sees it; from anyone but an admin key it is refused.
public enum OrderedControl: Sendable, Equatable {
    /// Every correct replica ignores `target` (at most f so ordered at a time).
    case quarantine(ReplicaID)
    /// Every correct replica hears `target` again, also one it had proven faulty itself.
    case release(ReplicaID)

    static let prefix: [UInt8] = [0xC0, 0x51]
    static let byteCount = 7

    public func encoded() -> [UInt8] {
        var writer = ByteWriter(capacity: Self.byteCount)
        writer.raw(Self.prefix)
        switch self {
        case let .quarantine(target):
            writer.u8(1)
            writer.u32(target)
        case let .release(target):
            writer.u8(2)
            writer.u32(target)
        }
        return writer.bytes
    }

    /// nil for any operation that is not exactly an ordered control (the service's).
    public static func decode(_ operation: [UInt8]) -> OrderedControl? {
        guard operation.count == byteCount, Array(operation[0 ..< 2]) == prefix else { return nil }
        let target = operation[3 ..< 7].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        switch operation[2] {
        case 1: return .quarantine(target)
        case 2: return .release(target)
        default: return nil
        }
    }

    /// Whether a result (UTF-8 text) says the order took effect.
    public static func applied(_ result: [UInt8]) -> Bool { !String(decoding: result, as: UTF8.self).hasPrefix("refused") }
}
