import Foundation
import SwarmCore
import SwarmWire

/// A replica's status, as `swarmbft status` prints it and as the node writes it to
/// `DATA_DIR/status.json` every second.
public struct NodeStatus: Codable, Sendable {
    public var replica: UInt32
    public var view: UInt64
    public var primary: UInt32
    public var status: String
    public var lastExecuted: UInt64
    public var stableCheckpoint: UInt64
    /// The state digest certified by the stable checkpoint: correct replicas at the same
    /// stable checkpoint agree on it (a deployment's consensus-integrity check).
    public var stableCheckpointDigest: String?
    public var stateDigest: String
    public var pendingRequests: Int
    public var uptimeSeconds: Double
    public var counters: NodeCounters
    public var dropped: [String: Int]
    public var viewChanges: Int
    public var stateTransfers: Int
    public var equivocationsSeen: Int
    /// CURVE handshakes refused by the ZAP allowlist, per domain.
    public var zapDenied: [String: Int]
    public var connectivity: PeerConnectivity
    public var tapPublished: Int
    public var tapDropped: Int
    public var protectionLevel: String
    /// Replicas this replica ignores (verified evidence or an admin's order).
    public var quarantined: [UInt32]
    /// Messages dropped by the per-peer rate limit, per peer.
    public var rateLimitedByPeer: [String: Int]
    /// Batches this replica executed; with `counters.executedRequests` the mean batch size.
    /// Optional so that status files of older nodes still decode.
    public var executedBatches: Int?
    /// Chunks and bytes fetched by state transfer (optional: older nodes' files decode).
    public var stateChunksFetched: Int?
    public var stateBytesFetched: Int?

    public init(
        replica: UInt32, view: UInt64, primary: UInt32, status: String, lastExecuted: UInt64, stableCheckpoint: UInt64, stableCheckpointDigest: String?, stateDigest: String,
        pendingRequests: Int, uptimeSeconds: Double, counters: NodeCounters, dropped: [String: Int], viewChanges: Int, stateTransfers: Int, equivocationsSeen: Int,
        zapDenied: [String: Int], connectivity: PeerConnectivity, tapPublished: Int, tapDropped: Int, protectionLevel: String, quarantined: [UInt32],
        rateLimitedByPeer: [String: Int], executedBatches: Int?, stateChunksFetched: Int? = nil, stateBytesFetched: Int? = nil
    ) {
        self.stateChunksFetched = stateChunksFetched
        self.stateBytesFetched = stateBytesFetched
        self.replica = replica
        self.view = view
        self.primary = primary
        self.status = status
        self.lastExecuted = lastExecuted
        self.stableCheckpoint = stableCheckpoint
        self.stableCheckpointDigest = stableCheckpointDigest
        self.stateDigest = stateDigest
        self.pendingRequests = pendingRequests
        self.uptimeSeconds = uptimeSeconds
        self.counters = counters
        self.dropped = dropped
        self.viewChanges = viewChanges
        self.stateTransfers = stateTransfers
        self.equivocationsSeen = equivocationsSeen
        self.zapDenied = zapDenied
        self.connectivity = connectivity
        self.tapPublished = tapPublished
        self.tapDropped = tapDropped
        self.protectionLevel = protectionLevel
        self.quarantined = quarantined
        self.rateLimitedByPeer = rateLimitedByPeer
        self.executedBatches = executedBatches
    }

    enum CodingKeys: String, CodingKey {
        case replica, view, primary, status, counters, dropped
        case lastExecuted = "last_executed", stableCheckpoint = "stable_checkpoint", stableCheckpointDigest = "stable_checkpoint_digest", stateDigest = "state_digest"
        case pendingRequests = "pending_requests", uptimeSeconds = "uptime_seconds", viewChanges = "view_changes"
        case stateTransfers = "state_transfers", equivocationsSeen = "equivocations_seen", zapDenied = "zap_denied", connectivity, tapPublished = "tap_published", tapDropped =
            "tap_dropped"
        case protectionLevel = "protection_level", quarantined, rateLimitedByPeer = "rate_limited_by_peer"
        case executedBatches = "executed_batches"
        case stateChunksFetched = "state_chunks_fetched", stateBytesFetched = "state_bytes_fetched"
    }
}

/// What the node itself counts, besides the core's metrics.
public struct NodeCounters: Sendable, Codable {
    public init() {}
    public var framesReceived = 0
    public var framesSent = 0
    public var malformedFrames = 0
    public var sendDrops = 0
    public var unroutableReplies = 0
    /// Messages dropped by the per-peer rate limit (before verification).
    public var rateLimited = 0
    /// A replica's message on a client's connection: dropped unverified.
    public var wrongChannel = 0
    /// A request signed by an identity its connection may not carry (`ClientBinding`):
    /// dropped unverified.
    public var unboundRequests = 0
    public var executedRequests = 0

    enum CodingKeys: String, CodingKey {
        case framesReceived, framesSent, malformedFrames, sendDrops, unroutableReplies, rateLimited, wrongChannel, unboundRequests, executedRequests
    }

    /// Status files written before a counter existed still decode (it reads 0).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        framesReceived = try container.decodeIfPresent(Int.self, forKey: .framesReceived) ?? 0
        framesSent = try container.decodeIfPresent(Int.self, forKey: .framesSent) ?? 0
        malformedFrames = try container.decodeIfPresent(Int.self, forKey: .malformedFrames) ?? 0
        sendDrops = try container.decodeIfPresent(Int.self, forKey: .sendDrops) ?? 0
        unroutableReplies = try container.decodeIfPresent(Int.self, forKey: .unroutableReplies) ?? 0
        rateLimited = try container.decodeIfPresent(Int.self, forKey: .rateLimited) ?? 0
        wrongChannel = try container.decodeIfPresent(Int.self, forKey: .wrongChannel) ?? 0
        unboundRequests = try container.decodeIfPresent(Int.self, forKey: .unboundRequests) ?? 0
        executedRequests = try container.decodeIfPresent(Int.self, forKey: .executedRequests) ?? 0
    }
}
