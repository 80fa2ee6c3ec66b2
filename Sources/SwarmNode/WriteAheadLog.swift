#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import SwarmTopology
import SwarmCore
import SwarmCrypto
import SwarmWire

/// Why the durable log could not be used.
public struct WriteAheadLogError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// The replica's append-only write-ahead log: every `.persist` directive becomes one
/// record, and the node calls `sync()` (fsync) before it performs any directive that
/// followed the persists — which is how "persist before send" reaches the disk.
///
///     record = length:u32 checksum:BLAKE2b-256(body) body     (body: DurableRecordCodec)
///
/// A record cut short at the end of the file (a crash during a write) is a torn tail: it
/// is cut off at open, because it was never synced and so never acted upon. A bad
/// checksum anywhere else is corruption, and the log refuses to open rather than let the
/// replica forget what it signed.
///
/// A stable checkpoint's snapshot (up to the state quota, far beyond a record's frame) is
/// kept out of the log, in `checkpoint-<sequence>.state` beside it: written, fsynced and
/// renamed into place before the log record that names it, so a synced record always
/// names a durable file. Files of checkpoints no longer stable are removed at compaction.
public final class WriteAheadLog {
    static let headerBytes = 4 + 32
    public let path: String
    let directory: String
    let limits: WireLimits
    private var descriptor: Int32
    public private(set) var state = DurableState()
    public private(set) var recordsSinceCompaction = 0
    public private(set) var tornTailBytesDropped = 0
    private var unsynced = false

