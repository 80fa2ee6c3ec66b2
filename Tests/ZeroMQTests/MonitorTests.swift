import Foundation
import Testing
@testable import ZeroMQ

@Suite("Socket monitor")
struct MonitorTests {
    @Test("a CURVE pair reports listening, accepted, connected and handshakeSucceeded, then disconnected")
    func curvePairLifecycle() throws {
        let context = try ZMQContext()
        defer { context.terminate() }
        let authenticator = try ZAPAuthenticator(context: context, allowlist: ["swarm": [TestKeys.clientPublic]])
        defer { authenticator.stop() }

        let router = try makeTestSocket(context, .router)
        defer { router.close() }
        let serverMonitor = try router.monitor(endpoint: uniqueInproc("server-monitor"))
        defer { serverMonitor.close() }
        try ZMQCurve.configureCurveServer(
            router, secretKey: TestKeys.serverSecret, publicKey: TestKeys.serverPublic, zapDomain: "swarm")
        try router.bind("tcp://127.0.0.1:*")
        let endpoint = try router.lastEndpoint

        let dealer = try makeTestSocket(context, .dealer)
        defer { dealer.close() }
        let clientMonitor = try dealer.monitor(endpoint: uniqueInproc("client-monitor"))
        defer { clientMonitor.close() }
        try ZMQCurve.configureCurveClient(
            dealer, secretKey: TestKeys.clientSecret, publicKey: TestKeys.clientPublic, serverKey: TestKeys.serverPublic)
        try dealer.connect(endpoint)

        var serverKinds: [MonitorEventKind] = []
        let serverSucceeded = try serverMonitor.waitFor(
            timeoutMilliseconds: 3000, seen: { serverKinds.append($0.kind) }, where: { $0.kind == .handshakeSucceeded })
        #expect(serverSucceeded != nil)
        #expect(serverKinds.contains(.listening))
        #expect(serverKinds.contains(.accepted))
        #expect(serverKinds.firstIndex(of: .listening)! < serverKinds.firstIndex(of: .accepted)!)

        var clientKinds: [MonitorEventKind] = []
        let clientSucceeded = try clientMonitor.waitFor(
            timeoutMilliseconds: 3000, seen: { clientKinds.append($0.kind) }, where: { $0.kind == .handshakeSucceeded })
        #expect(clientSucceeded?.endpoint == endpoint)
        #expect(clientKinds.contains(.connected))

        dealer.close()
        let disconnected = try serverMonitor.waitFor(timeoutMilliseconds: 3000) { $0.kind == .disconnected }
        #expect(disconnected != nil)

        try router.stopMonitor()
        let stopped = try serverMonitor.waitFor(timeoutMilliseconds: 3000) { $0.kind == .monitorStopped }
        #expect(stopped != nil)
    }

    @Test("closing a monitor while its socket is still monitored stops the monitoring first, so the context keeps working")
    func closeOrderIsSafe() throws {
        let context = try ZMQContext()
        defer { context.terminate() }
        let router = try makeTestSocket(context, .router)
        defer { router.close() }
        let monitor = try router.monitor(endpoint: uniqueInproc("close-order"))
        try router.bind("tcp://127.0.0.1:*")
        #expect(monitor.close())
        #expect(monitor.hasStopped)

        // Events keep being generated on the router (accepted, handshake, disconnected);
        // with monitoring still on and nobody reading, libzmq's I/O thread would block here.
        for round in 0 ..< 3 {
            let dealer = try makeTestSocket(context, .dealer)
            defer { dealer.close() }
            try dealer.connect(try router.lastEndpoint)
            try dealer.send([bytes("round \(round)")])
            let message = try #require(try receive(router, timeoutMilliseconds: receiveTimeoutMilliseconds))
            #expect(message.last == bytes("round \(round)"))
        }
    }

    @Test("a monitor closed after its socket waits for monitorStopped before closing")
    func closeAfterSocket() throws {
        let context = try ZMQContext()
        defer { context.terminate() }
        let pull = try makeTestSocket(context, .pull)
        let monitor = try pull.monitor(endpoint: uniqueInproc("close-after"), events: .listening)
        try pull.bind("tcp://127.0.0.1:*")
        #expect(try monitor.receive(timeoutMilliseconds: 2000)?.kind == .listening)
        pull.close()
        #expect(monitor.close())
    }

    @Test("a failed bind is reported as bindFailed")
    func bindFailed() throws {
        let context = try ZMQContext()
        defer { context.terminate() }
        let first = try makeTestSocket(context, .pull)
        defer { first.close() }
        try first.bind("tcp://127.0.0.1:*")
        let second = try makeTestSocket(context, .pull)
        defer { second.close() }
        let monitor = try second.monitor(endpoint: uniqueInproc("bind-failed"), events: .bindFailed)
        defer { monitor.close() }
        #expect(throws: ZMQError.self) { try second.bind(try first.lastEndpoint) }
        let event = try monitor.receive(timeoutMilliseconds: 2000)
        #expect(event?.kind == .bindFailed)
        #expect(event?.value == UInt32(EADDRINUSE))
    }

    @Test("event frames decode as 16-bit id and 32-bit value, and malformed ones are refused")
    func decoding() {
        let event = MonitorEvent(frames: [[0x00, 0x40, 0x90, 0x01, 0x00, 0x00], bytes("tcp://1.2.3.4:5")])
        #expect(event == MonitorEvent(kind: .handshakeFailedAuth, value: 400, endpoint: "tcp://1.2.3.4:5"))
        #expect(MonitorEvent(frames: [[0x01, 0x80, 0, 0, 0, 0], []])?.kind == .unknown(0x8001))
        #expect(MonitorEvent(frames: [[0x01, 0x00, 0, 0, 0], []]) == nil)
        #expect(MonitorEvent(frames: [[0x01, 0x00, 0, 0, 0, 0]]) == nil)
    }
}
