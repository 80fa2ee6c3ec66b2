import SwarmOrchestrator
import Foundation
import SwarmClient
import SwarmCore

/// The parameters of one `swarmbft bench` run; echoed in its report.
public struct BenchOptions: Codable, Sendable {
    public var replicas = 4
    /// Closed-loop clients: each has one request outstanding at a time.
    public var clients = 32
    /// Bytes of the value each request writes (a swarm-memory put).
    public var payloadBytes = 64
    public var durationSeconds = 30.0
    /// Requests before the window are not measured (connection setup, first batches).
    public var warmupSeconds = 3.0
    /// Where a client sends a request first (docs/wire-protocol.md, 2.1).
    public var sendRule = ClientSendRule.primaryFirst
    /// Whether clients also check each reply's Ed25519 signature; without it a reply is
    /// authenticated by the CURVE connection it arrived on (docs/wire-protocol.md, 2.2).
    public var verifyReplies = false
    /// Threads that drive the clients in the benchmark process.
    public var lanes = 2
    /// nil: derived from the process id, so that parallel runs do not collide.
    public var basePort: Int?
    /// nil keeps the topology default.
    public var maxBatchRequests: Int?
    /// The `swarmbft` executable to run the replicas; nil: this process's own.
    public var binaryPath: String?
    /// Where the mesh lives; nil: a fresh temporary directory, removed afterwards.
    public var directory: String?

    public init() {}

    enum CodingKeys: String, CodingKey {
        case replicas, clients, payloadBytes = "payload_bytes", durationSeconds = "duration_seconds"
        case warmupSeconds = "warmup_seconds", sendRule = "send_to", verifyReplies = "verify_replies", lanes, basePort = "base_port", maxBatchRequests = "max_batch_requests"
        case binaryPath = "binary", directory
    }

    /// Refuses settings that cannot make a meaningful run.
    public func validate() throws {
        guard replicas >= 4 else { throw LocalMeshError("--replicas must be at least 4") }
        guard clients >= 1, lanes >= 1 else { throw LocalMeshError("--clients and --lanes must be at least 1") }
        guard payloadBytes >= 0, payloadBytes <= 1 << 20 else { throw LocalMeshError("--payload must be 0 ... 1 MiB") }
        guard durationSeconds > 0, warmupSeconds >= 0 else { throw LocalMeshError("--duration must be positive and --warmup not negative") }
    }
}