    /// Opens (or creates) `directory/wal.log` and replays it into `state`.
    public init(directory: String, limits: WireLimits = .standard) throws {
        if mkdir(directory, 0o700) != 0, errno != EEXIST {
            throw WriteAheadLogError("cannot create data directory \(directory): \(String(cString: strerror(errno)))")
        }
        self.directory = directory
        self.limits = limits
        path = directory + "/wal.log"
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw WriteAheadLogError("cannot open \(path): \(String(cString: strerror(errno)))") }
        try replay()
    }

    deinit { close(descriptor) }

    private func readAll() throws -> [UInt8] {
        let size = lseek(descriptor, 0, SEEK_END)
        guard size >= 0 else { throw WriteAheadLogError("cannot size \(path)") }
        var bytes = [UInt8](repeating: 0, count: Int(size))
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress! + offset, $0.count - offset, off_t(offset)) }
            guard count > 0 else { throw WriteAheadLogError("cannot read \(path): \(String(cString: strerror(errno)))") }
            offset += count
        }
        return bytes
    }

    private func replay() throws {
        let bytes = try readAll()
        var offset = 0
        while offset < bytes.count {
            guard bytes.count - offset >= Self.headerBytes else { break }
            let length = Int(bytes[offset]) << 24 | Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            let bodyStart = offset + Self.headerBytes
            guard length <= bytes.count - bodyStart else { break }
            let body = Array(bytes[bodyStart ..< bodyStart + length])
            let checksum = Array(bytes[offset + 4 ..< bodyStart])
            guard Blake2b.hash256(body) == checksum else {
                if bodyStart + length == bytes.count { break }  // the last record: torn
                throw WriteAheadLogError("\(path): record at offset \(offset) fails its checksum and records follow it; the log is corrupt")
            }
            let record: DurableRecord
            do { record = try DurableRecordCodec.decode(body, limits: limits) } catch {
                throw WriteAheadLogError("\(path): record at offset \(offset) does not decode: \(error)")
            }
            state.apply(record)
            recordsSinceCompaction += 1
            offset = bodyStart + length
        }
        if offset < bytes.count {
            tornTailBytesDropped = bytes.count - offset
            guard ftruncate(descriptor, off_t(offset)) == 0, fsync(descriptor) == 0 else {
                throw WriteAheadLogError("cannot cut the torn tail of \(path): \(String(cString: strerror(errno)))")
            }
        }
        lseek(descriptor, 0, SEEK_END)
        if let stable = state.stable, stable.snapshot.isEmpty {
            state.attachSnapshot(try readCheckpointFile(stable.sequence))
        }
        removeCheckpointFiles(except: state.stable?.sequence)
    }

    func checkpointPath(_ sequence: SequenceNumber) -> String { directory + "/checkpoint-\(sequence).state" }

    private func readCheckpointFile(_ sequence: SequenceNumber) throws -> [UInt8] {
        let file = checkpointPath(sequence)
        let fd = open(file, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw WriteAheadLogError("\(path) names checkpoint \(sequence), but \(file) cannot be opened: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let size = lseek(fd, 0, SEEK_END)
        guard size >= 0, size <= limits.maxSnapshotBytes else { throw WriteAheadLogError("\(file): \(size) bytes, limit \(limits.maxSnapshotBytes)") }
        var bytes = [UInt8](repeating: 0, count: Int(size))
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + offset, $0.count - offset, off_t(offset)) }
            guard count > 0 else { throw WriteAheadLogError("cannot read \(file): \(String(cString: strerror(errno)))") }
            offset += count
        }
        return bytes
    }

    /// Writes a checkpoint's snapshot durably: a temporary file, fsynced, renamed into
    /// place, and the directory fsynced, so the name never points at a partial file.
    private func writeCheckpointFile(_ sequence: SequenceNumber, _ snapshot: [UInt8]) throws {
        let file = checkpointPath(sequence)
        if access(file, F_OK) == 0 { return }
        let temporary = file + ".partial"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw WriteAheadLogError("cannot create \(temporary): \(String(cString: strerror(errno)))") }
        let failure = DurableWrite.writeFully(fd, snapshot)
        let synced = failure == 0 ? DurableWrite.sync(fd) : failure
        close(fd)
        guard synced == 0, rename(temporary, file) == 0 else { throw WriteAheadLogError("cannot write \(file): \(DurableWrite.describe(synced == 0 ? errno : synced))") }
        syncDirectory()
    }

    private func syncDirectory() {
        let fd = open(directory, O_RDONLY | O_CLOEXEC)
        if fd >= 0 { fsync(fd); close(fd) }
    }

    /// Removes snapshot files of checkpoints other than `kept` (and partial writes).
    private func removeCheckpointFiles(except kept: SequenceNumber?) {
        guard let stream = opendir(directory) else { return }
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafePointer(to: entry.pointee.d_name) { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
            if name.hasPrefix("checkpoint-"), name != kept.map({ "checkpoint-\($0).state" }) { names.append(name) }
        }
        closedir(stream)
        for name in names { unlink(directory + "/" + name) }
    }

    static func frame(_ record: DurableRecord) -> [UInt8] {
        let body = DurableRecordCodec.encode(record, snapshotApart: true)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Self.headerBytes + body.count)
        let length = UInt32(body.count)
        bytes += [UInt8(length >> 24), UInt8(truncatingIfNeeded: length >> 16), UInt8(truncatingIfNeeded: length >> 8), UInt8(truncatingIfNeeded: length)]
        bytes += Blake2b.hash256(body)
        bytes += body
        return bytes
    }

    private static func writeFully(_ descriptor: Int32, _ bytes: [UInt8], path: String) throws {
        let failure = DurableWrite.writeFully(descriptor, bytes)
        guard failure == 0 else { throw WriteAheadLogError("cannot write \(path): \(DurableWrite.describe(failure))") }
    }

    /// Appends records; they are durable only after `sync()`.
    public func append(_ record: DurableRecord) throws {
        if case let .stableCheckpoint(checkpoint) = record { try writeCheckpointFile(checkpoint.sequence, checkpoint.snapshot) }
        try Self.writeFully(descriptor, Self.frame(record), path: path)
        state.apply(record)
        recordsSinceCompaction += 1
        unsynced = true
    }

    /// fsync: everything appended so far survives a crash after this returns.
    public func sync() throws {
        guard unsynced else { return }
        let failure = DurableWrite.sync(descriptor)
        guard failure == 0 else { throw WriteAheadLogError("cannot fsync \(path): \(DurableWrite.describe(failure))") }
        unsynced = false
    }

    /// Rewrites the log as the few records that rebuild the current state (after a stable
    /// checkpoint discarded everything below it), atomically: a new file is written and
    /// synced, then renamed over the old one, then the directory is synced.
    public func compact() throws {
        try sync()
        let temporary = path + ".compact"
        let fresh = open(temporary, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fresh >= 0 else { throw WriteAheadLogError("cannot create \(temporary): \(String(cString: strerror(errno)))") }
        let records = DurableRecordCodec.records(rebuilding: state)
        var bytes: [UInt8] = []
        for record in records { bytes += Self.frame(record) }
        do { try Self.writeFully(fresh, bytes, path: temporary) } catch { close(fresh); throw error }
        guard fsync(fresh) == 0, rename(temporary, path) == 0 else {
            close(fresh)
            throw WriteAheadLogError("cannot replace \(path): \(String(cString: strerror(errno)))")
        }
        close(descriptor)
        descriptor = fresh
        lseek(descriptor, 0, SEEK_END)
        syncDirectory()
        recordsSinceCompaction = records.count
        removeCheckpointFiles(except: state.stable?.sequence)
    }
}
