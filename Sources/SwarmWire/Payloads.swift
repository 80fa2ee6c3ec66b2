/// The protocol messages of PBFT (Castro and Liskov, TOCS 2002, sections 2 and 3), plus
/// state transfer, replies and evidence. Each payload names its sender inside the signed
/// bytes, so a signature can never be re-attributed to another replica.

/// REQUEST ⟨o, t, c⟩ (section 2.1): operation o, request id t (the paper's timestamp) and
/// the client c, signed by the client's key.
public struct ClientRequest: Hashable, Sendable {
    public var client: ClientKey
    public var requestID: UInt64
    /// A read-only request may be answered without ordering (section 5.1.3); the client
    /// falls back to ordered execution when replies disagree.
    public var readOnly: Bool
    public var operation: [UInt8]

    public init(client: ClientKey, requestID: UInt64, readOnly: Bool = false, operation: [UInt8]) {
        self.client = client
        self.requestID = requestID
        self.readOnly = readOnly
        self.operation = operation
    }
}

/// PRE-PREPARE ⟨v, n, d⟩ with the batch piggybacked (section 2.3, 5.1.4): the primary
/// assigns sequence n in view v to the batch whose digest is d. An empty batch is the
/// null request used to fill gaps in a new view.
public struct PrePrepare: Hashable, Sendable {
    public var sender: ReplicaID
    public var view: ViewNumber
    public var sequence: SequenceNumber
    public var digest: Digest
    /// Signed client request frames, in execution order.
    public var batch: [SignedMessage]

    public init(sender: ReplicaID, view: ViewNumber, sequence: SequenceNumber, digest: Digest, batch: [SignedMessage]) {
        self.sender = sender
        self.view = view
        self.sequence = sequence
        self.digest = digest
        self.batch = batch
    }
}

/// PREPARE ⟨v, n, d, i⟩ and COMMIT ⟨v, n, d, i⟩ carry the same fields; the phase is the
/// message kind, which is inside the signed bytes.
public struct Vote: Hashable, Sendable {
    public var sender: ReplicaID
    public var view: ViewNumber
    public var sequence: SequenceNumber
    public var digest: Digest

    public init(sender: ReplicaID, view: ViewNumber, sequence: SequenceNumber, digest: Digest) {
        self.sender = sender
        self.view = view
        self.sequence = sequence
        self.digest = digest
    }
}

/// CHECKPOINT ⟨n, d, i⟩ (section 2.4): replica i's digest of the service state after
/// executing sequence n.
public struct Checkpoint: Hashable, Sendable {
    public var sender: ReplicaID
    public var sequence: SequenceNumber
    public var stateDigest: Digest

    public init(sender: ReplicaID, sequence: SequenceNumber, stateDigest: Digest) {
        self.sender = sender
        self.sequence = sequence
        self.stateDigest = stateDigest
    }
}

/// A prepared certificate (section 2.3): a PRE-PREPARE and matching PREPAREs from
/// distinct backups, q signatures in all.
public struct PreparedCertificate: Hashable, Sendable {
    public var prePrepare: SignedMessage
    public var prepares: [SignedMessage]

    public init(prePrepare: SignedMessage, prepares: [SignedMessage]) {
        self.prePrepare = prePrepare
        self.prepares = prepares
    }
}

/// VIEW-CHANGE ⟨v+1, n, C, P, i⟩ (section 2.5): n is the sender's stable checkpoint, C
/// its proof (q CHECKPOINT messages), P the prepared certificates above n.
public struct ViewChange: Hashable, Sendable {
    public var sender: ReplicaID
    public var newView: ViewNumber
    public var stableSequence: SequenceNumber
    public var checkpointProof: [SignedMessage]
    public var prepared: [PreparedCertificate]

    public init(sender: ReplicaID, newView: ViewNumber, stableSequence: SequenceNumber, checkpointProof: [SignedMessage], prepared: [PreparedCertificate]) {
        self.sender = sender
        self.newView = newView
        self.stableSequence = stableSequence
        self.checkpointProof = checkpointProof
        self.prepared = prepared
    }
}

/// NEW-VIEW ⟨v+1, V, O⟩ (section 2.5): V holds q VIEW-CHANGE messages, O the
/// PRE-PREPAREs for the new view that every backup recomputes from V and checks.
public struct NewView: Hashable, Sendable {
    public var sender: ReplicaID
    public var view: ViewNumber
    public var viewChanges: [SignedMessage]
    public var prePrepares: [SignedMessage]

    public init(sender: ReplicaID, view: ViewNumber, viewChanges: [SignedMessage], prePrepares: [SignedMessage]) {
        self.sender = sender
        self.view = view
        self.viewChanges = viewChanges
        self.prePrepares = prePrepares
    }
}

/// Asks another replica for the state at its latest stable checkpoint and the committed
/// batches after it, because the sender fell behind (section 5.3.2).
public struct StateRequest: Hashable, Sendable {
    public var sender: ReplicaID
    /// The highest sequence the sender has executed.
    public var lastExecuted: SequenceNumber
    /// Echoed in the response so that stale responses are recognised.
    public var nonce: UInt64

    public init(sender: ReplicaID, lastExecuted: SequenceNumber, nonce: UInt64) {
        self.sender = sender
        self.lastExecuted = lastExecuted
        self.nonce = nonce
    }
}

/// A batch proved committed: its PRE-PREPARE and q matching COMMITs.
public struct CommittedEntry: Hashable, Sendable {
    public var prePrepare: SignedMessage
    public var commits: [SignedMessage]

