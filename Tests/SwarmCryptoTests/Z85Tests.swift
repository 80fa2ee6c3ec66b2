import SwarmCrypto
import Testing

@Suite("Z85 (ZeroMQ RFC 32)")
struct Z85Tests {
    @Test("the RFC 32 example: 86 4F D2 6F B5 59 F7 5B is HelloWorld")
    func rfcExample() throws {
        let bytes: [UInt8] = [0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B]
        #expect(try Z85.encode(bytes) == "HelloWorld")
        #expect(try Z85.decode("HelloWorld") == bytes)
    }

    @Test("extreme groups: all zero bytes and all one bits")
    func extremes() throws {
        #expect(try Z85.encode([0, 0, 0, 0]) == "00000")
        #expect(try Z85.decode("00000") == [0, 0, 0, 0])
        let top = try Z85.encode([0xff, 0xff, 0xff, 0xff])
        #expect(top == "%nSc0")
        #expect(try Z85.decode(top) == [0xff, 0xff, 0xff, 0xff])
        #expect(try Z85.encode([]) == "")
        #expect(try Z85.decode("") == [])
    }

    @Test("random byte strings of every length multiple of 4 up to 128 round-trip")
    func roundTrip() throws {
        for count in stride(from: 0, through: 128, by: 4) {
            let bytes = SodiumRandom.bytes(count)
            let text = try Z85.encode(bytes)
            #expect(text.utf8.count == count / 4 * 5)
            #expect(try Z85.decode(text) == bytes)
        }
    }

    @Test("lengths that are not multiples of 4 (encode) or 5 (decode) are rejected")
    func badLengths() {
        for count in [1, 2, 3, 5, 31, 33] {
            #expect {
                try Z85.encode(SodiumRandom.bytes(count))
            } throws: { error in
                (error as? CryptoError)?.code == .invalidLength
            }
        }
        for text in ["H", "Hell", "HelloW", "HelloWorl", "HelloWorld!"] {
            #expect {
                try Z85.decode(text)
            } throws: { error in
                (error as? CryptoError)?.code == .invalidLength
            }
        }
    }

    @Test(
        "characters outside the alphabet are rejected",
        arguments: [
            "Hell ", "Hell\"", "Hell'", "Hell~", "Hell,", "Hell;", "Hell\\", "Hell|", "Hell_", "Hell`", "Hell\u{7f}",
        ])
    func badCharacters(_ text: String) {
        #expect {
            try Z85.decode(text)
        } throws: { error in
            (error as? CryptoError)?.code == .invalidEncoding
        }
    }

    @Test("non-ASCII text is rejected")
    func nonASCII() {
        // "Hellé" is 5 characters but 6 UTF-8 bytes, so the length check fires first;
        // "Helé" is 5 bytes and reaches the alphabet check.
        #expect(throws: CryptoError.self) { try Z85.decode("Hellé") }
        #expect {
            try Z85.decode("Helé")
        } throws: { error in
            (error as? CryptoError)?.code == .invalidEncoding
        }
    }

    @Test("groups above 2^32 - 1 are rejected, not wrapped")
    func overflow() {
        // "#####" = 85^5 - 1 = 4437053124; "%nSc1" = 2^32 exactly.
        for text in ["#####", "%nSc1", "HelloWorld#####", "%nSd0"] {
            #expect {
                try Z85.decode(text)
            } throws: { error in
                (error as? CryptoError)?.code == .invalidEncoding
            }
        }
    }
}
