import CSodium

/// CurveZMQ (X25519) key pairs, for the encrypted and authenticated ZeroMQ
/// transport between replicas.
///
/// These keys are distinct from the Ed25519 signing keys: CURVE authenticates
/// the link, Ed25519 signatures authenticate each protocol message end to end,
/// and a compromise of one does not hand over the other.
public enum Curve {
    public static let publicKeyByteCount = 32
    public static let secretKeyByteCount = 32

    /// An X25519 key pair as libzmq's `zmq_curve_keypair` makes it (raw 32-byte
    /// keys; Z85-encode them for `ZMQ_CURVE_*KEY` socket options and files).
    public struct KeyPair: Sendable {
        public let publicKey: [UInt8]
        public let secretKey: SecureBytes

        /// A fresh key pair from the operating system's random source.
        public static func generate() -> KeyPair {
            Sodium.initialize()
            let secret = SecureBytes(count: Curve.secretKeyByteCount)
            var publicKey = [UInt8](repeating: 0, count: Curve.publicKeyByteCount)
            let status = secret.withUnsafeMutableBytes { secretBuffer in
                publicKey.withUnsafeMutableBytes { publicBuffer in
                    crypto_box_keypair(publicBuffer.keyBytes, secretBuffer.keyBytes)
                }
            }
            precondition(status == 0, "crypto_box_keypair failed")
            return KeyPair(publicKey: publicKey, secretKey: secret)
        }

        /// Rebuilds a key pair from its 32-byte secret key, deriving the public
        /// key with `crypto_scalarmult_base`, so a stored public key can be
        /// checked against its secret.
        ///
        /// - Throws: `CryptoError` `.invalidLength` unless `secretKey` has 32
        ///   bytes; `.invalidKey` if libsodium refuses the scalar.
        public init(secretKey: [UInt8]) throws {
            guard secretKey.count == Curve.secretKeyByteCount else {
                throw CryptoError(
                    code: .invalidLength,
                    message: "a CURVE secret key has \(Curve.secretKeyByteCount) bytes, not \(secretKey.count)")
            }
            Sodium.initialize()
            let secret = SecureBytes(copying: secretKey)
            var publicKey = [UInt8](repeating: 0, count: Curve.publicKeyByteCount)
            let status = secret.withUnsafeBytes { secretBuffer in
                publicKey.withUnsafeMutableBytes { publicBuffer in
                    crypto_scalarmult_base(publicBuffer.keyBytes, secretBuffer.keyBytes)
                }
            }
            guard status == 0 else {
                throw CryptoError(code: .invalidKey, message: "crypto_scalarmult_base refused the CURVE secret key")
            }
            self.init(publicKey: publicKey, secretKey: secret)
        }

        private init(publicKey: [UInt8], secretKey: SecureBytes) {
            self.publicKey = publicKey
            self.secretKey = secretKey
        }
    }
}
