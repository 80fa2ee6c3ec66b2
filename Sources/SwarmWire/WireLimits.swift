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
    public var maxSnapshotBytes: Int
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
        maxSnapshotBytes: Int = 48 << 20,
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
        self.maxCommittedEntries = maxCommittedEntries
    }

    public static let standard = WireLimits()
}
