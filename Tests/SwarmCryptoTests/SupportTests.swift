import SwarmCrypto
import Testing

@Suite("SecureBytes")
struct SecureBytesTests {
    @Test("copying in and out round-trips")
    func roundTrip() {
        let secret = SodiumRandom.bytes(48)
        let buffer = SecureBytes(copying: secret)
        #expect(buffer.count == 48)
        #expect(buffer.copyBytes() == secret)
        #expect(buffer.withUnsafeBytes { Array($0) } == secret)
    }

    @Test("a new buffer is zero-filled, and an empty one works")
    func zeroFilled() {
        #expect(SecureBytes(count: 16).copyBytes() == [UInt8](repeating: 0, count: 16))
        let empty = SecureBytes(copying: [])
        #expect(empty.count == 0)
        #expect(empty.copyBytes() == [])
        empty.zeroize()
    }

    @Test("zeroize overwrites every byte")
    func zeroize() {
        let buffer = SecureBytes(copying: [UInt8](repeating: 0xA5, count: 64))
        #expect(buffer.copyBytes().allSatisfy { $0 == 0xA5 })
        buffer.zeroize()
        #expect(buffer.count == 64)
        #expect(buffer.copyBytes() == [UInt8](repeating: 0, count: 64))
    }

    @Test("the description never shows the secret")
    func redacted() {
        let buffer = SecureBytes(copying: [0xde, 0xad, 0xbe, 0xef])
        #expect(buffer.description == "SecureBytes(4 bytes, redacted)")
        #expect(!"\(buffer)".contains("dead"))
    }
}

@Suite("SodiumRandom")
struct RandomTests {
    @Test("two 32-byte draws differ")
    func drawsDiffer() {
        let first = SodiumRandom.bytes(32)
        let second = SodiumRandom.bytes(32)
        #expect(first.count == 32 && second.count == 32)
        #expect(first != second)
        #expect(SodiumRandom.bytes(0) == [])
    }

    @Test("uniform(10) stays below 10 and reaches every value")
    func uniform() {
        var seen = Set<UInt32>()
        for _ in 0 ..< 2000 {
            let value = SodiumRandom.uniform(10)
            #expect(value < 10)
            seen.insert(value)
        }
        #expect(seen.count == 10)
        #expect(SodiumRandom.uniform(1) == 0)
    }
}

@Suite("Hex and constant-time comparison")
struct HexTests {
    @Test("hex round-trips and accepts upper case")
    func roundTrip() throws {
        #expect(hexString([]) == "")
        #expect(hexString([0x00, 0x0f, 0xa0, 0xff]) == "000fa0ff")
        #expect(try bytes(fromHex: "000fa0ff") == [0x00, 0x0f, 0xa0, 0xff])
        #expect(try bytes(fromHex: "000FA0FF") == [0x00, 0x0f, 0xa0, 0xff])
        let random = SodiumRandom.bytes(100)
        #expect(try bytes(fromHex: hexString(random)) == random)
    }

    @Test("odd lengths and non-hex characters are rejected")
    func rejects() {
        #expect {
            try bytes(fromHex: "abc")
        } throws: { error in
            (error as? CryptoError)?.code == .invalidLength
        }
        for text in ["zz", "0x00", "a ", "é0"] {
            #expect {
                try bytes(fromHex: text)
            } throws: { error in
                (error as? CryptoError)?.code == .invalidEncoding || (error as? CryptoError)?.code == .invalidLength
            }
        }
        #expect {
            try bytes(fromHex: "0g")
        } throws: { error in
            (error as? CryptoError)?.code == .invalidEncoding
        }
    }

    @Test("constantTimeEquals compares contents and lengths")
    func constantTime() {
        let bytes = SodiumRandom.bytes(32)
        #expect(constantTimeEquals(bytes, bytes))
        #expect(constantTimeEquals([], []))
        #expect(!constantTimeEquals(bytes, flipping(bit: 255, of: bytes)))
        #expect(!constantTimeEquals(bytes, Array(bytes.prefix(31))))
        #expect(!constantTimeEquals([], [0]))
    }

    @Test("CryptoError describes its code and message")
    func errorDescription() {
        let error = CryptoError(code: .malformedFile, message: "x.key, line 3: bad")
        #expect(error.description == "CryptoError.malformedFile: x.key, line 3: bad")
    }

    @Test("Sodium.initialize is safe to call from many tasks at once")
    func concurrentInitialize() async {
        await withTaskGroup(of: Int.self) { group in
            for _ in 0 ..< 16 {
                group.addTask {
                    Sodium.initialize()
                    return SodiumRandom.bytes(8).count
                }
            }
            for await count in group {
                #expect(count == 8)
            }
        }
    }
}
