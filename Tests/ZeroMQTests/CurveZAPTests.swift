import Foundation
import Testing
@testable import ZeroMQ

/// What one CURVE client saw when it tried a DEALER → ROUTER message.
struct HandshakeOutcome {
    /// The message as the ROUTER received it (routing id, payload), if it arrived.
    var delivered: [[UInt8]]?
    /// The "User-Id" the ZAP handler gave the connection it arrived on.
    var userID: String?
    /// The server-side handshake verdict from its socket monitor, if one came in time.
    var verdict: MonitorEvent?
}

/// Binds a CURVE ROUTER with the documented server keys in `serverDomain`, connects a
/// DEALER with `clientKeys`, sends one message, and reports what happened. The server's
/// monitor is attached before bind so no event is missed.
func attemptCurveMessage(
    context: ZMQContext,
    serverDomain: String,
    clientKeys: (publicKey: [UInt8], secretKey: [UInt8]),
    deliveryWaitMilliseconds: Int = 300
) throws -> HandshakeOutcome {
    let router = try makeTestSocket(context, .router)
    defer { router.close() }
    let monitor = try router.monitor(endpoint: uniqueInproc("curve-monitor"), events: .all)
    defer { monitor.close() }
    try ZMQCurve.configureCurveServer(
        router, secretKey: TestKeys.serverSecret, publicKey: TestKeys.serverPublic, zapDomain: serverDomain)
    try router.bind("tcp://127.0.0.1:*")

    let dealer = try makeTestSocket(context, .dealer)
    defer { dealer.close() }
    try ZMQCurve.configureCurveClient(
        dealer, secretKey: clientKeys.secretKey, publicKey: clientKeys.publicKey, serverKey: TestKeys.serverPublic)
    try dealer.connect(try router.lastEndpoint)
    try dealer.send([bytes("hello")])

    var outcome = HandshakeOutcome()
    outcome.verdict = try monitor.waitFor(timeoutMilliseconds: 3000) { event in
        switch event.kind {
        case .handshakeSucceeded, .handshakeFailedAuth, .handshakeFailedNoDetail, .handshakeFailedProtocol: return true
        default: return false
        }
    }
    let wait = outcome.verdict?.kind == .handshakeSucceeded ? receiveTimeoutMilliseconds : deliveryWaitMilliseconds
    var items = [PollItem(socket: router, events: .pollIn)]
    if try ZMQ.poll(&items, timeoutMilliseconds: wait) > 0, let (frames, userID) = try router.receiveMultipartWithUserID(dontWait: true) {
        outcome.delivered = frames
        outcome.userID = userID
    }
    return outcome
}

let documentedClient = (publicKey: TestKeys.clientPublic, secretKey: TestKeys.clientSecret)

@Suite("CURVE with the ZAP authenticator")
struct CurveZAPTests {
    @Test("an allowlisted client's message arrives, and is counted as accepted")
    func allowedClientDelivers() throws {
        let context = try ZMQContext()
        defer { context.terminate() }
        let authenticator = try ZAPAuthenticator(context: context, allowlist: ["swarm": [TestKeys.clientPublic]])
        defer { authenticator.stop() }

        let outcome = try attemptCurveMessage(context: context, serverDomain: "swarm", clientKeys: documentedClient)
        #expect(outcome.verdict?.kind == .handshakeSucceeded)
        let message = try #require(outcome.delivered)
        #expect(message.count == 2)
        #expect(message.last == bytes("hello"))
        // The ZAP handler names the connection by the client's CURVE key (Z85), and every
        // message on it carries that name: how a replica tells a replica's forward from a
        // client's own request.
        #expect(outcome.userID == (try ZMQ.z85Encode(TestKeys.clientPublic)))
        #expect(authenticator.counts(domain: "swarm").accepted >= 1)
        #expect(authenticator.counts(domain: "swarm").denied == 0)
    }

