import Foundation
import Testing
import SwarmCore
import SwarmSimulator

/// Readable scenario traces, in the manner of etcd raft's testdata: a small run's full
/// event trace is committed under Traces/ and every run must reproduce it line for line.
/// After a deliberate protocol change, regenerate with SWARMBFT_REWRITE_TRACES=1 and
/// commit the new traces only if you understand every changed line.
@Suite("Scenario traces")
struct ScenarioTraceTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Traces")

    func check(_ name: String, _ options: SimulationOptions) throws {
        let result = Simulation.run(options)
        let text =
            (["# \(options.replayCommand)", "# \(result.passed ? "passed" : "FAILED"), trace hash \(String(result.traceHash, radix: 16))"] + result.trace).joined(separator: "\n")
            + "\n"
        let file = Self.directory.appendingPathComponent("\(name).txt")
        if ProcessInfo.processInfo.environment["SWARMBFT_REWRITE_TRACES"] == "1" {
            try text.write(to: file, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOf: file, encoding: .utf8)
        let got = text.split(separator: "\n", omittingEmptySubsequences: false)
        let want = expected.split(separator: "\n", omittingEmptySubsequences: false)
        if let first = zip(got, want).enumerated().first(where: { $0.element.0 != $0.element.1 }) {
            Issue.record("\(name) differs at line \(first.offset + 1):\n  expected: \(first.element.1)\n  got:      \(first.element.0)")
        }
        #expect(got.count == want.count, "\(name): \(got.count) lines, expected \(want.count)")
        #expect(result.passed)
    }

    @Test("Normal case: one client, two requests, n = 4, no faults")
    func normalCase() throws {
        try check("normal-case", SimulationOptions(replicaCount: 4, seed: 1, clientCount: 1, requestsPerClient: 2, faults: false, safetyPhaseTime: 400, trace: true))
    }

    @Test("View change: the primary (replica 0) is silent, n = 4, no other faults")
    func silentPrimary() throws {
        try check(
            "silent-primary",
            SimulationOptions(
                replicaCount: 4, seed: 2, byzantine: .silent, byzantineReplicas: [0], clientCount: 1, requestsPerClient: 1, faults: false, safetyPhaseTime: 1000, trace: true))
    }

    @Test("Equivocating primary (replica 0) sends conflicting PRE-PREPAREs, n = 4")
    func equivocatingPrimary() throws {
        try check(
            "equivocating-primary",
            SimulationOptions(
                replicaCount: 4, seed: 3, byzantine: .equivocate, byzantineReplicas: [0], clientCount: 2, requestsPerClient: 1, faults: false, safetyPhaseTime: 1000, trace: true))
    }
}
