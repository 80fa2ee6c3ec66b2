import SwarmWire

/// Why a configuration was refused.
public struct ConfigurationError: Error, Equatable, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// The fixed parameters of one replica group: its size, fault bound, quorum, the
/// checkpoint interval K and watermark window L (section 2.4), batching, timeouts in ticks,
/// and the bounds on everything the instance keeps in memory.
public struct Configuration: Sendable, Equatable {
    /// n: the number of replicas.
    public let replicaCount: Int
    /// f = ⌊(n − 1) / 3⌋: how many replicas may be Byzantine.
    public let faultTolerance: Int
    /// q = ⌈(n + f + 1) / 2⌉: the size of prepared, commit, checkpoint and view-change quorums.
    public let quorum: Int
    /// f + 1: a weak certificate, enough to contain one correct replica.
    public var weakQuorum: Int { faultTolerance + 1 }
    /// Matching replies that complete a write: q, not f + 1 (issue 14, defect C). Reads
    /// on the read-only path (section 5.1.3) are answered from replicas' current state
    /// on q matching replies; a write acknowledged by only f + 1 may be known to a single
    /// correct replica, and q stale replies could then follow it. Two q sets share f + 1
    /// replicas, at least one correct, which has executed the write: no read after a
    /// completed write gets q matching stale replies (Castro's thesis, section 5.1.3).
    /// Stored, so that the simulator can plant f + 1 (`PlantedFault.weakWriteQuorum`);
    /// nothing else sets it.
    public var writeQuorum: Int
    /// Matching replies that complete a read on the read-only path: q. Stored for the
    /// simulator's negative control (`PlantedFault.oneReplyReads`); nothing else sets it.
    public var readQuorum: Int

    public var cluster: ClusterBinding
    /// K: a checkpoint every K sequences.
    public var checkpointInterval: UInt64
    /// L: sequences accepted lie in (h, h + L], h being the last stable checkpoint.
    public var watermarkWindow: UInt64
    public var maxBatchRequests: Int
    public var maxBatchBytes: Int
    /// How long the primary waits to fill a batch before proposing a partial one.
    public var batchTimeoutTicks: Int
    /// A backup suspects the primary when a request waits longer than this (section 2.5).
    public var requestTimeoutTicks: Int
    /// How long a replica waits for NEW-VIEW after q VIEW-CHANGEs; doubles each time
    /// (section 2.5, liveness), capped by `maxViewChangeTimeoutTicks`.
    public var viewChangeTimeoutTicks: Int
    public var maxViewChangeTimeoutTicks: Int
    /// Own protocol messages are re-sent this often while work is outstanding, because the
    /// transport may lose any message (PUB/SUB drops at the high-water mark).
    public var retransmitTicks: Int
    /// A state request without an answer is sent to another replica after this long.
    public var stateTransferTimeoutTicks: Int
    /// The chunk size of the partition tree over a checkpointed state (section 5.3.2).
    /// Part of what a state digest means, so one value for the whole cluster; a chunk
    /// travels in one STATE-CHUNK, so it is at most `wireLimits.maxChunkBytes`.
    public var stateChunkBytes: Int
    /// Client requests queued at the primary; more are dropped and counted.
    public var maxPendingRequests: Int
    /// Views more than this far ahead of the current one are ignored, so a flood of
    /// VIEW-CHANGEs for far-future views costs no memory.
    public var maxViewsAhead: UInt64
    public var wireLimits: WireLimits
    /// What this replica does by itself against proven or suspected faults (quarantine on
    /// evidence, rate penalties, timeout jitter); none of it changes what a quorum is.
    public var protectionLevel: ProtectionLevel
    public var protection: ReplicaProtection { .level(protectionLevel) }
    /// The client identities whose requests are ordered (certificates in the topology);
    /// nil admits any (the simulator's default). A request from anyone else is dropped
    /// and a PRE-PREPARE carrying one refused, so neither a client nor a Byzantine primary
    /// can fill the pool and the client table with fresh identities (issue 15, finding 3:
    /// ~150k identities left replicas at ~230 MiB for good, outside the memory quota).
    public var registeredClients: Set<ClientKey>?

    public func isRegistered(_ client: ClientKey) -> Bool { registeredClients?.contains(client) ?? true }
    /// The identities whose `OrderedControl` requests take effect (the topology's admin
    /// keys); from anyone else such a request executes as a refusal.
    public var adminClients: Set<ClientKey> = []

