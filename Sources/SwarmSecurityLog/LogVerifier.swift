import Foundation
import SwarmCrypto
import SwarmWire

/// What verifying a security log found.
public struct LogReport: Sendable {
    /// The first problem, naming the entry and why; nil when the log verifies.
    public var problem: String?
    /// The index of the first bad entry, when the problem is about one.
    public var firstBadIndex: UInt64?
    public var entries = 0
    public var firstIndex: UInt64?
    public var lastIndex: UInt64?
    public var anchors = 0
    public var head = [UInt8](repeating: 0, count: 32)
    public var segments: [String] = []
    var entriesInLastSegment = 0

    public var verified: Bool { problem == nil }
}

/// Verifies a security log directory: the hash chain, each entry's MAC (when the MAC key
/// is given; with the public key alone it checks the chain and the anchors), every anchor's
/// signature and head, and that no entry is left unanchored. Stops at the first problem.
public enum LogVerifier {
    static func segments(in directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasPrefix("segment-") && $0.hasSuffix(".log") }
            .sorted()
    }

    struct Record {
        var type: UInt8
        var body: [UInt8]
        var offset: Int
    }

    /// The records of a segment file, and the offset of a truncated last record if any.
    static func parse(_ path: String) throws -> (records: [Record], truncatedAt: Int?) {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        var reader = ByteReader(bytes)
        var records: [Record] = []
        while !reader.isAtEnd {
            let offset = reader.offset
            do {
                let type = try reader.u8("record type")
                let body = try reader.lengthPrefixed(limit: 2 << 20, "record")
                records.append(Record(type: type, body: body, offset: offset))
            } catch {
                return (records, offset)
            }
        }
        return (records, nil)
    }

    static func records(of path: String) throws -> [Record] { try parse(path).records }

    public static func verify(directory: String, publicKey: Ed25519.PublicKey, macKey: [UInt8]?) -> LogReport {
        var report = LogReport()
        report.segments = segments(in: directory)
        var expected: UInt64 = 0
        var head = [UInt8](repeating: 0, count: 32)
        var unanchoredFrom: UInt64?
        func fail(_ problem: String, index: UInt64?) -> LogReport {
            report.problem = problem
            report.firstBadIndex = index
            return report
        }
        for (position, name) in report.segments.enumerated() {
            let path = directory + "/" + name
            let records: [Record]
            let truncatedAt: Int?
            do { (records, truncatedAt) = try parse(path) } catch {
                return fail("\(name): cannot read: \(error)", index: expected)
            }
            if records.isEmpty, truncatedAt == nil { return fail("\(name) is empty (cut to zero length?); entry \(expected) expected", index: expected) }
            report.entriesInLastSegment = 0
            for (recordIndex, record) in records.enumerated() {
                switch record.type {
                case 1:
                    guard let entry = try? LogEntry.decode(record.body) else { return fail("\(name): entry \(expected) at offset \(record.offset) is malformed", index: expected) }
                    if report.firstIndex == nil {
                        guard entry.index == 0 else {
                            return fail("\(name): the log starts at entry \(entry.index) without a pruning anchor: entries 0...\(entry.index - 1) are missing", index: 0)
                        }
                    }
                    guard entry.index == expected else {
                        return fail("\(name): entry \(expected) expected, entry \(entry.index) found (deleted, duplicated or reordered entries)", index: expected)
                    }
                    guard entry.previous == head else {
                        return fail(
                            "\(name): entry \(entry.index): its previous hash does not match entry \(entry.index == 0 ? "genesis" : String(entry.index - 1)) (changed or reordered)",
                            index: entry.index)
                    }
                    if let macKey, !Blake2b.verifyMAC(entry.mac, key: macKey, message: entry.macInput) {
                        return fail("\(name): entry \(entry.index): its MAC does not verify (the entry or its MAC was changed)", index: entry.index)
                    }
                    head = Blake2b.hash256(entry.encoded())
                    report.firstIndex = report.firstIndex ?? entry.index
                    report.lastIndex = entry.index
                    report.entries += 1
                    report.entriesInLastSegment += 1
                    if unanchoredFrom == nil { unanchoredFrom = entry.index }
                    expected += 1
                case 2:
                    guard let anchor = try? LogAnchor.decode(record.body) else { return fail("\(name): anchor at offset \(record.offset) is malformed", index: expected) }
                    guard Ed25519.verify(signatureBytes: anchor.signature, of: anchor.signedBytes, by: publicKey) else {
                        return fail("\(name): anchor at offset \(record.offset) (entry \(anchor.index)): its signature does not verify", index: anchor.index)
                    }
                    if anchor.pruned {
                        guard position == 0, recordIndex == 0, report.firstIndex == nil else {
                            return fail("\(name): a pruning anchor in the middle of the log", index: anchor.index)
                        }
                        expected = anchor.index + 1
                        head = anchor.head
                        report.firstIndex = expected
                        report.anchors += 1
                        continue
                    }
                    if anchor.index >= expected {
                        return fail(
                            "\(name): the anchor signs the chain up to entry \(anchor.index), but it ends before entry \(expected): entries \(expected)...\(anchor.index) are missing",
                            index: expected)
                    }
                    guard anchor.index + 1 == expected, anchor.head == head else {
                        return fail(
                            "\(name): anchor for entry \(anchor.index) does not match the chain (head of entry \(expected == 0 ? 0 : expected - 1) differs)",
                            index: unanchoredFrom ?? anchor.index)
                    }
                    report.anchors += 1
                    unanchoredFrom = nil
                default:
                    return fail("\(name): unknown record type \(record.type) at offset \(record.offset)", index: expected)
                }
            }
            if let truncatedAt {
                return fail("\(name): record at offset \(truncatedAt) is truncated (entry \(expected) or its anchor)", index: expected)
            }
        }
        if let unanchoredFrom {
            return fail("entries \(unanchoredFrom)...\(expected - 1) are not covered by a signed anchor (the tail was cut or forged)", index: unanchoredFrom)
        }
        report.head = head
        return report
    }
}
