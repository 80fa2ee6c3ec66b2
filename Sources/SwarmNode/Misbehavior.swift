import SwarmCore
import SwarmWire

/// Fault injection for test beds and demos (`swarmbft node --misbehave KIND`), refused
/// unless the topology sets `test_mode: true`. The honest core runs unchanged; the shell
/// lies on the way out, as a Byzantine replica would.
public enum Misbehavior: String, Sendable, CaseIterable {
    /// Replies to clients with a wrong result (different at every replica).
    case wrongResults = "wrong-results"
    /// Sends nothing at all.
    case silent
    /// As primary, sends each PRE-PREPARE to half of the backups and a conflicting one
    /// (the batch reversed, or emptied) to the others.
    case equivocate

    func rewrite(_ directives: [Directive], replica: ReplicaID, peers: [ReplicaID], sign: (Payload) -> SignedMessage) -> [Directive] {
        switch self {
        case .silent:
            return []
        case .equivocate:
            let firstHalf = Array(peers.prefix((peers.count + 1) / 2)), secondHalf = Array(peers.dropFirst((peers.count + 1) / 2))
            return directives.flatMap { directive -> [Directive] in
                guard case let .broadcast(message) = directive, case let .prePrepare(pp) = message.payload, pp.sender == replica, !pp.batch.isEmpty else { return [directive] }
                var conflicting = pp
                conflicting.batch = pp.batch.count >= 2 ? pp.batch.reversed() : []
                return firstHalf.map { .send(message, to: $0) } + secondHalf.map { .send(sign(.prePrepare(conflicting)), to: $0) }
            }
        case .wrongResults:
            return directives.map { directive in
                guard case let .reply(reply, readOnly) = directive else { return directive }
                var forged = reply
                forged.result = MemoryResult(status: .ok, version: 424_242, value: Array("forged by replica \(replica)".utf8)).encoded()
                return .reply(forged, readOnly: readOnly)
            }
        }
    }
}
