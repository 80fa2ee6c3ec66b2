import SwarmWire

/// One PBFT replica as a value: the protocol state of section 4 of the TOCS paper and
/// nothing else. Feed it with `receive(_:)` and `tick()`; perform what they return.
///
/// The instance never trusts its input: every message is authenticated through the
/// injected `ProtocolCrypto`, checked against the watermarks and the current view, and
/// deduplicated by (sender, view, sequence, phase); what fails is dropped and counted in
/// `metrics`. It traps only on its own programming errors (violated preconditions).
public struct Replica<Service: ReplicatedService>: Sendable {
    public enum Status: Sendable, Equatable {
        /// Normal-case operation in `view`.
        case normal
        /// Waiting for NEW-VIEW for `view` (section 2.5).
        case changingView
    }

    public let configuration: Configuration
    public let id: ReplicaID
    let crypto: any ProtocolCrypto
    public internal(set) var service: Service

    /// Logical time: the number of ticks seen.
    public internal(set) var now = 0

    public internal(set) var view: ViewNumber = 0
    public internal(set) var status: Status = .normal

    /// h, the sequence of the last stable checkpoint.
    public var lowWatermark: SequenceNumber { stable.sequence }
    public internal(set) var stable: StableCheckpoint
    /// The partition tree of `stable.snapshot`; its digest is `stable.stateDigest`.
    public internal(set) var stableManifest: StateManifest
    /// Verified chunks of a transfer given up (its responders moved on); the next transfer
    /// reuses them. At most one state's chunks.
    var abandonedChunks: [Digest: [UInt8]] = [:]
    public internal(set) var lastExecuted: SequenceNumber = 0
    /// The highest sequence this replica assigned as primary in the current view.
    var lastAssigned: SequenceNumber = 0
    var slots: [SequenceNumber: Slot] = [:]
    /// Snapshots of checkpoints this replica reached that are not yet stable.
    var ownCheckpoints: [SequenceNumber: OwnCheckpoint] = [:]
    var checkpointVotes: [SequenceNumber: [ReplicaID: SignedMessage]] = [:]
    /// The highest sequence each replica has shown (by a valid COMMIT or CHECKPOINT) that
    /// it reached; f + 1 replicas ahead of us for long means we must fetch state.
    var peerProgress: [ReplicaID: SequenceNumber] = [:]

    var clients: [ClientKey: ClientRecord] = [:]
    var pool = RequestPool()

    /// VIEW-CHANGEs received, per sender the two of the highest views (bounded: a flood of
    /// view changes costs no memory). The latest counts for the join rule and the timer;
    /// the one for exactly the view being entered counts for NEW-VIEW.
    var viewChangeMessages: [ReplicaID: [SignedMessage]] = [:]
    var ownViewChange: SignedMessage?
    /// The last COMMIT this replica signed: its heartbeat once the slot is collected.
    var lastOwnCommit: SignedMessage?
    /// The NEW-VIEW that started the current view, kept to help replicas that missed it.
    var currentNewView: SignedMessage?
    /// Restored from the log: the NEW-VIEW this replica had sent or accepted when it
    /// crashed before its view record; `recover()` re-enters the view with exactly it.
    var reenteringNewView: SignedMessage?
    var viewChangeTimeoutTicks: Int
    var viewChangeDeadline: Int?
    var requestDeadline: Int?
    var nextRetransmitTick: Int
    var stateTransfer: StateTransferProgress?
    var lastProgressTick = 0
    var nonceCounter: UInt64 = 0
    var newViewForwardedTick: [ReplicaID: Int] = [:]
    var stateResponseTick: [ReplicaID: Int] = [:]
    /// Chunks answered per requester in the current tick (bounded: one entry per replica).
    var chunksServed: [ReplicaID: (tick: Int, count: Int)] = [:]
    /// Per replica, the highest view of a validly signed normal-case message it sent that
    /// was above ours (bounded: one entry per replica).
    var higherViewSeen: [ReplicaID: ViewNumber] = [:]
    /// Replicas whose messages are ignored (at most f; see Replica+Defenses.swift): the
    /// ones this replica proved faulty, then the ones an admin ordered, up to f.
    public internal(set) var quarantined = Set<ReplicaID>()
    /// Replicas this replica proved faulty itself (evidence it verified): local and durable.
    var provenQuarantine = Set<ReplicaID>()
    /// Replicas quarantined by an admin's `OrderedControl`, executed in sequence: part of
    /// the replicated state, so every correct replica holds the same set, at most f.
    public internal(set) var orderedQuarantine = Set<ReplicaID>()
    /// An ordered control executed: `settleQuarantine` applies it once the handler ends.
    var quarantineChanged = false
    /// Who suspects the primary of `view` (bounded: cleared with each view).
    var suspicion: (view: ViewNumber, requesters: Set<String>) = (0, [])
    /// Extra request-timeout ticks in force, drawn every `jitterPeriodTicks` from `jitterState`.
    public internal(set) var timeoutJitterTicks = 0
    var jitterState: UInt64 = 0
    /// Equivocation this replica proved while handling the current message; acted on (the
    /// protection level's quarantine) once the handler is done, so that a quarantine's
    /// view change never runs in the middle of another rule.
    var provenThisMessage: [Evidence] = []

