import SwarmCore
import SwarmCrypto
import SwarmWire

/// The production `ProtocolCrypto`: BLAKE2b-256 digests and Ed25519 signatures from
/// libsodium, with strict verification (non-canonical S and small-order keys rejected).
///
/// Replicas are verified against the configured public key of the id they claim; clients
/// against the key that names them, so a request proves its origin by construction.
public struct Ed25519ProtocolCrypto: ProtocolCrypto {
    let signingKey: Ed25519.PrivateKey?
    let replicaKeys: [Ed25519.PublicKey]

    /// `signingKey` is nil for a verifier that never signs (a monitor, a client).
    public init(signingKey: Ed25519.PrivateKey?, replicaKeys: [Ed25519.PublicKey]) {
        self.signingKey = signingKey
        self.replicaKeys = replicaKeys
    }

    public func digest(_ bytes: UnsafeRawBufferPointer) -> Digest {
        Digest(bytes: Blake2b.hash256(bytes))
    }

    public func sign(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        guard let signingKey else { preconditionFailure("this ProtocolCrypto has no signing key") }
        return signingKey.sign(bytes).bytes
    }

    public func verify(_ message: SignedMessage) -> Bool {
        guard let key = publicKey(for: message.payload),
            let signature = try? Ed25519.Signature(bytes: Array(message.signature))
        else { return false }
        return message.withSignedBytes { Ed25519.verify(signature, of: $0, by: key) }
    }

    func publicKey(for payload: Payload) -> Ed25519.PublicKey? {
        if case let .request(request) = payload {
            return try? Ed25519.PublicKey(bytes: request.client.bytes)
        }
        guard let sender = payload.replicaSender, Int(sender) < replicaKeys.count else { return nil }
        return replicaKeys[Int(sender)]
    }
}
