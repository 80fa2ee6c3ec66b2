import Foundation
import SwarmTopology
import SwarmWire

extension ReplicaNode {
    /// The digest of the current state, computed again only when the state changed; at a
    /// stable checkpoint it is the certified one.
    func currentStateDigest() -> Digest {
        if let reported = reportedStateDigest, reported.sequence == replica.lastExecuted { return reported.digest }
        let digest = replica.lastExecuted == replica.lowWatermark ? replica.stable.stateDigest : replica.currentStateDigest()
        reportedStateDigest = (replica.lastExecuted, digest)
        return digest
    }

    func status() -> NodeStatus {
        NodeStatus(
            replica: id,
            view: replica.view,
            primary: replica.primary,
            status: replica.status == .normal ? "normal" : "changing-view",
            lastExecuted: replica.lastExecuted,
            stableCheckpoint: replica.lowWatermark,
            stableCheckpointDigest: replica.stable.stateDigest.hex,
            stateDigest: currentStateDigest().hex,
            pendingRequests: replica.pendingRequestCount,
            uptimeSeconds: Date().timeIntervalSince(startedAt),
            counters: counters,
            dropped: Dictionary(uniqueKeysWithValues: replica.metrics.dropped.map { ($0.key.rawValue, $0.value) }),
            viewChanges: replica.metrics.viewChangesStarted,
            stateTransfers: replica.metrics.stateTransfers,
            equivocationsSeen: replica.metrics.equivocationsSeen,
            zapDenied: mesh.authenticator.allCounts.mapValues(\.denied),
            connectivity: connectivity,
            tapPublished: mesh.tap.published,
            tapDropped: mesh.tap.dropped,
            protectionLevel: protection.level.rawValue,
            quarantined: replica.quarantined.sorted(),
            rateLimitedByPeer: Dictionary(uniqueKeysWithValues: rateLimiter.dropped.map { ("\($0.key)", $0.value) }),
            executedBatches: replica.metrics.executedBatches,
            stateChunksFetched: replica.metrics.stateChunksFetched,
            stateBytesFetched: replica.metrics.stateBytesFetched
        )
    }

    func statusJSON() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? String(data: encoder.encode(status()), encoding: .utf8)) ?? "{}"
    }

    func writeStatus() {
        mesh.tap.publishLinks(connectivity)
        let path = dataDirectory + "/status.json"
        try? statusJSON().write(toFile: path + ".tmp", atomically: false, encoding: .utf8)
        _ = rename(path + ".tmp", path)
    }
}
