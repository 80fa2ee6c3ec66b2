import Testing
import SwarmCore
import SwarmWire

/// Who may send control commands, and replays: the pure rule the daemon runs.
@Suite("Control commands: authority, binding, freshness, replays")
struct ControlAuthorizerTests {
    let cluster = ClusterBinding(clusterName: "unit", epoch: 1)
    let admin = [UInt8](repeating: 0xA1, count: 32)
    let monitor = [UInt8](repeating: 0xB2, count: 32)
    let now: UInt64 = 1_800_000_000_000_000

    func command(_ kind: ControlCommand.Kind, by signer: [UInt8], nonce: UInt8 = 1, issuedAt: UInt64? = nil, cluster: ClusterBinding? = nil) -> ControlCommand {
        ControlCommand(cluster: cluster ?? self.cluster, kind: kind, target: 1, issuedAtMicroseconds: issuedAt ?? now, nonce: Array(repeating: nonce, count: 16), signer: signer)
    }

    func authorizer() -> ControlAuthorizer { ControlAuthorizer(cluster: cluster, adminKeys: [admin], monitorKey: monitor) }

    @Test("An admin's command is accepted once; the same nonce again is a replay")
    func adminOnceThenReplay() {
        var rule = authorizer()
        #expect(rule.authorize(command(.quarantine, by: admin), nowMicroseconds: now) { _ in true } == .success(.admin))
        guard case let .failure(refusal) = rule.authorize(command(.quarantine, by: admin), nowMicroseconds: now + 1, signatureValid: { _ in true }) else {
            Issue.record("a replayed command was accepted"); return
        }
        #expect(refusal.description.contains("replay"))
        #expect(rule.authorize(command(.quarantine, by: admin, nonce: 2), nowMicroseconds: now + 2) { _ in true } == .success(.admin))
    }

    @Test("The monitor may only suspect the primary; a stranger may do nothing")
    func monitorAndStranger() {
        var rule = authorizer()
        #expect(rule.authorize(command(.suspectPrimary, by: monitor), nowMicroseconds: now) { _ in true } == .success(.monitor))
        for kind in [ControlCommand.Kind.quarantine, .release, .viewChange] {
            guard case let .failure(refusal) = rule.authorize(command(kind, by: monitor, nonce: 9), nowMicroseconds: now, signatureValid: { _ in true }) else {
                Issue.record("the monitor's \(kind.name) was accepted"); continue
            }
            #expect(refusal.description.contains("monitor may only suspect"))
        }
        let stranger = [UInt8](repeating: 0xC3, count: 32)
        #expect(rule.authorize(command(.suspectPrimary, by: stranger, nonce: 3), nowMicroseconds: now) { _ in true } != .success(.monitor))
    }

    @Test("The signature is checked only after binding and authority, and a bad one is refused without spending the nonce")
    func signatureOrder() {
        var rule = authorizer()
        var checked = 0
        _ = rule.authorize(command(.quarantine, by: [UInt8](repeating: 0xC3, count: 32)), nowMicroseconds: now) { _ in
            checked += 1; return true
        }
        _ = rule.authorize(command(.quarantine, by: admin, cluster: ClusterBinding(clusterName: "unit", epoch: 2)), nowMicroseconds: now) { _ in
            checked += 1; return true
        }
        #expect(checked == 0, "a stranger's or another epoch's command cost a verification")
        #expect(rule.authorize(command(.quarantine, by: admin), nowMicroseconds: now) { _ in false } != .success(.admin))
        #expect(rule.authorize(command(.quarantine, by: admin), nowMicroseconds: now) { _ in true } == .success(.admin))
    }

    @Test("Issue times far from the clock are refused, including hostile extremes (no overflow)")
    func freshness() {
        var rule = authorizer()
        let window = ControlAuthorizer.replayWindowMicroseconds
        for issuedAt in [0, UInt64.max, now - window - 1, now + window + 1] {
            guard case .failure = rule.authorize(command(.quarantine, by: admin, issuedAt: issuedAt), nowMicroseconds: now, signatureValid: { _ in true }) else {
                Issue.record("issued at \(issuedAt) accepted at \(now)"); continue
            }
        }
        #expect(rule.authorize(command(.quarantine, by: admin, nonce: 4, issuedAt: now + window), nowMicroseconds: now) { _ in true } == .success(.admin))
        #expect(rule.authorize(command(.quarantine, by: admin, nonce: 5), nowMicroseconds: 0) { _ in true } != .success(.admin))
    }

