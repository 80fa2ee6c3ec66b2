#if canImport(Glibc)
    import Glibc
#endif
import Foundation
import SwarmCrypto
import SwarmEvents

/// Appends one CloudEvent per line. The file is its own position: on start the last
/// complete line gives the next sequence, and a line cut short by a crash is removed, so a
/// restarted sink neither repeats nor skips an event.
public final class JSONLinesSink: EventSink {
    let path: String
    var next: UInt64?

    public init(path: String) throws {
        self.path = path
        if !FileManager.default.fileExists(atPath: path) { FileManager.default.createFile(atPath: path, contents: nil) }
        next = try recover()
    }

    func recover() throws -> UInt64? {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let complete = bytes.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
        if complete < bytes.count {
            guard truncate(path, off_t(complete)) == 0 else { throw SinkError("cannot cut the partial last line of \(path)") }
        }
        guard complete > 0 else { return nil }
        let lastLineStart = bytes[..<(complete - 1)].lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
        guard let event = try? CloudEvent.decode(Array(bytes[lastLineStart ..< complete - 1])), let sequence = event.sequenceNumber else {
            throw SinkError("\(path): the last line is not an event; refusing to guess where to resume")
        }
        return sequence + 1
    }

    public func nextSequence() throws -> UInt64? { next }

    public func write(_ events: [DeliveredEvent]) throws {
        guard let last = events.last else { return }
        var bytes: [UInt8] = []
        for delivered in events { bytes += delivered.json + [UInt8(ascii: "\n")] }
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard descriptor >= 0 else { throw SinkError("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        let failure = DurableWrite.writeFully(descriptor, bytes)
        guard failure == 0 else { throw SinkError("cannot write \(path): \(DurableWrite.describe(failure))") }
        let syncFailure = DurableWrite.sync(descriptor)
        guard syncFailure == 0 else { throw SinkError("cannot fsync \(path): \(DurableWrite.describe(syncFailure))") }
        next = last.sequence + 1
    }
}
