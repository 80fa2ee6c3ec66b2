import SwarmCore
import SwarmWire

/// Operations of the swarm memory, the default replicated service: a namespaced key-value
/// store. Binary and canonical so that any agent can build one with a few lines
/// (docs/wire-protocol.md gives the layout and test vectors).
///
///     operation = code:u8 namespace:(u16 len, bytes) key:(u16 len, bytes) arguments
///     put       arguments = value:(u32 len, bytes)
///     get       arguments = (none)
///     delete    arguments = (none)
///     cas       arguments = expectedVersion:u64 value:(u32 len, bytes)   (version 0: key absent)
///     list      arguments = limit:u16                                  (key is a prefix)
public enum MemoryOperation: Hashable, Sendable {
    case put(namespace: [UInt8], key: [UInt8], value: [UInt8])
    case get(namespace: [UInt8], key: [UInt8])
    case delete(namespace: [UInt8], key: [UInt8])
    case compareAndSet(namespace: [UInt8], key: [UInt8], expectedVersion: UInt64, value: [UInt8])
    case list(namespace: [UInt8], prefix: [UInt8], limit: UInt16)

    public enum Code: UInt8, Sendable {
        case put = 1, get = 2, delete = 3, compareAndSet = 4, list = 5
    }

    public var isReadOnly: Bool {
        switch self {
        case .get, .list: true
        case .put, .delete, .compareAndSet: false
        }
    }

    public func encoded() -> [UInt8] {
        var writer = ByteWriter(capacity: 64)
        func header(_ code: Code, _ namespace: [UInt8], _ key: [UInt8]) {
            writer.u8(code.rawValue)
            writer.u16(UInt16(namespace.count))
            writer.raw(namespace)
            writer.u16(UInt16(key.count))
            writer.raw(key)
        }
        switch self {
        case let .put(namespace, key, value):
            header(.put, namespace, key)
            writer.lengthPrefixed(value)
        case let .get(namespace, key):
            header(.get, namespace, key)
        case let .delete(namespace, key):
            header(.delete, namespace, key)
        case let .compareAndSet(namespace, key, expectedVersion, value):
            header(.compareAndSet, namespace, key)
            writer.u64(expectedVersion)
            writer.lengthPrefixed(value)
        case let .list(namespace, prefix, limit):
            header(.list, namespace, prefix)
            writer.u16(limit)
        }
        return writer.bytes
    }

    /// Decodes an operation, telling "unknown operation", "too large" and "malformed" apart
    /// so that the client sees the right error.
    public static func decode(_ bytes: [UInt8], limits: MemoryLimits) -> Result<MemoryOperation, MemoryResult.Status> {
        var reader = ByteReader(bytes)
        do throws(WireError) {
            guard let code = Code(rawValue: try reader.u8("operation code")) else { return .failure(.unknownOperation) }
            let namespaceLength = Int(try reader.u16("namespace length"))
            guard namespaceLength <= limits.maxNamespaceBytes else { return .failure(.tooLarge) }
            let namespace = try reader.raw(namespaceLength, "namespace")
            let keyLength = Int(try reader.u16("key length"))
            guard keyLength <= limits.maxKeyBytes else { return .failure(.tooLarge) }
            let key = try reader.raw(keyLength, "key")
            let operation: MemoryOperation
            switch code {
            case .put:
                operation = .put(namespace: namespace, key: key, value: try reader.lengthPrefixed(limit: limits.maxValueBytes, "value"))
            case .get:
                operation = .get(namespace: namespace, key: key)
            case .delete:
                operation = .delete(namespace: namespace, key: key)
            case .compareAndSet:
                let expected = try reader.u64("expected version")
                operation = .compareAndSet(namespace: namespace, key: key, expectedVersion: expected, value: try reader.lengthPrefixed(limit: limits.maxValueBytes, "value"))
            case .list:
                operation = .list(namespace: namespace, prefix: key, limit: try reader.u16("limit"))
            }
            guard reader.isAtEnd else { return .failure(.malformed) }
            if case .put = operation, key.isEmpty { return .failure(.malformed) }
            if case .compareAndSet = operation, key.isEmpty { return .failure(.malformed) }
            return .success(operation)
        } catch {
            return .failure(error.code == .lengthOverLimit ? .tooLarge : .malformed)
        }
    }
}

