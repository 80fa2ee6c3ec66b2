import SwarmWire

/// The deterministic state machine the replicas agree on (section 3 of the TOCS paper:
/// "the service must be deterministic"). Every replica starts from the same state and
/// executes the same operations in the same order, so every correct replica ends in the
/// same state; checkpoints compare digests of `snapshot()` to prove it.
public protocol ReplicatedService: Sendable {
    /// Applies one operation and returns its result. MUST be deterministic and MUST NOT
    /// trap on any input: a malformed operation gets an error result.
    mutating func execute(_ operation: [UInt8], client: ClientKey) -> [UInt8]
    /// Whether `operation` only reads, so it may be answered without ordering.
    func isReadOnly(_ operation: [UInt8]) -> Bool
    /// Answers a read-only operation against the current state without changing it.
    func query(_ operation: [UInt8]) -> [UInt8]
    /// A canonical encoding of the whole state: equal states give equal bytes.
    func snapshot() -> [UInt8]
    /// Replaces the state with a snapshot taken by `snapshot()`.
    mutating func restore(_ snapshot: [UInt8]) throws(ServiceError)
}

public struct ServiceError: Error, Equatable, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
