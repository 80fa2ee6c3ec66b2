import Foundation
import SwarmCore
import SwarmWire

/// A replica's status, as `swarmbft status` prints it and as the node writes it to
/// `DATA_DIR/status.json` every second.
public struct NodeStatus: Codable, Sendable {
    /// Sent alone on a ROUTER connection, this frame asks for the status as JSON.
    public static let requestFrame = Array("STATUS".utf8)

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

    enum CodingKeys: String, CodingKey {
        case replica, view, primary, status, counters, dropped
        case lastExecuted = "last_executed", stableCheckpoint = "stable_checkpoint", stableCheckpointDigest = "stable_checkpoint_digest", stateDigest = "state_digest"
        case pendingRequests = "pending_requests", uptimeSeconds = "uptime_seconds", viewChanges = "view_changes"
        case stateTransfers = "state_transfers", equivocationsSeen = "equivocations_seen", zapDenied = "zap_denied", connectivity, tapPublished = "tap_published", tapDropped = "tap_dropped"
        case protectionLevel = "protection_level", quarantined, rateLimitedByPeer = "rate_limited_by_peer"
        case executedBatches = "executed_batches"
    }
}

extension ReplicaNode {
    func status() -> NodeStatus {
        NodeStatus(
            replica: id,
            view: replica.view,
            primary: replica.primary,
            status: replica.status == .normal ? "normal" : "changing-view",
            lastExecuted: replica.lastExecuted,
            stableCheckpoint: replica.lowWatermark,
            stableCheckpointDigest: replica.stable.stateDigest.hex,
            stateDigest: replica.currentStateDigest().hex,
            pendingRequests: replica.pendingRequestCount,
            uptimeSeconds: Date().timeIntervalSince(startedAt),
            counters: counters,
            dropped: Dictionary(uniqueKeysWithValues: replica.metrics.dropped.map { ($0.key.rawValue, $0.value) }),
            viewChanges: replica.metrics.viewChangesStarted,
            stateTransfers: replica.metrics.stateTransfers,
            equivocationsSeen: replica.metrics.equivocationsSeen,
            zapDenied: authenticator.allCounts.mapValues(\.denied),
            connectivity: connectivity,
            tapPublished: tap.published,
            tapDropped: tap.dropped,
            protectionLevel: protection.level,
            quarantined: replica.quarantined.sorted(),
            rateLimitedByPeer: Dictionary(uniqueKeysWithValues: rateLimiter.dropped.map { ("\($0.key)", $0.value) }),
            executedBatches: replica.metrics.executedBatches
        )
    }

    func statusJSON() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? String(data: encoder.encode(status()), encoding: .utf8)) ?? "{}"
    }

    func writeStatus() {
        tap.publishLinks(connectivity)
        let path = dataDirectory + "/status.json"
        try? statusJSON().write(toFile: path + ".tmp", atomically: false, encoding: .utf8)
        _ = rename(path + ".tmp", path)
    }
}
