#if canImport(Glibc)
    import Glibc
#endif
import Foundation
import SwarmCrypto
import SwarmWire

public struct SecurityLogError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// The tamper-evident security log: append-only segment files of hash-chained, MACed
/// entries, written in batches (default 10 entries or 1 s) that each end with an
/// Ed25519-signed anchor over (index, head hash), fsynced.
///
///     segment-NNNNNN.log = record*      record = type:u8 (1 entry, 2 anchor) length:u32 body
public final class SecurityLog {
    public struct Settings: Sendable {
        public var batchEntries = 10
        public var batchSeconds = 1.0
        public var segmentEntries = 1000
        /// fsync after each batch; only tests that generate thousands of logs turn it off.
        public var sync = true
        public init() {}
    }

    public let directory: String
    let signing: Ed25519.PrivateKey
    let macKey: [UInt8]
    let settings: Settings
    public private(set) var nextIndex: UInt64 = 0
    public private(set) var head = [UInt8](repeating: 0, count: 32)
    var pending: [LogEntry] = []
    var pendingSince: Date?
    /// Entries made durable (written, anchored, fsynced) since the last `takeDurable()`:
    /// only these may be published, so a subscriber never sees an event a crash could lose.
    var durable: [LogEntry] = []
    var segmentNumber = 1
    var entriesInSegment = 0
    /// The last entry index of each closed segment, so catch-up reads skip whole segments.
    var segmentLastIndex: [String: UInt64] = [:]

    /// Opens or creates the log; an existing log is verified first and must be intact.
    public init(directory: String, signing: Ed25519.PrivateKey, macKey: [UInt8], settings: Settings = Settings()) throws {
        precondition(macKey.count >= 16, "MAC keys are at least 16 bytes")
        self.directory = directory
        self.signing = signing
        self.macKey = macKey
        self.settings = settings
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let report = LogVerifier.verify(directory: directory, publicKey: signing.publicKey, macKey: macKey)
        if let problem = report.problem { throw SecurityLogError("security log \(directory) does not verify: \(problem)") }
        nextIndex = report.lastIndex.map { $0 + 1 } ?? report.firstIndex ?? 0
        head = report.head
        segmentNumber = max(1, report.segments.last.map { SecurityLog.segmentNumber($0) } ?? 1)
        entriesInSegment = report.entriesInLastSegment
    }

    static func segmentName(_ number: Int) -> String { String(format: "segment-%06d.log", number) }
    static func segmentNumber(_ name: String) -> Int { Int(name.dropFirst("segment-".count).prefix(6)) ?? 0 }

    /// Appends an event; it is durable once its batch is closed (`flush`, or automatically
    /// after `batchEntries` entries or `batchSeconds`).
    @discardableResult
    public func append(_ event: [UInt8], timeMicroseconds: UInt64 = UInt64(Date().timeIntervalSince1970 * 1_000_000)) throws -> UInt64 {
        var entry = LogEntry(index: nextIndex, timeMicroseconds: timeMicroseconds, event: event, previous: head, mac: [])
        entry.mac = Blake2b.mac256(key: macKey, message: entry.macInput)
        head = Blake2b.hash256(entry.encoded())
        nextIndex += 1
        pending.append(entry)
        if pendingSince == nil { pendingSince = Date() }
        if pending.count >= settings.batchEntries { try flush() }
        return entry.index
    }

    /// Closes the batch if its time is up; call it from the owner's loop.
    public func tick() throws {
        if let since = pendingSince, Date().timeIntervalSince(since) >= settings.batchSeconds { try flush() }
    }

    /// Writes the pending entries and a signed anchor, and fsyncs.
    public func flush() throws {
        guard !pending.isEmpty else { return }
        var bytes: [UInt8] = []
        for entry in pending {
            bytes += SecurityLog.record(1, entry.encoded())
            entriesInSegment += 1
        }
        bytes += SecurityLog.record(2, anchor(index: pending.last!.index, head: head, pruned: false).encoded())
        try write(bytes)
        durable += pending
        pending.removeAll()
        pendingSince = nil
        if entriesInSegment >= settings.segmentEntries {
            segmentNumber += 1
            entriesInSegment = 0
        }
    }

    /// Entries appended but not yet durable.
    public var pendingCount: Int { pending.count }

    /// The entries that became durable since the last call, oldest first.
    public func takeDurable() -> [LogEntry] {
        defer { durable.removeAll() }
        return durable
    }

