import Foundation
import Testing
@testable import ZeroMQ

@Suite("Socket options")
struct OptionsTests {
    @Test("typed options read back what was set")
    func roundTrip() throws {
        let context = try ZMQContext()
        defer { context.terminate() }
        let socket = try makeTestSocket(context, .router)
        defer { socket.close() }
        try socket.setLinger(milliseconds: 25)
        try socket.setSendHighWaterMark(123)
        try socket.setReceiveHighWaterMark(456)
        try socket.setMaxMessageSize(bytes: 65_536)
        try socket.setReceiveTimeout(milliseconds: 750)
        try socket.setSendTimeout(milliseconds: 650)
        try socket.setRoutingID(bytes("node-7"))
        try socket.setZAPDomain("swarm")
        try socket.setZAPEnforceDomain(true)
        try socket.setCurveServer(true)
        #expect(try socket.lingerMilliseconds == 25)
        #expect(try socket.sendHighWaterMark == 123)
        #expect(try socket.receiveHighWaterMark == 456)
        #expect(try socket.maxMessageSize == 65_536)
        #expect(try socket.receiveTimeoutMilliseconds == 750)
        #expect(try socket.sendTimeoutMilliseconds == 650)
        #expect(try socket.routingID == bytes("node-7"))
        #expect(try socket.zapDomain == "swarm")
        #expect(try socket.zapEnforceDomain)
        #expect(try socket.isCurveServer)
    }

    @Test("the remaining setters are accepted by libzmq 4.3.4")
    func settersAccepted() throws {
        let context = try ZMQContext()
        defer { context.terminate() }
        let router = try makeTestSocket(context, .router)
        defer { router.close() }
        try router.setHeartbeatInterval(milliseconds: 1000)
        try router.setHeartbeatTimeout(milliseconds: 3000)
        try router.setHeartbeatTTL(milliseconds: 5000)
        try router.setReconnectInterval(milliseconds: 100)
        try router.setReconnectIntervalMax(milliseconds: 5000)
        try router.setHandshakeInterval(milliseconds: 2000)
        try router.setImmediate(true)
        try router.setRouterMandatory(true)
        try router.setRouterHandover(true)
        try router.setProbeRouter(true)
        try router.setTCPKeepalive(true)
        try router.setTCPKeepalive(nil)
        try router.setIPv6(false)
        let xpub = try makeTestSocket(context, .xpub)
        defer { xpub.close() }
        try xpub.setXPubVerbose(true)
        let pull = try makeTestSocket(context, .pull)
        defer { pull.close() }
        try pull.setConflate(true)
    }

    @Test("CURVE keys must be 32 raw bytes; Z85 text is refused")
    func curveKeyLength() throws {
        let context = try ZMQContext()
        defer { context.terminate() }
        let socket = try makeTestSocket(context, .dealer)
        defer { socket.close() }
        #expect { try socket.setCurveServerKey(bytes(TestKeys.serverPublicZ85)) } throws: {
            ($0 as? ZMQError)?.errno == EINVAL
        }
        try socket.setCurveServerKey(TestKeys.serverPublic)
        try TestKeys.clientSecret.withUnsafeBytes { try socket.setCurveSecretKey(unsafeBytes: $0) }
        #expect {
            try [UInt8](repeating: 1, count: 31).withUnsafeBytes { try socket.setCurveSecretKey(unsafeBytes: $0) }
        } throws: { ($0 as? ZMQError)?.errno == EINVAL }
    }

    @Test("a mismatched key pair is refused before any handshake")
    func mismatchedKeyPair() throws {
        let context = try ZMQContext()
        defer { context.terminate() }
        let socket = try makeTestSocket(context, .router)
        defer { socket.close() }
        #expect {
            try ZMQCurve.configureCurveServer(
                socket, secretKey: TestKeys.serverSecret, publicKey: TestKeys.clientPublic, zapDomain: "swarm")
        } throws: { ($0 as? ZMQError)?.errno == EINVAL }
        #expect {
            try ZMQCurve.configureCurveServer(
                socket, secretKey: TestKeys.serverSecret, publicKey: TestKeys.serverPublic, zapDomain: "")
        } throws: { ($0 as? ZMQError)?.errno == EINVAL }
    }
}