    public internal(set) var metrics = ReplicaMetrics()

    /// A new replica at the genesis state: view 0, nothing executed.
    public init(configuration: Configuration, id: ReplicaID, crypto: any ProtocolCrypto, service: Service) {
        precondition(configuration.isReplica(id), "replica id \(id) outside 0..<\(configuration.replicaCount)")
        self.configuration = configuration
        self.id = id
        self.crypto = crypto
        self.service = service
        self.viewChangeTimeoutTicks = configuration.viewChangeTimeoutTicks
        self.nextRetransmitTick = configuration.retransmitTicks
        let snapshot = ReplicaSnapshot.encode(clients: [:], service: service)
        self.stable = StableCheckpoint(sequence: 0, stateDigest: Digest(bytes: [UInt8](repeating: 0, count: Digest.byteCount)), proof: [], snapshot: snapshot)
        self.stableManifest = StateManifest(totalBytes: 0, chunkBytes: UInt32(configuration.stateChunkBytes), chunkDigests: [])
        self.stableManifest = stateManifest(of: snapshot)
        self.stable.stateDigest = stateDigest(of: stableManifest)
    }

    public var primary: ReplicaID { configuration.primary(of: view) }
    public var isPrimary: Bool { primary == id }
    public var highWatermark: SequenceNumber { stable.sequence + configuration.watermarkWindow }

    /// The digest of this replica's current state (client table and service).
    public func currentStateDigest() -> Digest {
        stateDigest(of: stateManifest(of: ReplicaSnapshot.encode(clients: clients, service: service, orderedQuarantine: orderedQuarantine)))
    }

    /// Requests waiting at this replica (for status displays and tests).
    public var pendingRequestCount: Int { pool.count }
    public var isTransferringState: Bool { stateTransfer != nil }
}

struct OwnCheckpoint: Sendable {
    var digest: Digest
    var manifest: StateManifest
    var snapshot: [UInt8]
}

/// The last request executed for a client and its result: at-most-once execution and the
/// cached reply for retransmitted requests (section 2.1). Part of the checkpointed state.
struct ClientRecord: Sendable, Equatable {
    var lastRequestID: UInt64
    var lastResult: [UInt8]
}

/// The log entry for one sequence number.
struct Slot: Sendable {
    /// The PRE-PREPARE accepted in the current view.
    var prePrepare: SignedMessage?
    var digest: Digest?
    /// Votes of the current view, one per sender.
    var prepares: [ReplicaID: SignedMessage] = [:]
    var commits: [ReplicaID: SignedMessage] = [:]
    var preparedInView = false
    var sentCommit = false
    /// The prepared certificate of the highest view this replica prepared in.
    var certificate: PreparedCertificate?
    /// Set once the batch is committed; execution reads it.
    var committed: CommittedEntry?

    var certificateView: ViewNumber? {
        guard let certificate, case let .prePrepare(m) = certificate.prePrepare.payload else { return nil }
        return m.view
    }

    var batch: [SignedMessage]? {
        guard let prePrepare, case let .prePrepare(m) = prePrepare.payload else { return nil }
        return m.batch
    }

    mutating func resetVotesForNewView() {
        prePrepare = nil
        digest = nil
        prepares = [:]
        commits = [:]
        preparedInView = false
        sentCommit = false
    }
}

struct StateTransferProgress: Sendable {
    var nonce: UInt64
    var target: ReplicaID
    var deadline: Int
    var attempts: Int
    /// Set once a certified manifest arrived: the chunks still to fetch.
    var fetch: ChunkFetch?
}

/// A state being fetched chunk by chunk (Replica+StateChunks.swift). Bounded: at most one
/// manifest's chunks, `maxChunksInFlight` requests outstanding.
struct ChunkFetch: Sendable {
    struct Outstanding: Sendable {
        var source: ReplicaID
        var deadline: Int
    }

