import SwarmCore
import SwarmWire
import Testing

/// The shell's first look at a message (`InboundGate`): shape, decode, and which
/// connection may carry what (issue 15, findings 1, 3, 5, 10).
@Suite("Inbound gate: frame shapes and connections")
struct InboundGateTests {
    let harness: Harness
    let gate: InboundGate

    init() throws {
        harness = try Harness()
        let owner = harness.keys.clientKeys[0]
        // "replica-1" is replica 1's connection; "client-0" carries client 0 only.
        gate = InboundGate(limits: .standard, replicaByConnection: ["replica-1": 1], mayCarry: { client, connection in connection == "client-0" && client == owner })
    }

    @Test("Every frame count but the expected one is malformed, never a trap; a frame the codec refuses is malformed")
    func shapes() {
        let frame = harness.request(id: 1).frame
        #expect(gate.fromSubscriber([], peer: 2) == .drop(.malformed))
        #expect(gate.fromSubscriber([frame, frame], peer: 2) == .drop(.malformed))
        #expect(gate.fromSubscriber([[1, 2, 3]], peer: 2) == .drop(.malformed))
        #expect(gate.fromRouter([], userID: "client-0") == .drop(.malformed))
        #expect(gate.fromRouter([[7]], userID: "client-0") == .drop(.malformed))
        #expect(gate.fromRouter([[7], []], userID: "client-0") == .drop(.malformed))
        #expect(gate.fromRouter([[7], frame, frame], userID: "client-0") == .control)
        #expect(gate.fromRouter([[7], ControlFrames.statusRequest], userID: nil) == .status(route: [7]))
    }

    @Test("A client's connection carries its own requests, with their route; not another identity's, not a replica's message")
    func clientConnection() throws {
        let own = harness.request(client: 0, id: 1)
        guard case let .message(_, route, channel) = gate.fromRouter([[7], own.frame], userID: "client-0") else { Issue.record("own request refused"); return }
        #expect(route == [7] && channel == nil)
        #expect(gate.fromRouter([[7], harness.request(client: 1, id: 1).frame], userID: "client-0") == .drop(.unboundRequest))
        #expect(gate.fromRouter([[7], own.frame], userID: "client-9") == .drop(.unboundRequest), "a thief resending client 0's request")
        #expect(gate.fromRouter([[7], own.frame], userID: nil) == .drop(.unboundRequest))
        let commit = harness.sign(.commit(Vote(sender: 2, view: 0, sequence: 1, digest: .zero)), as: 2)
        #expect(gate.fromRouter([[7], commit.frame], userID: "client-0") == .drop(.wrongChannel))
    }

    @Test("A replica's connection carries anything, never as a client's route, charged to that replica")
    func replicaConnection() {
        let forwarded = harness.request(client: 1, id: 1)
        #expect(gate.fromRouter([[9], forwarded.frame], userID: "replica-1") == .message(forwarded, route: nil, channel: 1))
        let commit = harness.sign(.commit(Vote(sender: 2, view: 0, sequence: 1, digest: .zero)), as: 2)
        #expect(gate.fromSubscriber([commit.frame], peer: 3) == .message(commit, route: nil, channel: 3))
    }
}
