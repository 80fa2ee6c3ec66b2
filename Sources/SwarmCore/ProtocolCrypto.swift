import SwarmWire

/// The cryptography the instance needs, injected so that the core stays free of C
/// libraries: digests, this replica's signature, and verification of anyone's signature
/// (replicas by id, clients by the key that names them).
///
/// Implementations MUST be deterministic (Ed25519 signatures are) so that the instance
/// remains a pure function of its inputs and a simulator seed replays exactly.
public protocol ProtocolCrypto: Sendable {
    /// A collision-resistant digest (BLAKE2b-256 in production).
    func digest(_ bytes: UnsafeRawBufferPointer) -> Digest
    /// This replica's signature over `bytes`.
    func sign(_ bytes: UnsafeRawBufferPointer) -> [UInt8]
    /// Whether `message`'s signature was made by the key of the replica or client it names.
    func verify(_ message: SignedMessage) -> Bool
}

extension ProtocolCrypto {
    public func digest(_ bytes: [UInt8]) -> Digest {
        bytes.withUnsafeBytes { digest($0) }
    }
}
