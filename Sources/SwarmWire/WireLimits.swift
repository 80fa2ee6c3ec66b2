/// Upper bounds the decoder enforces before it allocates, so that a hostile frame cannot
/// make a replica allocate more than these allow ("put a limit on everything").
public struct WireLimits: Sendable, Equatable {
    public var maxFrameBytes: Int
    public var maxOperationBytes: Int
    public var maxResultBytes: Int
    public var maxBatchRequests: Int
    public var maxVotesPerCertificate: Int
    public var maxPreparedCertificates: Int
    public var maxViewChanges: Int
    public var maxPrePreparesPerNewView: Int
    /// The largest checkpointed state (client table and service snapshot) a replica restores.
    public var maxSnapshotBytes: Int
    /// One STATE-CHUNK's bytes: a chunk travels in one frame, so this stays under the frame limit.
    public var maxChunkBytes: Int
    /// Chunks in one manifest: with `maxChunkBytes` this bounds the state a transfer can name.
    public var maxStateChunks: Int
    public var maxCommittedEntries: Int

    public init(
        maxFrameBytes: Int = 64 << 20,
        maxOperationBytes: Int = 64 << 10,
        maxResultBytes: Int = 64 << 10,
        maxBatchRequests: Int = 1024,
        maxVotesPerCertificate: Int = 128,
        maxPreparedCertificates: Int = 1024,
        maxViewChanges: Int = 128,
        maxPrePreparesPerNewView: Int = 1024,
        maxSnapshotBytes: Int = 1 << 30,
        maxChunkBytes: Int = 4 << 20,
        maxStateChunks: Int = 1 << 16,
        maxCommittedEntries: Int = 1024
    ) {
        self.maxFrameBytes = maxFrameBytes
        self.maxOperationBytes = maxOperationBytes
        self.maxResultBytes = maxResultBytes
        self.maxBatchRequests = maxBatchRequests
        self.maxVotesPerCertificate = maxVotesPerCertificate
        self.maxPreparedCertificates = maxPreparedCertificates
        self.maxViewChanges = maxViewChanges
        self.maxPrePreparesPerNewView = maxPrePreparesPerNewView
        self.maxSnapshotBytes = maxSnapshotBytes
        self.maxChunkBytes = maxChunkBytes
        self.maxStateChunks = maxStateChunks
        self.maxCommittedEntries = maxCommittedEntries
    }

    public static let standard = WireLimits()
}
