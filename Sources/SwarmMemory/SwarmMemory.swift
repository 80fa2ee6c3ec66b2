import SwarmCore
import SwarmWire

/// The swarm memory: the default replicated service, a namespaced key-value store with a
/// version per key, compare-and-set and prefix listing. Deterministic and bounded.
public struct SwarmMemory: ReplicatedService, Equatable {
    struct Slot: Equatable, Sendable {
        var version: UInt64
        var value: [UInt8]
    }

    public let limits: MemoryLimits
    var namespaces: [[UInt8]: [[UInt8]: Slot]] = [:]
    /// Versions keep increasing across deletes so that a compare-and-set against a deleted
    /// and re-created key cannot succeed by accident.
    var nextVersion: UInt64 = 1
    public private(set) var entryCount = 0
    public private(set) var totalBytes = 0

    public init(limits: MemoryLimits = .standard) {
        self.limits = limits
    }

    public func isReadOnly(_ operation: [UInt8]) -> Bool {
        guard case let .success(decoded) = MemoryOperation.decode(operation, limits: limits) else { return true }
        return decoded.isReadOnly
    }

    public mutating func execute(_ operation: [UInt8], client: ClientKey) -> [UInt8] {
        switch MemoryOperation.decode(operation, limits: limits) {
        case let .failure(status):
            return MemoryResult(status: status).encoded()
        case let .success(decoded):
            return apply(decoded).encoded()
        }
    }

    public func query(_ operation: [UInt8]) -> [UInt8] {
        switch MemoryOperation.decode(operation, limits: limits) {
        case let .failure(status):
            return MemoryResult(status: status).encoded()
        case let .success(decoded):
            guard decoded.isReadOnly else { return MemoryResult(status: .malformed).encoded() }
            var copy = self
            return copy.apply(decoded).encoded()
        }
    }

    public mutating func apply(_ operation: MemoryOperation) -> MemoryResult {
        switch operation {
        case let .put(namespace, key, value):
            return store(namespace: namespace, key: key, value: value)
        case let .get(namespace, key):
            guard let slot = namespaces[namespace]?[key] else { return MemoryResult(status: .notFound) }
            return MemoryResult(status: .ok, version: slot.version, value: slot.value)
        case let .delete(namespace, key):
            guard let slot = namespaces[namespace]?[key] else { return MemoryResult(status: .notFound) }
            namespaces[namespace]![key] = nil
            if namespaces[namespace]!.isEmpty { namespaces[namespace] = nil }
            entryCount -= 1
            totalBytes -= namespace.count + key.count + slot.value.count
            return MemoryResult(status: .ok)
        case let .compareAndSet(namespace, key, expectedVersion, value):
            let current = namespaces[namespace]?[key]
            guard (current?.version ?? 0) == expectedVersion else {
                return MemoryResult(status: .versionMismatch, version: current?.version ?? 0, value: current?.value ?? [])
            }
            return store(namespace: namespace, key: key, value: value)
        case let .list(namespace, prefix, limit):
            let cap = min(Int(limit == 0 ? UInt16.max : limit), limits.maxListResults)
            let matching = (namespaces[namespace] ?? [:])
                .filter { $0.key.starts(with: prefix) }
                .sorted { $0.key.lexicographicallyPrecedes($1.key) }
                .prefix(cap)
                .map { MemoryResult.Entry(key: $0.key, version: $0.value.version, value: $0.value.value) }
            return MemoryResult(status: .ok, entries: Array(matching))
        }
    }

    mutating func store(namespace: [UInt8], key: [UInt8], value: [UInt8]) -> MemoryResult {
        let previous = namespaces[namespace]?[key]
        let addedBytes = value.count - (previous?.value.count ?? -(namespace.count + key.count))
        guard previous != nil || entryCount < limits.maxEntries, totalBytes + addedBytes <= limits.maxTotalBytes else {
            return MemoryResult(status: .quotaExceeded)
        }
        let version = nextVersion
        nextVersion += 1
        namespaces[namespace, default: [:]][key] = Slot(version: version, value: value)
        if previous == nil { entryCount += 1 }
        totalBytes += addedBytes
        return MemoryResult(status: .ok, version: version)
    }

    /// Canonical: namespaces and keys in byte order.
    public func snapshot() -> [UInt8] {
        var writer = ByteWriter(capacity: 64 + totalBytes + entryCount * 16)
        writer.u64(nextVersion)
        writer.u32(UInt32(namespaces.count))
        for namespace in namespaces.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            let keys = namespaces[namespace]!
            writer.u16(UInt16(namespace.count))
            writer.raw(namespace)
            writer.u32(UInt32(keys.count))
            for key in keys.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
                let slot = keys[key]!
                writer.u16(UInt16(key.count))
                writer.raw(key)
                writer.u64(slot.version)
                writer.lengthPrefixed(slot.value)
            }
        }
        return writer.bytes
    }

    public mutating func restore(_ snapshot: [UInt8]) throws(ServiceError) {
        var reader = ByteReader(snapshot)
        var restored = SwarmMemory(limits: limits)
        do throws(WireError) {
            restored.nextVersion = try reader.u64("next version")
            let namespaceCount = try reader.count(limit: limits.maxEntries, minimumElementBytes: 6, "namespaces")
            var previousNamespace: [UInt8]?
            for _ in 0 ..< namespaceCount {
                let namespace = try reader.raw(Int(try reader.u16("namespace length")), "namespace")
                // Canonical: namespaces and keys strictly ascending, none empty, totals bounded.
                if let previousNamespace, !previousNamespace.lexicographicallyPrecedes(namespace) { throw WireError(.invalidValue, "namespaces out of order") }
                previousNamespace = namespace
                let keyCount = try reader.count(limit: limits.maxEntries, minimumElementBytes: 14, "keys")
                guard keyCount > 0 else { throw WireError(.invalidValue, "empty namespace") }
                var keys: [[UInt8]: Slot] = [:]
                var previousKey: [UInt8]?
                for _ in 0 ..< keyCount {
                    let key = try reader.raw(Int(try reader.u16("key length")), "key")
                    if let previousKey, !previousKey.lexicographicallyPrecedes(key) { throw WireError(.invalidValue, "keys out of order") }
                    previousKey = key
                    let version = try reader.u64("version")
                    let value = try reader.lengthPrefixed(limit: limits.maxValueBytes, "value")
                    keys[key] = Slot(version: version, value: value)
                    restored.entryCount += 1
                    restored.totalBytes += namespace.count + key.count + value.count
                }
                guard restored.entryCount <= limits.maxEntries, restored.totalBytes <= limits.maxTotalBytes else {
                    throw WireError(.countOverLimit, "snapshot over the memory limits")
                }
                restored.namespaces[namespace] = keys
            }
            guard reader.isAtEnd else { throw WireError(.trailingBytes, "after the last namespace") }
        } catch {
            throw ServiceError("swarm memory snapshot is malformed: \(error)")
        }
        self = restored
    }
}
