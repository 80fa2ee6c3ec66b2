import Testing
import SwarmCore
import SwarmSimulator
import SwarmWire
import SwarmFaults

/// Seeds that once failed, kept so that the bug they found stays fixed (TigerBeetle keeps
/// its VOPR seeds the same way). Each names what it caught.
@Suite("Regression seeds")
struct RegressionSeedTests {
    @Test(
        "Seeds that once failed now pass",
        arguments: [
            // A new primary persisted O beyond its own window; recovery rebuilt those entries
            // outside (h, h + L].
            (UInt64(17733), Misbehavior?.none, ReplicaID(0)),
            // A lone replica in a view change never learned it was behind: heartbeats now
            // relay the COMMITs of the commit certificate.
            (946, nil, 0),
            (45, nil, 0),
            // The same, with a flooding replica.
            (367, .flood, 1),
            (14, .flood, 1),
            // A primary the others had left while it was partitioned: the view-change timer now
            // starts once q replicas left the old view.
            (15, .silent, 0),
            // L1 in one common view (issue 14): idle at a checkpoint, a replica stayed normal
            // in view 1 for good while the others ran view 2 (its heartbeat named no view).
            (505, nil, 0),
            (569, nil, 0),
            (713, nil, 0),
            // A lagging replica refused a certified state older than a sequence q replicas
            // had signed CHECKPOINTs for; the liar quarantined, the others needed its vote.
            (44, .viewChangeLies, 0),
        ])
    func seed(seed: UInt64, behavior: Misbehavior?, replica: ReplicaID) {
        let result = Simulation.run(SimulationOptions(replicaCount: 4, seed: seed, byzantine: behavior, byzantineReplicas: [replica]))
        #expect(result.passed, "\(result.violations)\nreplay: \(result.options.replayCommand)")
    }

    @Test(
        "Seeds of `--byzantine all` that once failed now pass",
        arguments: [
            // L1 with nothing pending (IdleLivenessTests): a flooder's future CHECKPOINT hid
            // a replica's own from its retransmission (10799); a replica changing view alone
            // one sequence behind, the client's write one reply short of q (12262). 19571 (a
            // lagging primary changing view alone while the others sat idle) passes with
            // these two fixes (replica 2 changing view alone fetches on one claim, executes
            // the last sequence and sends the missing reply; L1 accepts one replica waiting
            // alone in a higher view); the rule made for it (backups follow their primary's
            // VIEW-CHANGE) was withdrawn: it broke seed 824 of the plain sweep. 7458 (stale
            // reads): a replica restarted at a stable checkpoint had no COMMIT of its own to
            // re-send, sent CHECKPOINTs only (no view in them) and stayed in view 5 for good.
            UInt64(10799), 12262, 19571, 7458,
        ])
    func rotatingSeed(seed: UInt64) {
        var options = Sweep.rotatingByzantine(SimulationOptions(replicaCount: 4), seed: seed)
        options.seed = seed
        let result = Simulation.run(options)
        #expect(result.passed, "\(result.violations)\nreplay: \(result.options.replayCommand)")
    }
}
