import Testing
import SwarmCore
import SwarmSimulator
import SwarmFaults

/// ACCEPTANCE 4: the checkers can fail. Each planted bug, and f + 1 twins, MUST produce a
/// violation within the sweep; a checker that never fires would pass these sweeps too.
@Suite("Negative controls (ACCEPTANCE 4)")
struct NegativeControlTests {
    /// Runs at protection level minimal: with the defences on, the replicas and the monitor
    /// quarantine the equivocating or twinned replica on its first proof and the planted
    /// bug is never exercised. The controls show that the checkers catch the bug; the
    /// defences are judged by their own tests (QuarantineTests, the Byzantine scenarios).
    func expectCaught(_ options: SimulationOptions, within count: UInt64 = 300, _ invariants: Set<Violation.Invariant>, _ what: String) {
        var options = options
        options.protectionLevel = .minimal
        guard let result = firstViolation(options, within: 1 ..< 1 + count) else {
            Issue.record("\(what) was not caught in \(count) seeds")
            return
        }
        #expect(result.violations.contains { invariants.contains($0.invariant) }, "\(what) caught as \(result.violations)")
    }

    @Test("f + 1 twins (n = 4, 2 twins) break agreement")
    func twinsBreakAgreement() {
        expectCaught(SimulationOptions(replicaCount: 4, twins: 2), [.agreement, .selfEquivocation], "f + 1 twins")
    }

    @Test("Planted: VIEW-CHANGEs sent without their prepared certificates")
    func droppedCertificates() {
        expectCaught(SimulationOptions(replicaCount: 4, plantedFaults: [.viewChangeWithoutCertificates]), [.agreement, .liveness, .durability], "dropped prepared certificates")
    }

    @Test("Planted: signature verification skipped, with a forging primary")
    func skippedVerification() {
        expectCaught(SimulationOptions(replicaCount: 4, byzantine: .forge, plantedFaults: [.acceptingCrypto]), [.agreement], "skipped verification")
    }

    @Test("Planted: each vote counted twice, with an equivocating primary that votes for both batches")
    func countedTwice() {
        expectCaught(SimulationOptions(replicaCount: 4, byzantine: .forge, plantedFaults: [.voteCountedTwice]), [.agreement], "counting a vote twice")
    }

    @Test("Planted: storage that forgets the view, with crashes (a restarted replica goes back to an older view)")
    func storageForgetsView() {
        expectCaught(SimulationOptions(replicaCount: 4, plantedFaults: [.storageForgetsView]), [.viewDecreased, .agreement, .selfEquivocation], "a forgotten view")
    }

    @Test("Planted: a window wider than the watermarks, with a flooding primary")
    func skippedWatermarks() {
        expectCaught(SimulationOptions(replicaCount: 4, byzantine: .flood, plantedFaults: [.windowBeyondWatermarks]), within: 50, [.bound, .agreement], "skipped watermark check")
    }

    /// Defect C's ground (issue 14): S5 checks every read on the read-only path against
    /// the writes completed before it. With reads accepted on one reply, the replica that
    /// answers with the state before its latest write decides reads alone (n = 4, liar 1:
    /// 91 of seeds 1–300 caught, the first at seed 2).
    @Test("Planted: reads accepted on one reply, with a replica answering stale reads (S5)")
    func oneReplyReads() {
        var options = SimulationOptions(replicaCount: 4, byzantine: .staleReads, byzantineReplicas: [1], plantedFaults: [.oneReplyReads])
        options.readOnlyReads = true
        expectCaught(options, within: 50, [.staleRead], "reads on one reply")
    }

    /// Defect C's rule planted back: writes complete on f + 1 replies. A client reading its
    /// write straight back (`readBack`) can then meet the two correct replicas that have
    /// not executed it and the liar's stale answer: a read quorum that misses a completed
    /// write (n = 4, liar 1: 10 of seeds 1–300 caught, the first at seed 16; liar 0: 6 of
    /// 300; the correct rule: 0 of 300 each). Without read-back the window is rarely met
    /// (0 of 300).
    @Test("Planted: writes complete on f + 1 replies, with a client reading its writes back (S5)")
    func weakWriteQuorum() {
        var options = SimulationOptions(replicaCount: 4, byzantine: .staleReads, byzantineReplicas: [1], plantedFaults: [.weakWriteQuorum])
        options.readBack = true
        expectCaught(options, within: 60, [.staleRead], "writes on f + 1 replies")
    }

    @Test("Planted: an operator orders a correct replica quarantined (the quarantine checker fires)")
    func orderedQuarantineOfCorrectReplica() {
        var options = SimulationOptions(replicaCount: 4)
        options.orderedQuarantine = [1]
        expectCaught(options, within: 5, [.quarantinedCorrect], "a correct replica quarantined")
    }

    @Test("Orders to quarantine more than f replicas: the core refuses past f, so at-most-f holds")
    func orderedQuarantineBeyondF() {
        // n = 7, f = 2: three replicas named, replica 6 Byzantine and silent. The orders
        // name correct replicas too, so quarantinedCorrect fires; quarantineBound must not.
        // Client 0 is the admin; its first three requests are the orders (issue 15,
        // finding 7: ordered through consensus, so the whole cluster holds at most f).
        var options = SimulationOptions(replicaCount: 7, byzantine: .silent, byzantineReplicas: [6], clientCount: 1, requestsPerClient: 4)
        options.orderedQuarantine = [6, 5, 4]
        options.protectionLevel = .minimal
        for seed: UInt64 in 1 ... 5 {
            options.seed = seed
            let result = Simulation.run(options)
            #expect(!result.violations.contains { $0.invariant == .quarantineBound }, "seed \(seed): \(result.violations)")
            #expect(result.violations.contains { $0.invariant == .quarantinedCorrect }, "seed \(seed): \(result.violations)")
        }
    }

    @Test("Without the planted bugs the same Byzantine scenarios pass")
    func controlsWithoutBugs() {
        for behavior in [Misbehavior.forge, .equivocate, .replay] {
            let summary = Sweep.run(SimulationOptions(replicaCount: 4, byzantine: behavior), seeds: seeds(100))
            #expect(summary.violations == 0, "\(behavior): \(describe(summary))")
        }
    }
}
