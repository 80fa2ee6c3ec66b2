import CSodium

/// Ed25519 signatures (RFC 8032), through libsodium.
///
/// Every PBFT message is signed by its sender, so verification is the hot path
/// (about 56 µs per call here, see NOTES-swift-c-interop.md) and must refuse
/// everything a Byzantine replica could use to make one signature count twice
/// or to claim a key it does not own. libsodium 1.0.18's
/// `crypto_sign_verify_detached` is strict: it rejects a non-canonical scalar
/// `S` (S ≥ ℓ, which would let a signature be re-encoded as a different byte
/// string over the same message), and public keys `A` and commitments `R` that
/// are of small order or non-canonically encoded (a small-order key admits
/// signatures that verify for many messages). Equality of signatures in the
/// protocol therefore means equality of bytes.
public enum Ed25519 {
    public static let publicKeyByteCount = 32
    public static let signatureByteCount = 64
    public static let seedByteCount = 32
    /// libsodium's expanded secret key: seed followed by public key.
    static let secretKeyByteCount = 64

    /// A 32-byte Ed25519 public key.
    ///
    /// Only the length is checked here: whether the point is usable (canonical,
    /// not of small order) is decided by `verify`, which refuses every signature
    /// under a bad key. Keeping construction cheap lets configuration files and
    /// messages carry keys without a curve operation per parse.
    public struct PublicKey: Hashable, Sendable, CustomStringConvertible {
        public let bytes: [UInt8]

        /// - Throws: `CryptoError` `.invalidLength` unless `bytes` has exactly 32 bytes.
        public init(bytes: [UInt8]) throws {
            guard bytes.count == Ed25519.publicKeyByteCount else {
                throw CryptoError(
                    code: .invalidLength,
                    message: "an Ed25519 public key has \(Ed25519.publicKeyByteCount) bytes, not \(bytes.count)")
            }
            self.bytes = bytes
        }

        /// The first 8 bytes in hex: enough to tell replicas apart in logs.
        public var description: String {
            hexString(Array(bytes.prefix(8)))
        }
    }

    /// A 64-byte Ed25519 signature: the commitment `R` then the scalar `S`.
    public struct Signature: Hashable, Sendable {
        public let bytes: [UInt8]

        /// - Throws: `CryptoError` `.invalidLength` unless `bytes` has exactly 64 bytes.
        public init(bytes: [UInt8]) throws {
            guard bytes.count == Ed25519.signatureByteCount else {
                throw CryptoError(
                    code: .invalidLength,
                    message: "an Ed25519 signature has \(Ed25519.signatureByteCount) bytes, not \(bytes.count)")
            }
            self.bytes = bytes
        }

        /// For signatures libsodium just produced, whose length is known.
        init(unchecked bytes: [UInt8]) {
            self.bytes = bytes
        }
    }

    /// A signing key. The 64-byte expanded secret lives in `SecureBytes`, so it
    /// is wiped when the key is released.
    ///
    /// A class rather than a struct so the secret is never copied: every copy of
    /// the reference shares one buffer.
    public final class PrivateKey: Sendable {
        private let secretKey: SecureBytes
        public let publicKey: PublicKey

        /// Derives the key pair from a 32-byte seed (RFC 8032's "private key"),
        /// with `crypto_sign_seed_keypair`. The same seed always gives the same keys.
        ///
        /// - Throws: `CryptoError` `.invalidLength` unless `seed` has exactly 32 bytes.
        public init(seed: [UInt8]) throws {
            guard seed.count == Ed25519.seedByteCount else {
                throw CryptoError(
                    code: .invalidLength,
                    message: "an Ed25519 seed has \(Ed25519.seedByteCount) bytes, not \(seed.count)")
            }
            Sodium.initialize()
            let secretKey = SecureBytes(count: Ed25519.secretKeyByteCount)
            var publicBytes = [UInt8](repeating: 0, count: Ed25519.publicKeyByteCount)
            let status = secretKey.withUnsafeMutableBytes { secret in
                seed.withUnsafeBytes { seedBytes in
                    publicBytes.withUnsafeMutableBytes { publicBuffer in
                        crypto_sign_seed_keypair(publicBuffer.keyBytes, secret.keyBytes, seedBytes.keyBytes)
                    }
                }
            }
            precondition(status == 0, "crypto_sign_seed_keypair failed")
            self.secretKey = secretKey
            self.publicKey = PublicKey(unchecked: publicBytes)
        }

