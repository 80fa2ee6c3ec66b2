import SwarmOrchestrator
import Foundation

extension BenchResult {
    /// One JSON object (sorted keys), as `swarmbft bench --json` prints it.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// The human-readable report.
    public func text() -> String {
        func f(_ value: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", value) }
        let p = parameters
        var lines = [
            "swarmbft bench: n = \(p.replicas), \(p.clients) clients, \(p.payloadBytes)-byte payload, \(f(p.durationSeconds, 0)) s measured after \(f(p.warmupSeconds, 0)) s warm-up"
                + (p.sendRule == .all ? "; clients send every request to every replica" : "") + (p.verifyReplies ? "; clients verify reply signatures" : ""),
            "machine          \(machine.cores) cores, \(machine.cpuModel)",
            "throughput       \(f(throughputRps, 0)) requests/s (\(completedRequests) requests)",
            "latency ms       p50 \(f(latencyMs.p50, 2))  p90 \(f(latencyMs.p90, 2))  p99 \(f(latencyMs.p99, 2))  max \(f(latencyMs.max, 2))  mean \(f(latencyMs.mean, 2))",
            "mean batch       \(f(meanBatchSize)) requests",
            "CPU per request  \(f(cpuMicrosecondsPerRequest, 0)) µs in all, \(f(coresBusy, 2)) cores busy on average",
        ]
        for process in processes {
            lines.append(
                "  \(process.name.padding(toLength: 14, withPad: " ", startingAt: 0)) \(f(process.cpuMicrosecondsPerRequest, 0)) µs/request (\(f(process.cpuSeconds, 2)) s)")
        }
        lines += [
            "crypto           sign \(f(crypto.signMicroseconds)) µs, verify \(f(crypto.verifyMicroseconds)) µs; per request \(f(crypto.signaturesPerRequest, 2)) signatures + \(f(crypto.verificationsPerRequest, 2)) verifications = \(f(crypto.cpuMicrosecondsPerRequest, 0)) µs",
            "crypto bound     \(f(cryptoBoundRps, 0)) requests/s on \(crypto.cores) cores; measured/bound = \(f(ratioToCryptoBound * 100)) %; crypto is \(f(cryptoShareOfCPU * 100)) % of the CPU per request",
        ]
        if coresBusy < 0.85 * Double(machine.cores) {
            // Closed-loop clients saturate the cores unless something else holds them.
            lines.append("NOTE             the run used \(f(coresBusy, 2)) of \(machine.cores) cores: other load (or latency) limited it; compare CPU per request, not throughput")
        }
        if problems.any || problems.retransmissions > 0 {
            lines.append(
                "PROBLEMS         timeouts \(problems.timeouts), retransmissions \(problems.retransmissions), invalid replies \(problems.invalidReplies), mismatched \(problems.mismatchedReplies), unclean stops \(problems.uncleanStops), view changes \(problems.viewChanges), rate-limited \(problems.rateLimited)"
            )
            for message in problems.messages { lines.append("  \(message)") }
        } else {
            lines.append("problems         none (no timeouts, retransmissions, invalid replies or view changes)")
        }
        return lines.joined(separator: "\n")
    }
}
