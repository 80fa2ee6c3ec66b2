import SwarmCore
import SwarmMemory
import SwarmWire

/// S5 (issue 14, defect C): a read on the read-only path (section 5.1.3) is linearizable —
/// the value it returns is the key's value in some state at or after the last ordered
/// request any client had accepted when the read was issued. The states of the key are
/// what the correct replicas' results say each write did, in sequence order.
extension Checker {
    mutating func onReadIssued(_ key: RequestKey, memoryKey: [UInt8], time: Int) {
        reads[key] = (memoryKey, acceptedThrough)
    }

    /// Any accepted request: an ordered one moves the bound reads issued later must see.
    mutating func onAccepted(_ key: RequestKey, result: [UInt8], time: Int) {
        if let read = reads[key] { return onReadAccepted(key, read, result: result, time: time) }
        if let sequence = executedAt[key] { acceptedThrough = max(acceptedThrough, sequence) }
    }

    /// What a write left at its key: a version, nothing, or no change. The honest
    /// workload has one namespace; the Byzantine client's writes use another and are not
    /// in `issued`, so they leave the honest keys unchanged.
    enum Effect: Equatable {
        case unchanged
        case present(version: UInt64)
        case absent
    }

    func effect(of request: RequestKey, on memoryKey: [UInt8]) -> Effect? {
        guard let operation = issued[request], case let .success(decoded) = MemoryOperation.decode(operation, limits: .standard) else { return .unchanged }
        switch decoded {
        case let .put(_, key, _) where key == memoryKey, let .compareAndSet(_, key, _, _) where key == memoryKey, let .delete(_, key) where key == memoryKey:
            // Executed by a correct replica, so its result is known unless it never replied.
            guard let bytes = correctResults[request], let result = try? MemoryResult.decode(bytes) else { return nil }
            guard result.status == .ok else { return .unchanged }
            if case .delete = decoded { return .absent }
            return .present(version: result.version)
        default:
            return .unchanged
        }
    }

    mutating func onReadAccepted(_ key: RequestKey, _ read: (memoryKey: [UInt8], after: SequenceNumber), result bytes: [UInt8], time: Int) {
        guard let result = try? MemoryResult.decode(bytes) else {
            return fail(.staleRead, time, "client \(key.client) accepted read \(key.requestID) with a result that does not decode")
        }
        let seen: Effect
        switch result.status {
        case .ok: seen = .present(version: result.version)
        case .notFound: seen = .absent
        default: return fail(.staleRead, time, "client \(key.client) accepted read \(key.requestID) with status \(result.status)")
        }
        // The key's writes in sequence order; a write whose result no correct replica
        // reported leaves the history unknown, and the read unchecked.
        var writes: [(sequence: SequenceNumber, position: Int, effect: Effect)] = []
        for (request, sequence) in executedAt {
            guard let effect = effect(of: request, on: read.memoryKey) else { return }
            if effect != .unchanged { writes.append((sequence, positionInBatch[request] ?? 0, effect)) }
        }
        writes.sort { ($0.sequence, $0.position) < ($1.sequence, $1.position) }
        let atBound = writes.last { $0.sequence <= read.after }?.effect ?? .absent
        let allowed = [atBound] + writes.filter { $0.sequence > read.after }.map(\.effect)
        guard allowed.contains(seen) else {
            return fail(
                .staleRead, time,
                "client \(key.client) read \(seen) in request \(key.requestID), but a request accepted before it was issued had executed at \(read.after), after which the key was \(allowed)"
            )
        }
    }
}
