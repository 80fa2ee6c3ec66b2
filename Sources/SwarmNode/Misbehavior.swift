import SwarmTopology
import SwarmCore
import SwarmMemory
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
    /// As a backup, sends each PREPARE to half of the peers and one with another digest to
    /// the others (a double vote).
    case doubleVote = "double-vote"
    /// Sends validly signed messages far beyond the watermarks and views, about 10,000 a
    /// second, besides its honest traffic (ACCEPTANCE 8).
    case flood
    /// Sends its PREPAREs and COMMITs to one peer only (selective participation).
    case selective
    /// As primary, holds each PRE-PREPARE back for 80 % of the request timeout (timing
    /// manipulation: just under the timeout that would replace it).
    case delay

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
        case .doubleVote:
            let firstHalf = Array(peers.prefix((peers.count + 1) / 2)), secondHalf = Array(peers.dropFirst((peers.count + 1) / 2))
            return directives.flatMap { directive -> [Directive] in
                guard case let .broadcast(message) = directive, case let .prepare(vote) = message.payload, vote.sender == replica else { return [directive] }
                var conflicting = vote
                conflicting.digest = Digest(bytes: vote.digest.bytes.map { ~$0 })
                return firstHalf.map { .send(message, to: $0) } + secondHalf.map { .send(sign(.prepare(conflicting)), to: $0) }
            }
        case .selective:
            guard let favourite = peers.first else { return directives }
            return directives.map { directive in
                guard case let .broadcast(message) = directive, message.kind == .prepare || message.kind == .commit else { return directive }
                return .send(message, to: favourite)
            }
        case .flood, .delay:
            return directives // their traffic is made by the node (ReplicaNode+Misbehavior.swift)
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