    /// Up to `limit` durable entries from `index` on, read back from the segment files (the
    /// catch-up path of the event stream). Entries pruned by retention are gone: the first
    /// entry returned may be later than `index`.
    public func entries(from index: UInt64, limit: Int) throws -> [LogEntry] {
        precondition(limit > 0)
        var result: [LogEntry] = []
        for name in LogVerifier.segments(in: directory) {
            let path = directory + "/" + name
            if let last = segmentLastIndex[name], last < index { continue }
            let entries = try LogVerifier.records(of: path).compactMap { $0.type == 1 ? try? LogEntry.decode($0.body) : nil }
            // Segments other than the one being written never change again.
            if name != SecurityLog.segmentName(segmentNumber), let last = entries.last { segmentLastIndex[name] = last.index }
            for entry in entries where entry.index >= index {
                result.append(entry)
                if result.count == limit { return result }
            }
        }
        return result
    }

    func anchor(index: UInt64, head: [UInt8], pruned: Bool) -> LogAnchor {
        var anchor = LogAnchor(index: index, head: head, pruned: pruned, signature: [])
        anchor.signature = signing.sign(anchor.signedBytes).bytes
        return anchor
    }

    static func record(_ type: UInt8, _ body: [UInt8]) -> [UInt8] {
        var writer = ByteWriter(capacity: body.count + 5)
        writer.u8(type)
        writer.lengthPrefixed(body)
        return writer.bytes
    }

    func write(_ bytes: [UInt8]) throws {
        let path = directory + "/" + SecurityLog.segmentName(segmentNumber)
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw SecurityLogError("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        let failure = DurableWrite.writeFully(descriptor, bytes)
        guard failure == 0 else { throw SecurityLogError("cannot write \(path): \(DurableWrite.describe(failure))") }
        if settings.sync {
            let syncFailure = DurableWrite.sync(descriptor)
            guard syncFailure == 0 else { throw SecurityLogError("cannot fsync \(path): \(DurableWrite.describe(syncFailure))") }
        }
    }

    /// Retention: deletes whole segments whose newest entry is older than `before`,
    /// except the newest segment, and starts the oldest remaining segment with a signed
    /// pruning anchor over the last pruned entry, so that what remains still verifies.
    /// A segment holding an entry `isCritical` says is critical is kept until
    /// `criticalBefore` (default retention: 7 days, critical events 30).
    public func prune(olderThan before: Date, criticalOlderThan criticalBefore: Date? = nil, isCritical: (LogEntry) -> Bool = { _ in false }) throws -> Int {
        try flush()
        let cutoff = UInt64(before.timeIntervalSince1970 * 1_000_000)
        let criticalCutoff = UInt64((criticalBefore ?? before).timeIntervalSince1970 * 1_000_000)
        let segments = LogVerifier.segments(in: directory)
        var removed = 0
        var lastPruned: (index: UInt64, hash: [UInt8])?
        for name in segments.dropLast() {
            let records = try LogVerifier.records(of: directory + "/" + name)
            let entries = records.compactMap { $0.type == 1 ? try? LogEntry.decode($0.body) : nil }
            guard let newest = entries.last, newest.timeMicroseconds < cutoff else { break }
            if newest.timeMicroseconds >= criticalCutoff, entries.contains(where: isCritical) { break }
            lastPruned = (newest.index, Blake2b.hash256(newest.encoded()))
            try FileManager.default.removeItem(atPath: directory + "/" + name)
            removed += 1
        }
        if let lastPruned, let first = LogVerifier.segments(in: directory).first {
            let path = directory + "/" + first
            let existing = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
            let pruning = SecurityLog.record(2, anchor(index: lastPruned.index, head: lastPruned.hash, pruned: true).encoded())
            try Data(pruning + existing).write(to: URL(fileURLWithPath: path + ".tmp"))
            guard rename(path + ".tmp", path) == 0 else { throw SecurityLogError("cannot replace \(path)") }
        }
        return removed
    }
}

extension SecurityLog {
    /// The MAC key of a node's security log, derived from its Ed25519 seed: only the node
    /// (and whoever holds its secret certificate) can check the MACs; anyone can check the
    /// chain and the signed anchors with its public key.
    public static func macKey(for certificate: SecretCertificate) -> [UInt8] {
        certificate.signing.seed.withUnsafeBytes { Blake2b.mac256(key: Array($0), message: Array("SBFT-security-log-mac".utf8)) }
    }
}
