/// What a replica publishes about itself: its name, the CURVE key that
/// authenticates its ZeroMQ links and the Ed25519 key that signs its protocol
/// messages. Both keys travel in one file so one exchange binds them together.
public struct PublicCertificate: Sendable, Equatable {
    public var name: String
    /// The 32-byte X25519 public key (Z85-encoded in files and socket options).
    public var curvePublicKey: [UInt8]
    public var ed25519PublicKey: Ed25519.PublicKey
    /// Further `metadata` entries of the file, other than `name` and the
    /// `ed25519-*` fields, which have their own properties.
    public var metadata: [String: String]

    public init(
        name: String, curvePublicKey: [UInt8], ed25519PublicKey: Ed25519.PublicKey,
        metadata: [String: String] = [:]
    ) {
        self.name = name
        self.curvePublicKey = curvePublicKey
        self.ed25519PublicKey = ed25519PublicKey
        self.metadata = metadata
    }
}

/// A replica's own identity: both secret keys and the name. Keys are shared
/// references to wiped-on-release buffers, never copied as plain arrays.
public struct SecretCertificate: Sendable {
    public var name: String
    public let curve: Curve.KeyPair
    public let signing: Ed25519.PrivateKey
    /// Further `metadata` entries written to, and read back from, both files.
    public var metadata: [String: String]

    public init(
        name: String, curve: Curve.KeyPair, signing: Ed25519.PrivateKey,
        metadata: [String: String] = [:]
    ) {
        self.name = name
        self.curve = curve
        self.signing = signing
        self.metadata = metadata
    }

    /// The part of this certificate that may be given to other replicas.
    public var publicCertificate: PublicCertificate {
        PublicCertificate(
            name: name, curvePublicKey: curve.publicKey,
            ed25519PublicKey: signing.publicKey, metadata: metadata)
    }

    /// A new identity with fresh random keys.
    public static func generate(name: String) -> SecretCertificate {
        SecretCertificate(name: name, curve: .generate(), signing: .generate())
    }
}
