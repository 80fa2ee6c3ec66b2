import SwarmOrchestrator
import Foundation

/// What one `swarmbft bench` run measured. Encoded as the `--json` object.
public struct BenchResult: Codable, Sendable {
    public struct Latency: Codable, Sendable {
        public var p50: Double
        public var p90: Double
        public var p99: Double
        public var max: Double
        public var mean: Double
    }

    public struct Problems: Codable, Sendable {
        /// Requests given up after the client timeout (a fresh request follows).
        public var timeouts: Int
        public var retransmissions: Int
        /// Replies that did not decode or whose signature did not verify.
        public var invalidReplies: Int
        /// Requests for which f + 1 replicas disagreed with the first f + 1 replies.
        public var mismatchedReplies: Int
        /// Replicas that had to be killed after SIGTERM, or exited early.
        public var uncleanStops: Int
        public var viewChanges: Int
        /// Replica messages the replicas' per-peer rate limits dropped (protection levels).
        public var rateLimited: Int
        public var messages: [String]

        enum CodingKeys: String, CodingKey {
            case timeouts, retransmissions, invalidReplies = "invalid_replies", mismatchedReplies = "mismatched_replies"
            case uncleanStops = "unclean_stops", viewChanges = "view_changes", rateLimited = "rate_limited", messages
        }

        public var any: Bool { timeouts + invalidReplies + mismatchedReplies + uncleanStops + viewChanges + rateLimited > 0 || !messages.isEmpty }
    }

    public struct ProcessCost: Codable, Sendable {
        public var name: String
        public var cpuSeconds: Double
        public var cpuMicrosecondsPerRequest: Double

        enum CodingKeys: String, CodingKey {
            case name, cpuSeconds = "cpu_seconds", cpuMicrosecondsPerRequest = "cpu_us_per_request"
        }
    }

    public var parameters: BenchOptions
    public var completedRequests: Int
    public var windowSeconds: Double
    public var throughputRps: Double
    public var latencyMs: Latency
    public var meanBatchSize: Double
    public var processes: [ProcessCost]
    public var cpuMicrosecondsPerRequest: Double
    /// Cores busy on average during the window (all processes of the run).
    public var coresBusy: Double
    public var crypto: CryptoBound
    public var cryptoBoundRps: Double
    public var ratioToCryptoBound: Double
    /// The crypto's share of all CPU spent per request: what `ratioToCryptoBound` tends to
    /// when the benchmark alone saturates every core. On a shared machine contention
    /// inflates the measured CPU but not the (fastest-round) crypto costs, so it reads low.
    public var cryptoShareOfCPU: Double
    public var problems: Problems
    public var machine: Machine

    public struct Machine: Codable, Sendable {
        public var cores: Int
        public var cpuModel: String

        enum CodingKeys: String, CodingKey { case cores, cpuModel = "cpu_model" }
    }

    enum CodingKeys: String, CodingKey {
        case parameters, completedRequests = "completed_requests", windowSeconds = "window_seconds"
        case throughputRps = "throughput_rps", latencyMs = "latency_ms", meanBatchSize = "mean_batch_size"
        case processes, cpuMicrosecondsPerRequest = "cpu_us_per_request", coresBusy = "cores_busy", crypto
        case cryptoBoundRps = "crypto_bound_rps", ratioToCryptoBound = "ratio_to_crypto_bound", cryptoShareOfCPU = "crypto_share_of_cpu", problems, machine
    }
}
