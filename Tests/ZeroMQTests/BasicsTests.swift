import Foundation
import SwarmCrypto
import Testing
@testable import ZeroMQ

@Suite("Library facts, errors, Z85 and CURVE keys")
struct BasicsTests {
    @Test("the linked libzmq is 4.x and matches the header's major version, with CURVE")
    func versionAndCapabilities() {
        let linked = ZMQ.version
        #expect(linked.major == 4)
        #expect(linked.major == ZMQ.headerVersion.major)
        #expect(ZMQ.has("curve"))
        #expect(!ZMQ.has("no-such-capability"))
    }

    @Test("connecting to an unknown transport throws with zmq_strerror text and the operation")
    func errorCarriesStrerror() throws {
        let context = try ZMQContext()
        defer { context.terminate() }
        let socket = try makeTestSocket(context, .dealer)
        defer { socket.close() }
        do {
            try socket.connect("bogus://x")
            Issue.record("connect to bogus://x succeeded")
        } catch let error as ZMQError {
            #expect(error.message.lowercased().contains("protocol not supported"))
            #expect(error.operation.contains("bogus://x"))
            #expect(error.description.contains(error.message))
            #expect(!error.isAgain && !error.isTerminated && !error.isInterrupted && !error.isHostUnreachable)
        }
    }

    @Test("a non-blocking receive on an empty socket is nil, a timed-out blocking one throws EAGAIN")
    func againIsNilOrThrows() throws {
        let context = try ZMQContext()
        defer { context.terminate() }
        let pull = try makeTestSocket(context, .pull)
        defer { pull.close() }
        try pull.setReceiveTimeout(milliseconds: 50)
        try pull.bind(uniqueInproc("again"))
        #expect(try pull.receiveMultipart(dontWait: true) == nil)
        #expect(try pull.receive(dontWait: true) == nil)
        #expect { try pull.receive() } throws: { ($0 as? ZMQError)?.isAgain == true }
    }

    @Test("a context refuses new sockets once terminated")
    func terminatedContext() throws {
        let context = try ZMQContext(ioThreads: 1)
        try context.setMaxSockets(16)
        context.terminate()
        context.terminate()
        #expect { try context.makeSocket(.pair) } throws: { ($0 as? ZMQError)?.isTerminated == true }
    }

    @Test("shutdown makes a blocked receive return ETERM")
    func shutdownInterruptsReceive() throws {
        let context = try ZMQContext()
        let pull = try makeTestSocket(context, .pull)
        try pull.bind(uniqueInproc("shutdown"))
        context.shutdown()
        #expect { try pull.receive() } throws: { ($0 as? ZMQError)?.isTerminated == true }
        pull.close()
        context.terminate()
    }

    @Test("Z85 round-trips and rejects bad lengths and characters")
    func z85() throws {
        // The test vector from ZeroMQ RFC 32.
        let vector: [UInt8] = [0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B]
        #expect(try ZMQ.z85Encode(vector) == "HelloWorld")
        #expect(try ZMQ.z85Decode("HelloWorld") == vector)
        #expect(try ZMQ.z85Encode([]) == "")
        #expect { try ZMQ.z85Encode([1, 2, 3]) } throws: { ($0 as? ZMQError)?.errno == EINVAL }
        #expect { try ZMQ.z85Decode("Hell") } throws: { ($0 as? ZMQError)?.errno == EINVAL }
        #expect { try ZMQ.z85Decode("Hell\"") } throws: { $0 is ZMQError }
        #expect { try ZMQ.z85Decode("Hellé") } throws: { $0 is ZMQError }
    }

    @Test("libzmq's Z85 and the project's SwarmCrypto.Z85 agree on random keys, and refuse the same inputs")
    func z85Differential() throws {
        for count in [0, 4, 8, 32, 64, 132] {
            for _ in 0 ..< 20 {
                let bytes = SodiumRandom.bytes(count)
                let text = try Z85.encode(bytes)
                #expect(try ZMQ.z85Encode(bytes) == text)
                #expect(try ZMQ.z85Decode(text) == bytes)
            }
        }
        for bad in ["Hell", "Hell\"", "Hellé", "Hello\u{0}orld", "Hello World"] {
            #expect(throws: (any Error).self) { try Z85.decode(bad) }
            #expect(throws: (any Error).self) { try ZMQ.z85Decode(bad) }
        }
    }

    @Test("zmq_curve_public derives the documented public keys from the documented secrets")
    func curvePublicMatchesDocs() throws {
        #expect(try ZMQ.curvePublic(secretKey: TestKeys.clientSecret) == TestKeys.clientPublic)
        #expect(try ZMQ.curvePublic(secretKey: TestKeys.serverSecret) == TestKeys.serverPublic)
        #expect(try ZMQ.z85Encode(TestKeys.serverPublic) == TestKeys.serverPublicZ85)
        #expect { try ZMQ.curvePublic(secretKey: [1, 2, 3]) } throws: { $0 is ZMQError }
    }

    @Test("generated key pairs are 32 raw bytes, consistent, and distinct")
    func keyPairs() throws {
        let first = try ZMQ.curveKeyPair()
        let second = try ZMQ.curveKeyPair()
        #expect(first.publicKey.count == 32 && first.secretKey.count == 32)
        #expect(try ZMQ.curvePublic(secretKey: first.secretKey) == first.publicKey)
        #expect(first.publicKey != second.publicKey)
    }
}

@Suite("Z85 edge cases")
struct Z85EdgeTests {
    @Test("an embedded NUL or a space is refused, not decoded as a prefix")
    func embeddedNul() {
        #expect { try ZMQ.z85Decode("Hello\0orld") } throws: { ($0 as? ZMQError)?.errno == EINVAL }
        #expect { try ZMQ.z85Decode("Hello orld") } throws: { ($0 as? ZMQError)?.errno == EINVAL }
    }
}
