import SwarmCrypto
import Testing

/// ACCEPTANCE scenario 6 (signature binding), the parts that belong to the
/// primitive: a Byzantine replica must not get a second byte string accepted
/// for one signature, nor sign with a key that validates many messages.
@Suite("Ed25519: strict verification")
struct Ed25519StrictTests {
    /// ℓ = 2^252 + 27742317777372353535851937790883648493, the order of the
    /// base point, little-endian.
    static let groupOrder: [UInt8] = hex(
        """
        edd3f55c1a631258d69cf7a2def9de14 00000000000000000000000000000010
        """)

    /// Little-endian 256-bit addition; the caller knows the sum fits.
    static func add(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] {
        var sum = [UInt8](repeating: 0, count: 32)
        var carry = 0
        for index in 0 ..< 32 {
            let total = Int(a[index]) + Int(b[index]) + carry
            sum[index] = UInt8(total & 0xff)
            carry = total >> 8
        }
        #expect(carry == 0)
        return sum
    }

    @Test("the group order constant is 2^252 + 27742317777372353535851937790883648493")
    func groupOrderConstant() {
        // 27742317777372353535851937790883648493 = 0x14def9dea2f79cd65812631a5cf5d3ed.
        #expect(
            hexString(Self.groupOrder.reversed())
                == "1000000000000000000000000000000014def9dea2f79cd65812631a5cf5d3ed")
    }

    /// [S + ℓ]B = [S]B, so S + ℓ satisfies the verification equation; only the
    /// canonical-scalar check (S < ℓ, RFC 8032 §5.1.7) refuses it.
    @Test("a signature with S replaced by S + ℓ is rejected (non-canonical S)", arguments: rfc8032Vectors)
    func rejectsNonCanonicalS(_ vector: RFC8032Vector) throws {
        let publicKey = try Ed25519.PublicKey(bytes: hex(vector.publicKey))
        let original = hex(vector.signature)
        let message = hex(vector.message)
        #expect(Ed25519.verify(signatureBytes: original, of: message, by: publicKey))

        let malleated = Array(original[0 ..< 32]) + Self.add(Array(original[32 ..< 64]), Self.groupOrder)
        #expect(malleated.count == 64)
        #expect(malleated != original)
        #expect(malleated[63] & 0xe0 == 0, "S + ℓ < 2^254 still fits the encoding")
        #expect(!Ed25519.verify(try Ed25519.Signature(bytes: malleated), of: message, by: publicKey))
        #expect(!Ed25519.verify(signatureBytes: malleated, of: message, by: publicKey))
    }

    /// libsodium 1.0.18's blocklist (`ge25519_has_small_order`): the encodings of
    /// the eight points of order dividing 8, plus non-canonical spellings. It
    /// ignores the sign bit, so each entry is tried with bit 255 clear and set.
    static let smallOrderKeys: [String] = [
        "0000000000000000000000000000000000000000000000000000000000000000",  // 0, order 4
        "0100000000000000000000000000000000000000000000000000000000000000",  // 1, the identity
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",  // order 8
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",  // order 8
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // p - 1, order 2
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // p (= 0), order 4
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  // p + 1 (= 1), order 1
    ]

    static var smallOrderKeysWithSignBit: [[UInt8]] {
        smallOrderKeys.flatMap { text -> [[UInt8]] in
            let key = hex(text)
            var signed = key
            signed[31] |= 0x80
            return [key, signed]
        }
    }

    @Test("small-order public keys are accepted as values but every signature under them is rejected")
    func rejectsSmallOrderKeys() throws {
        let signer = Ed25519.PrivateKey.generate()
        let message = Array("PREPARE view 3 sequence 17".utf8)
        let signature = signer.sign(message)
        #expect(Self.smallOrderKeysWithSignBit.count == 14)
        for keyBytes in Self.smallOrderKeysWithSignBit {
            // Construction checks only the length (the brief: verify rejects).
            let key = try Ed25519.PublicKey(bytes: keyBytes)
            #expect(!Ed25519.verify(signature, of: message, by: key), "key \(hexString(keyBytes))")
            // R = identity, S = 0: a forgery the plain equation accepts for some
            // or all messages under a small-order key.
            let forged = try Ed25519.Signature(bytes: hex(Self.smallOrderKeys[1]) + [UInt8](repeating: 0, count: 32))
            for index in 0 ..< 64 {
                #expect(!Ed25519.verify(forged, of: message + [UInt8(index)], by: key))
            }
        }
    }

    /// With A = R = identity and S = 0, [S]B = R + [k]A holds for every message
    /// (every term is the identity), so a verifier without the small-order
    /// checks accepts this "signature" of anything. libsodium must not.
    @Test("the identity key's universal forgery is rejected")
    func rejectsIdentityForgery() throws {
        let identity = hex(Self.smallOrderKeys[1])
        let key = try Ed25519.PublicKey(bytes: identity)
        let forged = identity + [UInt8](repeating: 0, count: 32)
        for message in [[], Array("COMMIT".utf8), SodiumRandom.bytes(100)] {
            #expect(!Ed25519.verify(signatureBytes: forged, of: message, by: key))
        }
    }

    @Test("a small-order commitment R is rejected even under a good key")
    func rejectsSmallOrderR() throws {
        let signer = Ed25519.PrivateKey.generate()
        let message = Array("VIEW-CHANGE".utf8)
        let genuine = signer.sign(message).bytes
        for r in Self.smallOrderKeysWithSignBit {
            #expect(!Ed25519.verify(signatureBytes: r + genuine[32 ..< 64], of: message, by: signer.publicKey))
        }
    }

    @Test("truncated, extended and empty signatures are rejected without throwing")
    func rejectsWrongLengths() throws {
        let signer = Ed25519.PrivateKey.generate()
        let message = Array("PRE-PREPARE".utf8)
        let signature = signer.sign(message).bytes
        #expect(Ed25519.verify(signatureBytes: signature, of: message, by: signer.publicKey))
        #expect(!Ed25519.verify(signatureBytes: Array(signature.prefix(63)), of: message, by: signer.publicKey))
        #expect(!Ed25519.verify(signatureBytes: Array(signature.prefix(32)), of: message, by: signer.publicKey))
        #expect(!Ed25519.verify(signatureBytes: [], of: message, by: signer.publicKey))
        #expect(!Ed25519.verify(signatureBytes: signature + [0], of: message, by: signer.publicKey))
        #expect(throws: CryptoError.self) { try Ed25519.Signature(bytes: Array(signature.prefix(63))) }
        #expect(throws: CryptoError.self) { try Ed25519.Signature(bytes: signature + [0]) }
    }

    @Test("flipping any single bit of the signature is rejected", arguments: rfc8032Vectors)
    func rejectsEverySignatureBitFlip(_ vector: RFC8032Vector) throws {
        let publicKey = try Ed25519.PublicKey(bytes: hex(vector.publicKey))
        let signature = hex(vector.signature)
        let message = hex(vector.message)
        var accepted: [Int] = []
        for bit in 0 ..< (signature.count * 8)
        where Ed25519.verify(signatureBytes: flipping(bit: bit, of: signature), of: message, by: publicKey) {
            accepted.append(bit)
        }
        #expect(accepted.isEmpty, "bits accepted after flipping: \(accepted)")
    }

    @Test("flipping any single bit of the message is rejected")
    func rejectsEveryMessageBitFlip() throws {
        let signer = Ed25519.PrivateKey.generate()
        let message = SodiumRandom.bytes(64)
        let signature = signer.sign(message)
        #expect(Ed25519.verify(signature, of: message, by: signer.publicKey))
        var accepted: [Int] = []
        for bit in 0 ..< (message.count * 8)
        where Ed25519.verify(signature, of: flipping(bit: bit, of: message), by: signer.publicKey) {
            accepted.append(bit)
        }
        #expect(accepted.isEmpty, "bits accepted after flipping: \(accepted)")
        // And the RFC's 2-byte message, every bit.
        let vector = rfc8032Vectors[2]
        let key = try Ed25519.PublicKey(bytes: hex(vector.publicKey))
        let rfcSignature = try Ed25519.Signature(bytes: hex(vector.signature))
        for bit in 0 ..< 16 {
            #expect(!Ed25519.verify(rfcSignature, of: flipping(bit: bit, of: hex(vector.message)), by: key))
        }
    }

    @Test("a signature does not verify under a different key or for an extended message")
    func bindsKeyAndMessage() {
        let alice = Ed25519.PrivateKey.generate()
        let bob = Ed25519.PrivateKey.generate()
        let message = Array("COMMIT view 1 sequence 9".utf8)
        let signature = alice.sign(message)
        #expect(Ed25519.verify(signature, of: message, by: alice.publicKey))
        #expect(!Ed25519.verify(signature, of: message, by: bob.publicKey))
        #expect(!Ed25519.verify(signature, of: message + [0], by: alice.publicKey))
        #expect(!Ed25519.verify(signature, of: Array(message.dropLast()), by: alice.publicKey))
    }
}