/// Bounds of the swarm memory; an operation over them gets `.tooLarge` or
/// `.quotaExceeded`, never a crash or unbounded growth.
public struct MemoryLimits: Sendable, Equatable {
    public var maxNamespaceBytes: Int
    public var maxKeyBytes: Int
    public var maxValueBytes: Int
    public var maxEntries: Int
    public var maxTotalBytes: Int
    public var maxListResults: Int

    public init(
        maxNamespaceBytes: Int = 128, maxKeyBytes: Int = 512, maxValueBytes: Int = 16 << 10, maxEntries: Int = 1_000_000, maxTotalBytes: Int = 256 << 20, maxListResults: Int = 1000
    ) {
        self.maxNamespaceBytes = maxNamespaceBytes
        self.maxKeyBytes = maxKeyBytes
        self.maxValueBytes = maxValueBytes
        self.maxEntries = maxEntries
        self.maxTotalBytes = maxTotalBytes
        self.maxListResults = maxListResults
    }

    public static let standard = MemoryLimits()
}

/// A result of the swarm memory.
///
///     result = status:u8 version:u64 value:(u32 len, bytes) entries:(u32 count, (key, version, value)...)
///
/// `version` is the key's version after the operation (0: absent); `value` is the value
/// read (get) or the current value on a failed compare-and-set; `entries` answers list.
public struct MemoryResult: Hashable, Sendable {
    public enum Status: UInt8, Error, Sendable, CustomStringConvertible {
        case ok = 0
        case notFound = 1
        case versionMismatch = 2
        case malformed = 3
        case tooLarge = 4
        case unknownOperation = 5
        case quotaExceeded = 6

        public var description: String {
            switch self {
            case .ok: "ok"
            case .notFound: "not found"
            case .versionMismatch: "version mismatch"
            case .malformed: "malformed operation"
            case .tooLarge: "operation over the size limits"
            case .unknownOperation: "unknown operation"
            case .quotaExceeded: "memory quota exceeded"
            }
        }
    }

    public struct Entry: Hashable, Sendable {
        public var key: [UInt8]
        public var version: UInt64
        public var value: [UInt8]
        public init(key: [UInt8], version: UInt64, value: [UInt8]) {
            self.key = key
            self.version = version
            self.value = value
        }
    }

    public var status: Status
    public var version: UInt64
    public var value: [UInt8]
    public var entries: [Entry]

    public init(status: Status, version: UInt64 = 0, value: [UInt8] = [], entries: [Entry] = []) {
        self.status = status
        self.version = version
        self.value = value
        self.entries = entries
    }

    public func encoded() -> [UInt8] {
        var writer = ByteWriter(capacity: 16 + value.count)
        writer.u8(status.rawValue)
        writer.u64(version)
        writer.lengthPrefixed(value)
        writer.u32(UInt32(entries.count))
        for entry in entries {
            writer.u16(UInt16(entry.key.count))
            writer.raw(entry.key)
            writer.u64(entry.version)
            writer.lengthPrefixed(entry.value)
        }
        return writer.bytes
    }

    public static func decode(_ bytes: [UInt8]) throws(WireError) -> MemoryResult {
        var reader = ByteReader(bytes)
        let statusByte = try reader.u8("status")
        guard let status = Status(rawValue: statusByte) else { throw WireError(.invalidValue, "result status \(statusByte)") }
        let version = try reader.u64("version")
        let value = try reader.lengthPrefixed(limit: bytes.count, "value")
        let count = try reader.count(limit: 1 << 16, minimumElementBytes: 14, "entries")
        var entries: [Entry] = []
        for _ in 0 ..< count {
            let key = try reader.raw(Int(try reader.u16("key length")), "key")
            entries.append(Entry(key: key, version: try reader.u64("version"), value: try reader.lengthPrefixed(limit: bytes.count, "value")))
        }
        guard reader.isAtEnd else { throw WireError(.trailingBytes, "\(reader.remaining) bytes after the result") }
        return MemoryResult(status: status, version: version, value: value, entries: entries)
    }
}