    var sequence: SequenceNumber
    var proof: [SignedMessage]
    var digest: Digest
    var manifest: StateManifest
    /// The committed batches after the checkpoint that came with the manifest; applied
    /// once the state is installed.
    var entries: [CommittedEntry]
    var entriesFrom: ReplicaID
    var chunks: [Int: [UInt8]] = [:]
    var missing: [Int]
    var outstanding: [Int: Outstanding] = [:]
    /// The replicas that signed the checkpoint (but us), the likeliest to hold its state.
    var sources: [ReplicaID]
    var nextSource = 0
    /// When the last verified chunk arrived (or the fetch began): no progress for a round
    /// of deadlines over every source gives the fetch up.
    var lastChunkTick = 0
    /// The fetch's overall deadline (set when it begins).
    var giveUpTick = Int.max
}

/// Counters of what the instance dropped and did; the shells export them.
public struct ReplicaMetrics: Sendable, Equatable {
    public enum DropReason: String, Sendable, CaseIterable {
        case invalidSignature, wrongCluster, notAReplica, outsideWatermarks, staleView, futureView
        case duplicate, notPrimary, badDigest, badRequest, poolFull, staleRequest
        case changingView, invalidViewChange, invalidNewView, invalidCheckpoint, invalidStateResponse
        case unexpected, byzantineEquivocation, quarantined, unregisteredClient
    }

    public var dropped: [DropReason: Int] = [:]
    public var executedBatches = 0
    public var executedRequests = 0
    public var viewChangesStarted = 0
    public var stateTransfers = 0
    /// Verified chunks (and their bytes) this replica fetched by state transfer.
    public var stateChunksFetched = 0
    public var stateBytesFetched = 0
    public var equivocationsSeen = 0

    public var droppedTotal: Int { dropped.values.reduce(0, +) }

    mutating func drop(_ reason: DropReason) { dropped[reason, default: 0] += 1 }
}

/// The key of a client request: at most one execution per (client, request id).
public struct RequestKey: Hashable, Sendable {
    public var client: ClientKey
    public var requestID: UInt64

    public init(client: ClientKey, requestID: UInt64) {
        self.client = client
        self.requestID = requestID
    }
}

/// Requests waiting to be ordered, at most one per client (a client has one outstanding
/// request at a time, section 2.1), in arrival order.
struct RequestPool: Sendable {
    struct Entry: Sendable {
        var message: SignedMessage
        var request: ClientRequest
        var arrival: UInt64
        var arrivalTick: Int
        var proposed: Bool
    }

    var entries: [ClientKey: Entry] = [:]
    var arrivals: UInt64 = 0

    var count: Int { entries.count }
    var isEmpty: Bool { entries.isEmpty }

    func contains(_ request: ClientRequest) -> Bool {
        entries[request.client]?.request.requestID == request.requestID
    }

    /// Adds or replaces the client's pending request; returns false if it is not newer.
    mutating func add(_ message: SignedMessage, _ request: ClientRequest, tick: Int) -> Bool {
        if let existing = entries[request.client], existing.request.requestID >= request.requestID { return false }
        arrivals += 1
        entries[request.client] = Entry(message: message, request: request, arrival: arrivals, arrivalTick: tick, proposed: false)
        return true
    }

    mutating func markProposed(_ request: ClientRequest) {
        if entries[request.client]?.request.requestID == request.requestID {
            entries[request.client]!.proposed = true
        }
    }

    mutating func executed(client: ClientKey, requestID: UInt64) {
        if let existing = entries[client], existing.request.requestID <= requestID {
            entries[client] = nil
        }
    }

    mutating func unmarkAllProposed() {
        for key in entries.keys { entries[key]!.proposed = false }
    }

    /// Unproposed requests in arrival order.
    func unproposed() -> [Entry] {
        entries.values.filter { !$0.proposed }.sorted { $0.arrival < $1.arrival }
    }

    var oldestUnproposedArrivalTick: Int? { entries.values.lazy.filter { !$0.proposed }.map(\.arrivalTick).min() }
}

extension Replica {
    /// The lowest and highest sequence the log holds an entry for.
    public var logSequenceRange: ClosedRange<SequenceNumber>? {
        guard let low = slots.keys.min(), let high = slots.keys.max() else { return nil }
        return low ... high
    }

    /// The id of the last request executed for `client`, if any (for checkers and status).
    public func lastExecutedRequestID(for client: ClientKey) -> UInt64? {
        clients[client]?.lastRequestID
    }
}