@Suite("Ed25519: keys")
struct Ed25519KeyTests {
    @Test("lengths are checked when keys and signatures are built")
    func lengthChecks() {
        for count in [0, 31, 33, 64] {
            #expect(
                throws: CryptoError(
                    code: .invalidLength,
                    message: "an Ed25519 public key has 32 bytes, not \(count)")
            ) {
                try Ed25519.PublicKey(bytes: [UInt8](repeating: 1, count: count))
            }
            #expect {
                try Ed25519.PrivateKey(seed: [UInt8](repeating: 1, count: count))
            } throws: { error in
                (error as? CryptoError)?.code == .invalidLength
            }
        }
    }

    @Test("generated keys sign and verify, and the seed rebuilds the same key")
    func generatedKeysRoundTrip() throws {
        let key = Ed25519.PrivateKey.generate()
        let other = Ed25519.PrivateKey.generate()
        #expect(key.publicKey != other.publicKey)
        let seed = key.seed
        #expect(seed.count == Ed25519.seedByteCount)
        let rebuilt = try Ed25519.PrivateKey(seed: seed.copyBytes())
        #expect(rebuilt.publicKey == key.publicKey)
        let message = SodiumRandom.bytes(200)
        #expect(rebuilt.sign(message) == key.sign(message), "Ed25519 signing is deterministic")
        #expect(Ed25519.verify(key.sign(message), of: message, by: rebuilt.publicKey))
    }

    @Test("a public key describes itself by a short hex prefix")
    func publicKeyDescription() throws {
        let key = try Ed25519.PublicKey(bytes: hex(rfc8032Vectors[0].publicKey))
        #expect(key.description == "d75a980182b10ab7")
        #expect("\(key)" == "d75a980182b10ab7")
    }

    @Test("signing in place and from an array agree, including for an empty message")
    func inPlaceSigning() {
        let key = Ed25519.PrivateKey.generate()
        for message in [[], [0x42], SodiumRandom.bytes(4096)] as [[UInt8]] {
            let fromArray = key.sign(message)
            let inPlace = message.withUnsafeBytes { key.sign($0) }
            #expect(fromArray == inPlace)
            #expect(message.withUnsafeBytes { Ed25519.verify(fromArray, of: $0, by: key.publicKey) })
        }
    }
}
