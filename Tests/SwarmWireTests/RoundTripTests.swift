import Testing
import SwarmWire

@Suite("Wire round trip (ACCEPTANCE 9)")
struct RoundTripTests {
    @Test("decode(encode(m)) == m for 10,000 generated messages of each kind")
    func hundredThousandRoundTrips() throws {
        var generator = MessageGenerator(seed: 20261124)
        var perKind: [MessageKind: Int] = [:]
        for index in 0 ..< 10_000 * MessageKind.allCases.count {
            let kind = MessageKind.allCases[index % MessageKind.allCases.count]
            let message = generator.message(kind: kind)
            let decoded = try WireCodec.decode(message.frame)
            #expect(decoded.payload == message.payload)
            #expect(decoded.cluster == message.cluster)
            #expect(decoded.frame == message.frame)
            perKind[kind, default: 0] += 1
        }
        #expect(perKind.count == MessageKind.allCases.count)
        #expect(perKind.values.allSatisfy { $0 == 10_000 })
    }

    @Test("The encoding is canonical: re-encoding a decoded frame gives the same bytes")
    func canonical() throws {
        var generator = MessageGenerator(seed: 99)
        for kind in MessageKind.allCases {
            let message = generator.message(kind: kind)
            let decoded = try WireCodec.decode(message.frame)
            let reencoded = WireCodec.encodeUnsigned(decoded.payload, cluster: decoded.cluster) + Array(decoded.signature)
            #expect(reencoded == message.frame)
        }
    }

    @Test("Signed bytes are the whole frame but the signature, starting with the domain tag")
    func signedBytes() {
        var generator = MessageGenerator(seed: 5)
        let message = generator.vote(.prepare)
        #expect(Array(message.signedBytes.prefix(4)) == Array("SBFT".utf8))
        #expect(message.signedBytes.count + 64 == message.frame.count)
        #expect(message.frame[4] == WireCodec.version)
        #expect(message.frame[5] == MessageKind.prepare.rawValue)
    }
}
