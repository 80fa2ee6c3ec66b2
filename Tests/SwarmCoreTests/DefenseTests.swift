import Testing
import SwarmCore
import SwarmWire

@Suite("Defences: quarantine, suspicion of the primary, timer jitter")
struct DefenseTests {
    @Test("A quarantined replica's messages are dropped unread; never more than f quarantined; never oneself")
    func quarantineLimits() throws {
        var harness = try Harness(replicaCount: 7)  // f = 2
        let outcome1 = harness.replicas[1].quarantine(3).outcome
        #expect(outcome1 == .quarantined)
        let outcome2 = harness.replicas[1].quarantine(3).outcome
        #expect(outcome2 == .alreadyQuarantined)
        let outcome3 = harness.replicas[1].quarantine(4).outcome
        #expect(outcome3 == .quarantined)
        let outcome4 = harness.replicas[1].quarantine(5).outcome
        #expect(outcome4 == .refusedLimit, "a third quarantine with f = 2 would leave quorums without correct replicas")
        let outcome5 = harness.replicas[1].quarantine(1).outcome
        #expect(outcome5 == .refusedSelf)
        let outcome6 = harness.replicas[1].quarantine(9).outcome
        #expect(outcome6 == .notAReplica)
        let vote = harness.sign(.prepare(Vote(sender: 3, view: 0, sequence: 1, digest: Digest(bytes: Array(repeating: 1, count: 32)))), as: 3)
        _ = harness.replicas[1].receive(vote)
        #expect(harness.replicas[1].metrics.dropped[.quarantined] == 1)
        let outcome7 = harness.replicas[1].release(3).released
        #expect(outcome7)
        let outcome8 = harness.replicas[1].release(3).released
        #expect(!outcome8)
        let outcome9 = harness.replicas[1].quarantine(5).outcome
        #expect(outcome9 == .quarantined, "a release frees a place")
    }

    @Test("Quarantining the primary starts a view change at once")
    func quarantinedPrimary() throws {
        var harness = try Harness()
        let (outcome, directives) = harness.replicas[2].quarantine(0)
        #expect(outcome == .quarantined)
        #expect(harness.replicas[2].status == .changingView && !directives.broadcasts(of: .viewChange).isEmpty)
    }

    @Test("One requester's suspicion only shortens the replica's own timer; f + 1 start a view change")
    func suspicion() throws {
        var harness = try Harness(replicaCount: 7)  // f = 2, request timeout 10 ticks
        // A pending request arms the timer on a backup (the primary never proposes it).
        _ = harness.replicas[3].receive(harness.request(id: 1))
        let outcome10 = harness.replicas[3].suspectPrimary(requester: "monitor-a").isEmpty
        #expect(outcome10)
        let outcome11 = harness.replicas[3].suspectPrimary(requester: "monitor-a").isEmpty
        #expect(outcome11, "the same requester twice counts once")
        var out: [Directive] = []
        for _ in 0 ..< 6 { out += harness.replicas[3].tick() }
        #expect(harness.replicas[3].view == 1, "the halved timer (5 ticks) should have fired")
        // A fresh replica with no pending request: suspicion alone does nothing until f + 1.
        var idle = try Harness(replicaCount: 7)
        let outcome12 = idle.replicas[4].suspectPrimary(requester: "a").isEmpty
        #expect(outcome12)
        let outcome13 = idle.replicas[4].suspectPrimary(requester: "b").isEmpty
        #expect(outcome13)
        for _ in 0 ..< 50 { _ = idle.replicas[4].tick() }
        #expect(idle.replicas[4].view == 0, "two requesters (f = 2) must not depose a primary")
        let outcome14 = idle.replicas[4].suspectPrimary(requester: "c").broadcasts(of: .viewChange).isEmpty
        #expect(!outcome14)
    }

    @Test("Jitter lengthens the request timeout, drawn from the replica's own seed")
    func jitter() throws {
        var harness = try Harness(protectionLevel: .maximum)  // jitter up to the whole 10-tick timeout
        // A seed whose first draw is not zero, so the lengthening is visible.
        var seed: UInt64 = 1
        repeat {
            harness.replicas[1].seedTimeoutJitter(seed)
            seed += 1
        } while harness.replicas[1].timeoutJitterTicks == 0
        let jitter = harness.replicas[1].timeoutJitterTicks
        #expect(jitter <= 10, "at most the fraction 1.0 of the timeout")
        var replay = harness.replicas[2]
        replay.seedTimeoutJitter(seed - 1)
        #expect(replay.timeoutJitterTicks == jitter, "the same seed draws the same jitter: a run replays exactly")
        _ = harness.replicas[1].receive(harness.request(id: 1))
        for _ in 0 ..< 10 + jitter - 1 { _ = harness.replicas[1].tick() }
        #expect(harness.replicas[1].view == 0, "10 + \(jitter) ticks have not passed")
        for _ in 0 ..< 2 { _ = harness.replicas[1].tick() }
        #expect(harness.replicas[1].view == 1)
        var standard = try Harness()
        standard.replicas[1].seedTimeoutJitter(seed - 1)
        #expect(standard.replicas[1].timeoutJitterTicks == 0, "standard protection draws no jitter")
    }
}
