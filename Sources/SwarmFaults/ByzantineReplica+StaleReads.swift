import SwarmCore
import SwarmMemory
import SwarmWire

/// `stale-reads` (issue 14, defect C): a replica that answers a read-only request with the
/// state before its latest write to the key — the answer a correct replica that has not
/// yet executed that write gives, so that the two can make a read quorum together.
extension ByzantineReplica {
    /// The result before the one its honest core computed now: the last answer for the
    /// same operation if the state changed since, else the one before; not found if none.
    func staleResult(for reply: Reply) -> [UInt8] {
        let notFound = MemoryResult(status: .notFound).encoded()
        guard let operation = readOperations[RequestKey(client: reply.client, requestID: reply.requestID)], let known = readResults[operation] else {
            return notFound
        }
        return known.current != reply.result ? known.current : known.previous ?? notFound
    }

    mutating func rememberReads(_ honest: [Directive]) {
        for case let .reply(reply, readOnly) in honest where readOnly {
            guard let operation = readOperations[RequestKey(client: reply.client, requestID: reply.requestID)] else { continue }
            if readResults.count >= Self.recordedLimit, readResults[operation] == nil { readResults.removeAll() }
            if let known = readResults[operation], known.current == reply.result { continue }
            readResults[operation] = (readResults[operation]?.current, reply.result)
        }
    }
}