    @Test("Remembered nonces are bounded and forgotten after two windows")
    func boundedNonces() {
        var rule = authorizer()
        for index in 0 ..< ControlAuthorizer.maxRememberedNonces {
            var cmd = command(.viewChange, by: admin)
            cmd.nonce = withUnsafeBytes(of: UInt64(index).littleEndian) { Array($0) } + Array(repeating: 0, count: 8)
            #expect(rule.authorize(cmd, nowMicroseconds: now) { _ in true } == .success(.admin))
        }
        #expect(rule.seenNonces.count == ControlAuthorizer.maxRememberedNonces)
        #expect(rule.authorize(command(.viewChange, by: admin, nonce: 0xEE), nowMicroseconds: now) { _ in true } != .success(.admin))
        // Two windows later the old nonces are gone and new commands are accepted.
        let later = now + 2 * ControlAuthorizer.replayWindowMicroseconds
        #expect(rule.authorize(command(.viewChange, by: admin, nonce: 0xEE, issuedAt: later), nowMicroseconds: later) { _ in true } == .success(.admin))
        #expect(rule.seenNonces.count == 1)
    }
}

/// The per-peer token buckets the shell applies before any signature is checked.
@Suite("Peer rate limiter: token buckets, penalties, bounded")
struct PeerRateLimiterTests {
    @Test("A peer gets one second's worth of tokens, then its rate")
    func bucket() {
        var limiter = PeerRateLimiter(ratePerSecond: 100, replicaCount: 4)
        let admitted = (0 ..< 150).filter { _ in limiter.admit(1, nowMilliseconds: 1000) }.count
        #expect(admitted == 100)
        #expect(limiter.dropped[1] == 50)
        // 100 ms later: 10 more tokens.
        #expect((0 ..< 20).filter { _ in limiter.admit(1, nowMilliseconds: 1100) }.count == 10)
        // Other peers have their own buckets.
        let admitted1 = limiter.admit(2, nowMilliseconds: 1100)
        #expect(admitted1)
    }

    @Test("A penalty lowers a flooder's rate and never raises one")
    func penalty() {
        var limiter = PeerRateLimiter(ratePerSecond: 100, replicaCount: 4)
        limiter.limit(3, toPerSecond: 5, nowMilliseconds: 0)
        #expect((0 ..< 50).filter { _ in limiter.admit(3, nowMilliseconds: 0) }.count == 5)
        limiter.limit(3, toPerSecond: 500, nowMilliseconds: 1000)
        #expect((0 ..< 50).filter { _ in limiter.admit(3, nowMilliseconds: 1000) }.count == 5, "a penalty was raised")
    }

    @Test("A penalty decays: after its duration the peer is back at the default rate, and is reported once")
    func penaltyDecays() {
        var limiter = PeerRateLimiter(ratePerSecond: 100, replicaCount: 4)
        limiter.limit(3, toPerSecond: 5, nowMilliseconds: 1_000, durationMilliseconds: 60_000)
        #expect(limiter.expirePenalties(nowMilliseconds: 60_999).isEmpty && limiter.penalised == [3])
        #expect((0 ..< 50).filter { _ in limiter.admit(3, nowMilliseconds: 60_999) }.count <= 5)
        #expect(limiter.expirePenalties(nowMilliseconds: 61_000) == [3])
        #expect(limiter.expirePenalties(nowMilliseconds: 61_001).isEmpty && limiter.penalised.isEmpty)
        #expect((0 ..< 150).filter { _ in limiter.admit(3, nowMilliseconds: 61_001) }.count == 100, "the default rate again")
        // A duration that would overflow saturates rather than trap.
        limiter.limit(2, toPerSecond: 5, nowMilliseconds: .max - 1, durationMilliseconds: .max)
        #expect(limiter.expirePenalties(nowMilliseconds: .max - 1).isEmpty)
    }

    @Test("Sender ids outside the topology get no bucket: a flood of made-up ids cannot grow the table")
    func bounded() {
        var limiter = PeerRateLimiter(ratePerSecond: 1, replicaCount: 4)
        for id in 4 ..< 10_000 { _ = limiter.admit(ReplicaID(id), nowMilliseconds: 0) }
        limiter.limit(.max, toPerSecond: 1, nowMilliseconds: 0)
        #expect(limiter.dropped.isEmpty)
        #expect(limiter.bucketCount == 0)
    }

    @Test("A clock that goes back refills nothing and traps on nothing")
    func clockBack() {
        var limiter = PeerRateLimiter(ratePerSecond: 2, replicaCount: 4)
        let admitted2 = limiter.admit(0, nowMilliseconds: .max)
        #expect(admitted2)
        let admitted3 = limiter.admit(0, nowMilliseconds: .max)
        #expect(admitted3)
        let admitted4 = limiter.admit(0, nowMilliseconds: .min)
        #expect(!admitted4, "a clock going back refilled the bucket")
        let admitted5 = limiter.admit(0, nowMilliseconds: 0)
        #expect(!admitted5)
    }

    @Test("No limit configured (protection level minimal): everything is admitted")
    func unlimited() {
        var limiter = PeerRateLimiter(ratePerSecond: nil, replicaCount: 4)
        #expect((0 ..< 10_000).allSatisfy { _ in limiter.admit(0, nowMilliseconds: 0) })
    }
}