    /// Builds a configuration for `replicaCount` replicas. `faultTolerance` and `quorum`
    /// default to the safe values; asking for a larger f or a smaller quorum is refused,
    /// because two quorums must share a correct replica.
    public init(
        replicaCount: Int,
        faultTolerance: Int? = nil,
        quorum: Int? = nil,
        cluster: ClusterBinding = ClusterBinding(clusterName: "swarmbft", epoch: 1),
        checkpointInterval: UInt64 = 16,
        watermarkWindow: UInt64 = 64,
        maxBatchRequests: Int = 64,
        maxBatchBytes: Int = 256 << 10,
        batchTimeoutTicks: Int = 1,
        requestTimeoutTicks: Int = 40,
        viewChangeTimeoutTicks: Int = 40,
        maxViewChangeTimeoutTicks: Int = 640,
        retransmitTicks: Int = 10,
        stateTransferTimeoutTicks: Int = 20,
        stateChunkBytes: Int = 1 << 20,
        maxPendingRequests: Int = 4096,
        maxViewsAhead: UInt64 = 64,
        wireLimits: WireLimits = .standard,
        protectionLevel: ProtectionLevel = .standard
    ) throws(ConfigurationError) {
        guard replicaCount >= 4 else {
            throw ConfigurationError("n = \(replicaCount): PBFT needs at least 4 replicas to tolerate one Byzantine fault (n ≥ 3f + 1)")
        }
        let safeF = (replicaCount - 1) / 3
        let safeQ = (replicaCount + safeF + 2) / 2  // ⌈(n + f + 1) / 2⌉
        let f = faultTolerance ?? safeF
        let q = quorum ?? safeQ
        guard f <= safeF else {
            throw ConfigurationError("n = \(replicaCount) tolerates at most f = ⌊(n − 1) / 3⌋ = \(safeF) Byzantine replicas; f = \(f) would need n ≥ \(3 * f + 1)")
        }
        guard f >= 0 else { throw ConfigurationError("f = \(f) is negative") }
        let minimumQ = (replicaCount + f + 2) / 2
        guard q >= minimumQ else {
            throw ConfigurationError(
                "n = \(replicaCount), f = \(f) needs quorum q = ⌈(n + f + 1) / 2⌉ = \(minimumQ); "
                    + "with q = \(q) two quorums overlap in 2q − n = \(2 * q - replicaCount) replicas, "
                    + "which is not more than f = \(f), so they could meet only in Byzantine replicas and commit conflicting batches")
        }
        guard q <= replicaCount - f else {
            throw ConfigurationError("n = \(replicaCount), f = \(f): quorum q = \(q) exceeds n − f = \(replicaCount - f), so f silent replicas would stop all progress")
        }
        guard checkpointInterval >= 1, watermarkWindow >= checkpointInterval, watermarkWindow % checkpointInterval == 0 else {
            throw ConfigurationError("watermark window L = \(watermarkWindow) must be a positive multiple of the checkpoint interval K = \(checkpointInterval)")
        }
        guard watermarkWindow <= UInt64(wireLimits.maxPreparedCertificates) else {
            throw ConfigurationError(
                "watermark window L = \(watermarkWindow) exceeds the wire limit of \(wireLimits.maxPreparedCertificates) prepared certificates per VIEW-CHANGE")
        }
        guard stateChunkBytes >= 1, stateChunkBytes <= wireLimits.maxChunkBytes, stateChunkBytes <= wireLimits.maxFrameBytes / 2 else {
            throw ConfigurationError("state chunk of \(stateChunkBytes) bytes must be between 1 and the wire limit \(min(wireLimits.maxChunkBytes, wireLimits.maxFrameBytes / 2))")
        }
        guard (wireLimits.maxSnapshotBytes + stateChunkBytes - 1) / stateChunkBytes <= wireLimits.maxStateChunks else {
            throw ConfigurationError(
                "a state of \(wireLimits.maxSnapshotBytes) bytes in chunks of \(stateChunkBytes) needs more than the wire limit of \(wireLimits.maxStateChunks) chunks")
        }
        guard maxBatchRequests >= 1, maxBatchRequests <= wireLimits.maxBatchRequests else {
            throw ConfigurationError("batch limit \(maxBatchRequests) must be between 1 and the wire limit \(wireLimits.maxBatchRequests)")
        }
        guard replicaCount <= wireLimits.maxVotesPerCertificate, replicaCount <= wireLimits.maxViewChanges else {
            throw ConfigurationError("n = \(replicaCount) exceeds the wire limit of \(wireLimits.maxVotesPerCertificate) votes per certificate")
        }
        for (name, value) in [
            ("batchTimeoutTicks", batchTimeoutTicks), ("requestTimeoutTicks", requestTimeoutTicks), ("viewChangeTimeoutTicks", viewChangeTimeoutTicks),
            ("retransmitTicks", retransmitTicks), ("stateTransferTimeoutTicks", stateTransferTimeoutTicks), ("maxPendingRequests", maxPendingRequests),
        ] where value < 1 {
            throw ConfigurationError("\(name) = \(value) must be at least 1")
        }
        guard maxViewChangeTimeoutTicks >= viewChangeTimeoutTicks else {
            throw ConfigurationError("maxViewChangeTimeoutTicks = \(maxViewChangeTimeoutTicks) is below viewChangeTimeoutTicks = \(viewChangeTimeoutTicks)")
        }
        self.replicaCount = replicaCount
        self.faultTolerance = f
        self.quorum = q
        self.writeQuorum = q
        self.readQuorum = q
        self.cluster = cluster
        self.checkpointInterval = checkpointInterval
        self.watermarkWindow = watermarkWindow
        self.maxBatchRequests = maxBatchRequests
        self.maxBatchBytes = maxBatchBytes
        self.batchTimeoutTicks = batchTimeoutTicks
        self.requestTimeoutTicks = requestTimeoutTicks
        self.viewChangeTimeoutTicks = viewChangeTimeoutTicks
        self.maxViewChangeTimeoutTicks = maxViewChangeTimeoutTicks
        self.retransmitTicks = retransmitTicks
        self.stateTransferTimeoutTicks = stateTransferTimeoutTicks
        self.stateChunkBytes = stateChunkBytes
        self.maxPendingRequests = maxPendingRequests
        self.maxViewsAhead = maxViewsAhead
        self.wireLimits = wireLimits
        self.protectionLevel = protectionLevel
    }

    /// The primary of view v is replica v mod n (section 2.2).
    public func primary(of view: ViewNumber) -> ReplicaID {
        ReplicaID(view % UInt64(replicaCount))
    }

    public func isReplica(_ id: ReplicaID) -> Bool { Int(id) < replicaCount }
}
