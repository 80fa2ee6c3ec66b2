import SwarmCrypto
import Testing

@Suite("CURVE key pairs")
struct CurveTests {
    /// The test key pairs printed in libzmq's zmq_curve(7) manual page.
    static let manualPairs: [(name: String, publicKey: String, secretKey: String)] = [
        ("client", "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID", "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs"),
        ("server", "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7", "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6"),
    ]

    @Test("the zmq_curve manual's secret keys derive their public keys")
    func manualKeyPairs() throws {
        for pair in Self.manualPairs {
            let secret = try Z85.decode(pair.secretKey)
            let expectedPublic = try Z85.decode(pair.publicKey)
            #expect(secret.count == 32 && expectedPublic.count == 32, "\(pair.name)")
            let keyPair = try Curve.KeyPair(secretKey: secret)
            #expect(keyPair.publicKey == expectedPublic, "\(pair.name)")
            #expect(try Z85.encode(keyPair.publicKey) == pair.publicKey, "\(pair.name)")
            #expect(keyPair.secretKey.copyBytes() == secret, "\(pair.name)")
        }
    }

    @Test("generated pairs are consistent and distinct")
    func generatedPairs() throws {
        let first = Curve.KeyPair.generate()
        let second = Curve.KeyPair.generate()
        #expect(first.publicKey.count == 32)
        #expect(first.secretKey.count == 32)
        #expect(first.publicKey != second.publicKey)
        let rebuilt = try Curve.KeyPair(secretKey: first.secretKey.copyBytes())
        #expect(rebuilt.publicKey == first.publicKey)
    }

    @Test("secret keys of the wrong length are rejected")
    func wrongLength() {
        for count in [0, 31, 33] {
            #expect {
                try Curve.KeyPair(secretKey: [UInt8](repeating: 7, count: count))
            } throws: { error in
                (error as? CryptoError)?.code == .invalidLength
            }
        }
    }
}
