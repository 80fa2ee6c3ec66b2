import Foundation
import SwarmCrypto
import SwarmWire

/// A range of the security log moved elsewhere (`swarmbft log export` / `import`): the
/// entries from `first` on, extended to the next signed anchor, so the range verifies with
/// the node's public key alone. Every entry hashes into the next, and the anchor signs the
/// last one: changing, dropping or reordering any entry of the bundle breaks it.
///
///     bundle = "SBFTLOGB" version:u8 record*        (records as in a segment file)
public enum LogBundle {
    static let magic = Array("SBFTLOGB".utf8)
    static let version: UInt8 = 1

    /// What verifying a bundle found.
    public struct Report: Sendable {
        public var problem: String?
        public var firstIndex: UInt64?
        public var lastIndex: UInt64?
        public var entries: [LogEntry] = []
        public var verified: Bool { problem == nil }
    }

    /// The bundle of entries `first...last` (extended to the anchor that covers `last`).
    public static func export(directory: String, first: UInt64, last: UInt64?) throws -> [UInt8] {
        var out = magic + [version]
        var collected = 0
        var expected = first
        for name in LogVerifier.segments(in: directory) {
            for record in try LogVerifier.records(of: directory + "/" + name) {
                switch record.type {
                case 1:
                    guard let entry = try? LogEntry.decode(record.body), entry.index >= first else { continue }
                    guard entry.index == expected else { throw SecurityLogError("entry \(expected) expected, entry \(entry.index) found: verify the log first") }
                    out += SecurityLog.record(1, record.body)
                    collected += 1
                    expected += 1
                case 2:
                    guard collected > 0, let anchor = try? LogAnchor.decode(record.body), !anchor.pruned, anchor.index + 1 == expected else { continue }
                    out += SecurityLog.record(2, record.body)
                    if let last, anchor.index >= last { return out }
                default:
                    throw SecurityLogError("\(name): unknown record type \(record.type)")
                }
            }
        }
        guard collected > 0 else { throw SecurityLogError("no entries from \(first) on") }
        if let last { throw SecurityLogError("entry \(last) is not covered by a signed anchor yet (the log ends at \(expected - 1))") }
        return out
    }

    /// Checks a bundle with the node's public key: contiguous entries, an unbroken hash
    /// chain, every anchor's signature and head, and that it ends on an anchor.
    public static func verify(_ bytes: [UInt8], publicKey: Ed25519.PublicKey) -> Report {
        var report = Report()
        func fail(_ problem: String) -> Report {
            report.problem = problem
            return report
        }
        guard bytes.count > magic.count, Array(bytes.prefix(magic.count)) == magic else { return fail("not a security log bundle (bad magic)") }
        guard bytes[magic.count] == version else { return fail("unknown bundle version \(bytes[magic.count])") }
        var reader = ByteReader(Array(bytes.dropFirst(magic.count + 1)))
        var head: [UInt8]?
        var anchoredThrough: UInt64?
        while !reader.isAtEnd {
            guard let type = try? reader.u8("record type"), let body = try? reader.lengthPrefixed(limit: 2 << 20, "record") else {
                return fail("record after entry \(report.lastIndex.map(String.init) ?? "-") is truncated")
            }
            switch type {
            case 1:
                guard let entry = try? LogEntry.decode(body) else { return fail("entry after \(report.lastIndex.map(String.init) ?? "-") is malformed") }
                if let last = report.lastIndex {
                    guard entry.index == last + 1 else { return fail("entry \(last + 1) expected, entry \(entry.index) found") }
                    guard entry.previous == head else { return fail("entry \(entry.index): its previous hash does not match entry \(last)") }
                }
                report.firstIndex = report.firstIndex ?? entry.index
                report.lastIndex = entry.index
                head = Blake2b.hash256(entry.encoded())
                report.entries.append(entry)
            case 2:
                guard let anchor = try? LogAnchor.decode(body), !anchor.pruned else { return fail("anchor after entry \(report.lastIndex.map(String.init) ?? "-") is malformed") }
                guard Ed25519.verify(signatureBytes: anchor.signature, of: anchor.signedBytes, by: publicKey) else {
                    return fail("anchor for entry \(anchor.index): its signature does not verify")
                }
                guard anchor.index == report.lastIndex, anchor.head == head else { return fail("anchor for entry \(anchor.index) does not match the chain") }
                anchoredThrough = anchor.index
            default:
                return fail("unknown record type \(type)")
            }
        }
        guard let last = report.lastIndex else { return fail("the bundle holds no entries") }
        guard anchoredThrough == last else { return fail("entries after \(anchoredThrough.map(String.init) ?? "the start") are not covered by a signed anchor") }
        return report
    }
}
