import SwarmCore
import SwarmWire
import Testing

/// Issue 15, finding 3: a request is ordered only for a registered client identity, so
/// neither a client nor a Byzantine primary can fill the pool and the client table with
/// fresh identities.
@Suite("Registered clients")
struct ClientRegistrationTests {
    @Test("A request from an unregistered identity is dropped and counted; a registered one is proposed")
    func unregisteredRequestDropped() throws {
        var harness = try Harness(registeredClients: [0, 1, 2])
        let refused = harness.replicas[0].receive(harness.request(client: 3, id: 1))
        #expect(refused.broadcasts.isEmpty && refused.replies.isEmpty)
        #expect(harness.replicas[0].metrics.dropped[.unregisteredClient] == 1)
        #expect(harness.replicas[0].receive(harness.request(client: 0, id: 1)).broadcasts(of: .prePrepare).count == 1)
    }

    @Test("A backup refuses a primary's PRE-PREPARE carrying an unregistered identity's request, and names the proposal invalid")
    func byzantinePrimaryCannotOrderStrangers() throws {
        var harness = try Harness(registeredClients: [0, 1, 2])
        let stranger = harness.request(client: 3, id: 1)
        let prePrepare = harness.sign(.prePrepare(PrePrepare(sender: 0, view: 0, sequence: 1, digest: harness.batchDigest([stranger]), batch: [stranger])), as: 0)
        let out = harness.replicas[1].receive(prePrepare)
        #expect(out.broadcasts(of: .prepare).isEmpty)
        #expect(harness.replicas[1].metrics.dropped[.badRequest] == 1)
        #expect(out.contains { if case .alert(.invalidProposal(primary: 0, _, _, _)) = $0 { true } else { false } })
        // The same PRE-PREPARE with a registered client's request is prepared: the refusal
        // is the registration, nothing else about the message.
        var control = try Harness(registeredClients: [0, 1, 2, 3])
        #expect(control.replicas[1].receive(prePrepare).broadcasts(of: .prepare).count == 1)
    }

    @Test("Without a registry (the simulator's default) any identity is ordered")
    func noRegistryAdmitsAll() throws {
        var harness = try Harness()
        #expect(harness.replicas[0].receive(harness.request(client: 3, id: 1)).broadcasts(of: .prePrepare).count == 1)
    }
}
