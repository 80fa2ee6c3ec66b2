import SwarmCrypto
import Testing

@Suite("BLAKE2b-256")
struct Blake2bTests {
    @Test("known answers for the empty string and \"abc\"")
    func knownAnswers() {
        #expect(
            hexString(Blake2b.hash256([]))
                == "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8")
        #expect(
            hexString(Blake2b.hash256(Array("abc".utf8)))
                == "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319")
    }

    /// The official BLAKE2 KAT files (blake2b-kat.txt) only cover 64-byte
    /// output, and BLAKE2b-256 is not a truncation of BLAKE2b-512. These
    /// 32-byte keyed answers come from CPython's `hashlib.blake2b(message,
    /// key=bytes(range(64)), digest_size=32)`, an independent implementation
    /// (the reference code) that reproduces the official 64-byte KAT
    /// (empty message → 10ebb67700b1868e...).
    @Test("keyed known answers (key 00 01 ... 3f)")
    func keyedKnownAnswers() {
        let key = [UInt8](0 ..< 64)
        #expect(
            hexString(Blake2b.mac256(key: key, message: []))
                == "2fa9fbd9be36437de204e139e97d402bce68c828f43391608c891b5faed8a98a")
        #expect(
            hexString(Blake2b.mac256(key: key, message: [0]))
                == "34758b647135628297fb09c7930cd04e9528e5669112f5b1318493e14de77e55")
        #expect(
            hexString(Blake2b.mac256(key: key, message: [UInt8](0 ..< 255)))
                == "fe7b76a61787c089141f9e10fca1e5092488d89c62ea793fb2c5b1f849b4f2cb")
        #expect(
            hexString(Blake2b.mac256(key: [UInt8](0 ..< 16), message: Array("abc".utf8)))
                == "3fd8fd31501cdbe942607b204368e3dc4ebce5744de1a955a6025f5c9848bb20")
    }

    @Test("hashing in place equals hashing an array")
    func inPlaceHashing() {
        for count in [0, 1, 127, 128, 129, 4096] {
            let bytes = SodiumRandom.bytes(count)
            #expect(bytes.withUnsafeBytes { Blake2b.hash256($0) } == Blake2b.hash256(bytes))
        }
    }

    @Test("streaming over parts equals hashing the concatenation")
    func streamingEqualsOneShot() {
        #expect(Blake2b.hash256(parts: []) == Blake2b.hash256([]))
        #expect(Blake2b.hash256(parts: [[], []]) == Blake2b.hash256([]))
        #expect(Blake2b.hash256(parts: [Array("a".utf8), [], Array("bc".utf8)]) == Blake2b.hash256(Array("abc".utf8)))
        for _ in 0 ..< 50 {
            let partCount = Int(SodiumRandom.uniform(8))
            let parts = (0 ..< partCount).map { _ in SodiumRandom.bytes(Int(SodiumRandom.uniform(300))) }
            #expect(Blake2b.hash256(parts: parts) == Blake2b.hash256(parts.flatMap { $0 }))
        }
    }

    @Test("different inputs give different digests")
    func distinctDigests() {
        #expect(Blake2b.hash256([0]) != Blake2b.hash256([]))
        #expect(Blake2b.hash256([0]) != Blake2b.hash256([1]))
        #expect(Blake2b.hash256([0]).count == 32)
    }

    @Test("the MAC depends on the key and differs from the plain hash")
    func macDependsOnKey() {
        let message = Array("checkpoint 128 digest".utf8)
        let key1 = SodiumRandom.bytes(32)
        let key2 = flipping(bit: 0, of: key1)
        #expect(Blake2b.mac256(key: key1, message: message) != Blake2b.mac256(key: key2, message: message))
        #expect(Blake2b.mac256(key: key1, message: message) != Blake2b.hash256(message))
        #expect(Blake2b.mac256(key: key1, message: message) == Blake2b.mac256(key: key1, message: message))
    }

    @Test("verifyMAC accepts the MAC and rejects any flipped bit, other key, other message or length")
    func verifyMAC() {
        let key = SodiumRandom.bytes(32)
        let message = SodiumRandom.bytes(100)
        let mac = Blake2b.mac256(key: key, message: message)
        #expect(Blake2b.verifyMAC(mac, key: key, message: message))
        for bit in 0 ..< (mac.count * 8) {
            #expect(!Blake2b.verifyMAC(flipping(bit: bit, of: mac), key: key, message: message))
        }
        for bit in 0 ..< (message.count * 8) {
            #expect(!Blake2b.verifyMAC(mac, key: key, message: flipping(bit: bit, of: message)))
        }
        #expect(!Blake2b.verifyMAC(mac, key: flipping(bit: 7, of: key), message: message))
        #expect(!Blake2b.verifyMAC(Array(mac.prefix(31)), key: key, message: message))
        #expect(!Blake2b.verifyMAC(mac + [0], key: key, message: message))
        #expect(!Blake2b.verifyMAC([], key: key, message: message))
    }
}