    @Test("a message on a connection without security carries no User-Id")
    func plainConnectionHasNoUserID() throws {
        let context = try ZMQContext()
        defer { context.terminate() }
        let router = try makeTestSocket(context, .router)
        defer { router.close() }
        try router.bind("tcp://127.0.0.1:*")
        let dealer = try makeTestSocket(context, .dealer)
        defer { dealer.close() }
        try dealer.connect(try router.lastEndpoint)
        try dealer.send([bytes("plain")])
        var items = [PollItem(socket: router, events: .pollIn)]
        #expect(try ZMQ.poll(&items, timeoutMilliseconds: receiveTimeoutMilliseconds) == 1)
        let received = try #require(try router.receiveMultipartWithUserID(dontWait: true))
        #expect(received.frames.last == bytes("plain"))
        #expect(received.userID == nil)
    }

    @Test("an unlisted key delivers nothing, the monitor reports HANDSHAKE_FAILED_AUTH 400, the callback names the key")
    func unknownKeyFailsClosed() throws {
        let context = try ZMQContext()
        defer { context.terminate() }
        let denials = Locked<[ZAPDenial]>([])
        let authenticator = try ZAPAuthenticator(
            context: context,
            allowlist: ["swarm": [TestKeys.clientPublic]],
            onDenial: { denial in denials.withLock { $0.append(denial) } }
        )
        defer { authenticator.stop() }

        let stranger = try ZMQ.curveKeyPair()
        let outcome = try attemptCurveMessage(context: context, serverDomain: "swarm", clientKeys: stranger)
        #expect(outcome.verdict?.kind == .handshakeFailedAuth)
        #expect(outcome.verdict?.value == 400)
        #expect(outcome.delivered == nil)
        #expect(eventually { !denials.current.isEmpty })
        let denial = try #require(denials.current.first)
        #expect(denial.publicKey == stranger.publicKey)
        #expect(denial.domain == "swarm")
        #expect(denial.mechanism == "CURVE")
        #expect(denial.address == "127.0.0.1")
        #expect(authenticator.counts(domain: "swarm").denied >= 1)
        #expect(authenticator.counts(domain: "swarm").accepted == 0)
    }

    @Test("an empty allowlist for the domain denies everyone")
    func emptyAllowlistDeniesEveryone() throws {
        let context = try ZMQContext()
        defer { context.terminate() }
        let authenticator = try ZAPAuthenticator(context: context, allowlist: ["swarm": []])
        defer { authenticator.stop() }
        let outcome = try attemptCurveMessage(context: context, serverDomain: "swarm", clientKeys: documentedClient)
        #expect(outcome.verdict?.kind == .handshakeFailedAuth)
        #expect(outcome.delivered == nil)
    }

    @Test("a server socket in a domain nobody configured denies even a key allowed elsewhere")
    func unconfiguredDomainDenies() throws {
        let context = try ZMQContext()
        defer { context.terminate() }
        let denials = Locked<[ZAPDenial]>([])
        let authenticator = try ZAPAuthenticator(
            context: context,
            allowlist: ["swarm": [TestKeys.clientPublic]],
            onDenial: { denial in denials.withLock { $0.append(denial) } }
        )
        defer { authenticator.stop() }
        let outcome = try attemptCurveMessage(context: context, serverDomain: "elsewhere", clientKeys: documentedClient)
        #expect(outcome.verdict?.kind == .handshakeFailedAuth)
        #expect(outcome.delivered == nil)
        #expect(eventually { denials.current.contains { $0.domain == "elsewhere" && $0.reason == "Unknown domain" } })
        #expect(authenticator.counts(domain: "elsewhere").denied >= 1)
    }

    @Test("with ZAP_ENFORCE_DOMAIN and no handler at all, the handshake is refused, not waved through")
    func noHandlerFailsClosed() throws {
        let context = try ZMQContext()
        defer { context.terminate() }
        let outcome = try attemptCurveMessage(context: context, serverDomain: "swarm", clientKeys: documentedClient)
        #expect(outcome.verdict != nil)
        #expect(outcome.verdict?.kind != .handshakeSucceeded)
        #expect(outcome.delivered == nil)
    }