        private init(secretKey: SecureBytes, publicKey: PublicKey) {
            self.secretKey = secretKey
            self.publicKey = publicKey
        }

        /// A fresh key pair from the operating system's random source.
        public static func generate() -> PrivateKey {
            Sodium.initialize()
            let secretKey = SecureBytes(count: Ed25519.secretKeyByteCount)
            var publicBytes = [UInt8](repeating: 0, count: Ed25519.publicKeyByteCount)
            let status = secretKey.withUnsafeMutableBytes { secret in
                publicBytes.withUnsafeMutableBytes { publicBuffer in
                    crypto_sign_keypair(publicBuffer.keyBytes, secret.keyBytes)
                }
            }
            precondition(status == 0, "crypto_sign_keypair failed")
            return PrivateKey(secretKey: secretKey, publicKey: PublicKey(unchecked: publicBytes))
        }

        /// The 32-byte seed this key derives from, for writing it to a secret
        /// certificate. Each call returns a new `SecureBytes` holding a copy.
        public var seed: SecureBytes {
            let seed = SecureBytes(count: Ed25519.seedByteCount)
            let status = seed.withUnsafeMutableBytes { seedBuffer in
                secretKey.withUnsafeBytes { secret in
                    crypto_sign_ed25519_sk_to_seed(seedBuffer.keyBytes, secret.keyBytes)
                }
            }
            precondition(status == 0, "crypto_sign_ed25519_sk_to_seed failed")
            return seed
        }

        /// Signs `message` (deterministic: the same key and message always give
        /// the same signature, so no randomness is needed at signing time).
        public func sign(_ message: [UInt8]) -> Signature {
            message.withUnsafeBytes { sign($0) }
        }

        /// Signs the bytes in `message` without copying them, for callers that
        /// encode a message into their own buffer.
        public func sign(_ message: UnsafeRawBufferPointer) -> Signature {
            let signature = [UInt8](unsafeUninitializedCapacity: Ed25519.signatureByteCount) { buffer, initialized in
                let status = secretKey.withUnsafeBytes { secret in
                    crypto_sign_detached(
                        buffer.baseAddress!, nil,
                        message.cBytes, UInt64(message.count),
                        secret.keyBytes)
                }
                precondition(status == 0, "crypto_sign_detached failed")
                initialized = Ed25519.signatureByteCount
            }
            return Signature(unchecked: signature)
        }
    }

    /// Whether `signature` is `key`'s signature of `message`, under libsodium's
    /// strict rules (see the type's documentation): false for a forged or
    /// altered signature, a non-canonical `S`, and any small-order or
    /// non-canonical key or commitment.
    public static func verify(_ signature: Signature, of message: [UInt8], by key: PublicKey) -> Bool {
        message.withUnsafeBytes { verify(signature, of: $0, by: key) }
    }

    /// As `verify(_:of:by:)`, reading the message in place.
    public static func verify(_ signature: Signature, of message: UnsafeRawBufferPointer, by key: PublicKey) -> Bool {
        verifyDetached(signature.bytes, message, key)
    }

    /// As `verify(_:of:by:)` for signature bytes straight off the wire: a
    /// signature of the wrong length (for example truncated) is simply invalid,
    /// so this returns `false` instead of throwing.
    public static func verify(signatureBytes: [UInt8], of message: [UInt8], by key: PublicKey) -> Bool {
        guard signatureBytes.count == signatureByteCount else { return false }
        return message.withUnsafeBytes { verifyDetached(signatureBytes, $0, key) }
    }

    private static func verifyDetached(_ signature: [UInt8], _ message: UnsafeRawBufferPointer, _ key: PublicKey) -> Bool {
        precondition(signature.count == signatureByteCount && key.bytes.count == publicKeyByteCount)
        Sodium.initialize()
        return signature.withUnsafeBytes { signatureBuffer in
            key.bytes.withUnsafeBytes { keyBuffer in
                crypto_sign_verify_detached(
                    signatureBuffer.keyBytes,
                    message.cBytes, UInt64(message.count),
                    keyBuffer.keyBytes) == 0
            }
        }
    }
}

extension Ed25519.PublicKey {
    /// For keys libsodium just derived, whose length is known.
    init(unchecked bytes: [UInt8]) {
        self.bytes = bytes
    }
}
