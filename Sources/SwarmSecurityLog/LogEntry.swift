import SwarmWire

/// One entry of the tamper-evident security log.
///
///     entry  = index:u64 time_us:u64 event:(u32 len, bytes) previous:32 mac:32
///     hash   = BLAKE2b-256(every byte of the entry)
///     mac    = keyed BLAKE2b-256(key, index ‖ time_us ‖ event ‖ previous)
///
/// `previous` is the hash of the entry before (32 zero bytes before the genesis entry), so
/// changing, removing, duplicating or reordering any entry breaks the chain after it.
public struct LogEntry: Equatable, Sendable {
    public var index: UInt64
    public var timeMicroseconds: UInt64
    public var event: [UInt8]
    public var previous: [UInt8]
    public var mac: [UInt8]

    var macInput: [UInt8] {
        var writer = ByteWriter(capacity: 56 + event.count)
        writer.u64(index)
        writer.u64(timeMicroseconds)
        writer.lengthPrefixed(event)
        writer.raw(previous)
        return writer.bytes
    }

    public func encoded() -> [UInt8] { macInput + mac }

    static func decode(_ bytes: [UInt8]) throws(WireError) -> LogEntry {
        var reader = ByteReader(bytes)
        let entry = LogEntry(
            index: try reader.u64("index"),
            timeMicroseconds: try reader.u64("time"),
            event: try reader.lengthPrefixed(limit: 1 << 20, "event"),
            previous: try reader.raw(32, "previous hash"),
            mac: try reader.raw(32, "mac")
        )
        guard reader.isAtEnd else { throw WireError(.trailingBytes, "after a log entry") }
        return entry
    }
}

/// A signed anchor closes every batch: an Ed25519 signature over (index, head hash), so
/// that the chain up to `index` verifies with the node's public key alone. A pruning
/// anchor (`pruned`) records where retention cut the log, so the first remaining entry's
/// `previous` still has something signed to match.
public struct LogAnchor: Equatable, Sendable {
    public static let domain = Array("SBFT-LOG-ANCHOR-1".utf8)
    public var index: UInt64
    public var head: [UInt8]
    public var pruned: Bool
    public var signature: [UInt8]

    var signedBytes: [UInt8] {
        var writer = ByteWriter(capacity: 64)
        writer.raw(LogAnchor.domain)
        writer.u64(index)
        writer.raw(head)
        writer.bool(pruned)
        return writer.bytes
    }

    func encoded() -> [UInt8] { signedBytes.dropFirst(LogAnchor.domain.count) + signature }

    static func decode(_ bytes: [UInt8]) throws(WireError) -> LogAnchor {
        var reader = ByteReader(bytes)
        let anchor = LogAnchor(index: try reader.u64("index"), head: try reader.raw(32, "head"), pruned: try reader.bool("pruned"), signature: try reader.raw(64, "signature"))
        guard reader.isAtEnd else { throw WireError(.trailingBytes, "after an anchor") }
        return anchor
    }
}