    @Test("allow and revoke change the verdict of the next handshake")
    func allowThenRevoke() throws {
        let context = try ZMQContext()
        defer { context.terminate() }
        let authenticator = try ZAPAuthenticator(context: context)
        defer { authenticator.stop() }
        let denied = try attemptCurveMessage(context: context, serverDomain: "swarm", clientKeys: documentedClient)
        #expect(denied.verdict?.kind == .handshakeFailedAuth)

        authenticator.allow(key: TestKeys.clientPublic, domain: "swarm")
        #expect(authenticator.allowlist(domain: "swarm") == [TestKeys.clientPublic])
        let allowed = try attemptCurveMessage(context: context, serverDomain: "swarm", clientKeys: documentedClient)
        #expect(allowed.verdict?.kind == .handshakeSucceeded)
        #expect(allowed.delivered?.last == bytes("hello"))

        authenticator.revoke(key: TestKeys.clientPublic, domain: "swarm")
        let revoked = try attemptCurveMessage(context: context, serverDomain: "swarm", clientKeys: documentedClient)
        #expect(revoked.verdict?.kind == .handshakeFailedAuth)
        #expect(revoked.delivered == nil)

        authenticator.setAllowlist(domain: "swarm", keys: [TestKeys.clientPublic])
        let restored = try attemptCurveMessage(context: context, serverDomain: "swarm", clientKeys: documentedClient)
        #expect(restored.verdict?.kind == .handshakeSucceeded)
        #expect(authenticator.allCounts["swarm"]?.accepted ?? 0 >= 2)
    }
}

@Suite("ZAP authenticator lifecycle")
struct ZAPLifecycleTests {
    @Test("a second handler on the same context is refused with EADDRINUSE")
    func oneHandlerPerContext() throws {
        let context = try ZMQContext()
        defer { context.terminate() }
        let first = try ZAPAuthenticator(context: context)
        defer { first.stop() }
        #expect(first.isRunning)
        #expect { try ZAPAuthenticator(context: context) } throws: { ($0 as? ZMQError)?.errno == EADDRINUSE }
        #expect(first.isRunning)
    }

    @Test("stop is idempotent and frees the endpoint for a new handler")
    func stopAndRestart() throws {
        let context = try ZMQContext()
        defer { context.terminate() }
        let first = try ZAPAuthenticator(context: context)
        first.stop()
        first.stop()
        #expect(!first.isRunning)
        #expect(first.failure == nil)
        let second = try ZAPAuthenticator(context: context)
        #expect(second.isRunning)
        second.stop()
    }

    @Test("shutting the context down ends the handler thread without a failure")
    func contextShutdownEndsThread() throws {
        let context = try ZMQContext()
        let authenticator = try ZAPAuthenticator(context: context)
        context.shutdown()
        #expect(eventually { !authenticator.isRunning })
        #expect(authenticator.failure == nil)
        authenticator.stop()
        context.terminate()
    }

    @Test("terminating the context under a running handler does not hang; the thread ends on ETERM")
    func terminateUnderRunningHandler() throws {
        let context = try ZMQContext()
        let authenticator = try ZAPAuthenticator(context: context)
        context.terminate()
        #expect(!authenticator.isRunning)
        #expect(authenticator.failure == nil)
        authenticator.stop()
    }

    @Test("stop called concurrently from several threads returns in all of them")
    func concurrentStop() async throws {
        let context = try ZMQContext()
        defer { context.terminate() }
        let authenticator = try ZAPAuthenticator(context: context)
        await withTaskGroup(of: Void.self) { group in
            for _ in 0 ..< 4 {
                group.addTask { authenticator.stop() }
            }
        }
        #expect(!authenticator.isRunning)
    }
}