    public init(prePrepare: SignedMessage, commits: [SignedMessage]) {
        self.prePrepare = prePrepare
        self.commits = commits
    }
}

/// The partition tree of a checkpointed state (section 5.3.2): the state's bytes cut into
/// chunks of `chunkBytes` (the last one shorter), each named by its digest. The checkpoint's
/// state digest is the digest of this manifest, so q signed CHECKPOINTs certify every chunk,
/// and a lagging replica can fetch chunks from any replica and check each one alone.
public struct StateManifest: Hashable, Sendable {
    public var totalBytes: UInt64
    public var chunkBytes: UInt32
    public var chunkDigests: [Digest]

    public init(totalBytes: UInt64, chunkBytes: UInt32, chunkDigests: [Digest]) {
        self.totalBytes = totalBytes
        self.chunkBytes = chunkBytes
        self.chunkDigests = chunkDigests
    }

    /// The bytes whose digest is the state digest; the tag keeps a manifest from ever
    /// being read as a chunk or any other digested value.
    public var encoded: [UInt8] {
        var writer = ByteWriter(capacity: 32 + chunkDigests.count * Digest.byteCount)
        writer.raw(Array("swarmbft-state-manifest-v1".utf8))
        writer.u64(totalBytes)
        writer.u32(chunkBytes)
        writer.u32(UInt32(chunkDigests.count))
        for digest in chunkDigests { writer.digest(digest) }
        return writer.bytes
    }

    /// The byte range of chunk `index` in the state; nil when the manifest is not well formed
    /// (received manifests are input: the count must match the sizes exactly).
    public func range(of index: Int) -> Range<Int>? {
        guard isWellFormed, index >= 0, index < chunkDigests.count else { return nil }
        let start = index * Int(chunkBytes)
        return start ..< min(start + Int(chunkBytes), Int(totalBytes))
    }

    /// One chunk per started `chunkBytes` and no empty chunk: a state of 0 bytes has none.
    public var isWellFormed: Bool {
        guard chunkBytes > 0, totalBytes <= UInt64(Int.max / 2) else { return false }
        let expected = (totalBytes + UInt64(chunkBytes) - 1) / UInt64(chunkBytes)
        return UInt64(chunkDigests.count) == expected
    }
}

/// The answer to a `StateRequest`: the manifest of a checkpointed state, proved by q
/// CHECKPOINT messages whose digest is the manifest's, then committed batches after the
/// checkpoint, each with its proof. The chunks themselves travel as STATE-CHUNKs. No
/// manifest means "no newer checkpoint than yours; entries only".
public struct StateResponse: Hashable, Sendable {
    public var sender: ReplicaID
    public var nonce: UInt64
    public var checkpointSequence: SequenceNumber
    public var checkpointProof: [SignedMessage]
    public var manifest: StateManifest?
    public var entries: [CommittedEntry]

    public init(sender: ReplicaID, nonce: UInt64, checkpointSequence: SequenceNumber, checkpointProof: [SignedMessage], manifest: StateManifest?, entries: [CommittedEntry]) {
        self.sender = sender
        self.nonce = nonce
        self.checkpointSequence = checkpointSequence
        self.checkpointProof = checkpointProof
        self.manifest = manifest
        self.entries = entries
    }
}

/// Asks for one chunk of the state at a checkpoint, named by its index in the manifest.
public struct StateChunkRequest: Hashable, Sendable {
    public var sender: ReplicaID
    public var nonce: UInt64
    public var checkpointSequence: SequenceNumber
    public var index: UInt32

    public init(sender: ReplicaID, nonce: UInt64, checkpointSequence: SequenceNumber, index: UInt32) {
        self.sender = sender
        self.nonce = nonce
        self.checkpointSequence = checkpointSequence
        self.index = index
    }
}

/// One chunk of a checkpointed state; the requester checks it against the digest its
/// certified manifest names for `index`, so the sender need not be trusted.
public struct StateChunk: Hashable, Sendable {
    public var sender: ReplicaID
    public var nonce: UInt64
    public var checkpointSequence: SequenceNumber
    public var index: UInt32
    public var bytes: [UInt8]

    public init(sender: ReplicaID, nonce: UInt64, checkpointSequence: SequenceNumber, index: UInt32, bytes: [UInt8]) {
        self.sender = sender
        self.nonce = nonce
        self.checkpointSequence = checkpointSequence
        self.index = index
        self.bytes = bytes
    }
}

/// REPLY ⟨v, t, c, i, r⟩ (section 2.1); f + 1 matching replies prove a result; a client waits for q (Configuration.writeQuorum).
public struct Reply: Hashable, Sendable {
    public var sender: ReplicaID
    public var view: ViewNumber
    public var client: ClientKey
    public var requestID: UInt64
    public var result: [UInt8]

    public init(sender: ReplicaID, view: ViewNumber, client: ClientKey, requestID: UInt64, result: [UInt8]) {
        self.sender = sender
        self.view = view
        self.client = client
        self.requestID = requestID
        self.result = result
    }
}

/// Proof of equivocation: two signed messages from one replica for the same
/// (view, sequence, phase) that differ. Anyone can check it offline with the replica's
/// public key alone.
public struct Evidence: Hashable, Sendable {
    public var reporter: ReplicaID
    public var first: SignedMessage
    public var second: SignedMessage

    public init(reporter: ReplicaID, first: SignedMessage, second: SignedMessage) {
        self.reporter = reporter
        self.first = first
        self.second = second
    }
}
