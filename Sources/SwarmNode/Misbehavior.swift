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

    func rewrite(_ directives: [Directive], replica: ReplicaID) -> [Directive] {
        switch self {
        case .silent:
            return []
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
