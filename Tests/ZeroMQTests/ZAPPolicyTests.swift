import Testing
@testable import ZeroMQ

/// The decision procedure frame by frame, without sockets: every malformed shape must be
/// answered, and answered "400".
@Suite("ZAP policy (RFC 27 frames)")
struct ZAPPolicyTests {
    let key = TestKeys.clientPublic
    let allowlist: [String: Set<[UInt8]>] = ["swarm": [TestKeys.clientPublic]]

    func request(
        version: String = "1.0", domain: String = "swarm", mechanism: String = "CURVE", credentials: [[UInt8]]? = nil
    ) -> [[UInt8]] {
        [bytes(version), bytes("req-1"), bytes(domain), bytes("10.0.0.9"), bytes("peer"), bytes(mechanism)]
            + (credentials ?? [key])
    }

    @Test("an allowed key gets 200 with user id = Z85 of the key, and the request id echoed")
    func allowed() throws {
        let verdict = ZAPPolicy.evaluate(request(), allowlist: allowlist)
        #expect(verdict.denial == nil)
        #expect(verdict.reply.count == 6)
        #expect(verdict.reply[0] == bytes("1.0"))
        #expect(verdict.reply[1] == bytes("req-1"))
        #expect(verdict.reply[2] == bytes("200"))
        #expect(verdict.reply[4] == bytes(TestKeys.clientPublicZ85))
    }

    @Test(
        "malformed or disallowed requests get 400",
        arguments: [
            ("wrong version", ["2.0", "swarm", "CURVE"]),
            ("wrong mechanism", ["1.0", "swarm", "PLAIN"]),
            ("NULL mechanism", ["1.0", "swarm", "NULL"]),
            ("unknown domain", ["1.0", "other", "CURVE"]),
            ("empty domain", ["1.0", "", "CURVE"]),
        ]
    )
    func denied(name: String, fields: [String]) {
        let verdict = ZAPPolicy.evaluate(
            request(version: fields[0], domain: fields[1], mechanism: fields[2]), allowlist: allowlist)
        #expect(verdict.reply[2] == bytes("400"), "\(name)")
        #expect(verdict.reply[1] == bytes("req-1"))
        #expect(verdict.denial != nil)
    }

    @Test("bad credentials, truncated requests and unknown keys get 400")
    func malformedShapes() throws {
        let stranger = try ZMQ.curveKeyPair().publicKey
        let cases: [[[UInt8]]] = [
            request(credentials: [stranger]),
            request(credentials: [Array(key.prefix(31))]),
            request(credentials: [key, key]),
            request(credentials: []),
            [bytes("1.0"), bytes("req-1")],
            [bytes("1.0")],
            [],
        ]
        for frames in cases {
            let verdict = ZAPPolicy.evaluate(frames, allowlist: allowlist)
            #expect(verdict.reply.count == 6)
            #expect(verdict.reply[2] == bytes("400"))
            #expect(verdict.denial != nil)
        }
        #expect(ZAPPolicy.evaluate(request(credentials: [stranger]), allowlist: allowlist).denial?.publicKey == stranger)
    }
}
