import SwarmWire

/// The instance's durable log (section 4.2 of the TOCS paper: what a replica must keep to
/// recover without contradicting itself).
public enum DurableRecord: Sendable, Equatable {
    /// The replica moved to `view`; `changing` while it waits for NEW-VIEW.
    case view(ViewNumber, changing: Bool)
    /// A message this replica signed: PRE-PREPARE, PREPARE, COMMIT, CHECKPOINT,
    /// VIEW-CHANGE or NEW-VIEW. Persisted before it is sent.
    case signed(SignedMessage)
    /// A PRE-PREPARE accepted from the primary, persisted before this replica's PREPARE.
    case accepted(SignedMessage)
    /// A prepared certificate, persisted before this replica's COMMIT, so that a restart
    /// cannot lose what a later view change must carry.
    case prepared(PreparedCertificate)
    /// A committed batch with its commit certificate, persisted before it is executed.
    case committed(CommittedEntry)
    /// A stable checkpoint with its proof and the state snapshot; everything at or below
    /// its sequence may be discarded.
    case stableCheckpoint(StableCheckpoint)
    /// The replicas this one ignores (at most f, never itself), the whole set each time it
    /// changes: a quarantine is protocol state, so it outlives a restart like a view does.
    case quarantined([ReplicaID])
    /// The NEW-VIEW a backup accepted, persisted before it enters the view: a restart
    /// between the two re-enters the view with this NEW-VIEW (and can forward it), instead
    /// of waiting in a view change nobody else is in (issue 14, defect E). A primary's own
    /// NEW-VIEW is a `.signed` record and serves the same way.
    case enteredNewView(SignedMessage)
}

/// A checkpoint proved stable by q matching signed CHECKPOINT messages.
public struct StableCheckpoint: Sendable, Equatable {
    public var sequence: SequenceNumber
    public var stateDigest: Digest
    public var proof: [SignedMessage]
    /// The replica snapshot (client table and service state) whose digest is `stateDigest`.
    public var snapshot: [UInt8]

    public init(sequence: SequenceNumber, stateDigest: Digest, proof: [SignedMessage], snapshot: [UInt8]) {
        self.sequence = sequence
        self.stateDigest = stateDigest
        self.proof = proof
        self.snapshot = snapshot
    }
}

/// The durable log folded into what a restart needs. The replica node's write-ahead log and
/// the simulator's storage both fold records through `apply`, so recovery is one code path.
public struct DurableState: Sendable, Equatable {
    public private(set) var view: ViewNumber = 0
    public private(set) var changing = false
    public private(set) var stable: StableCheckpoint?
    /// Own signed messages above the stable checkpoint, keyed so that a later signature for
    /// the same slot replaces nothing: there must never be two.
    public private(set) var signed: [SignedMessage] = []
    public private(set) var accepted: [SequenceNumber: SignedMessage] = [:]
    public private(set) var prepared: [SequenceNumber: PreparedCertificate] = [:]
    public private(set) var committed: [SequenceNumber: CommittedEntry] = [:]
    /// Sorted, distinct.
    public private(set) var quarantined: [ReplicaID] = []
    /// The latest NEW-VIEW accepted from a primary (`.enteredNewView`).
    public private(set) var enteredNewView: SignedMessage?

    public init() {}

    public var isEmpty: Bool { self == DurableState() }

    /// Fills in the snapshot of the stable checkpoint, for a log that keeps snapshots
    /// apart (DurableRecordCodec.Tag.stableCheckpointApart).
    public mutating func attachSnapshot(_ snapshot: [UInt8]) {
        precondition(stable != nil, "a snapshot belongs to a stable checkpoint")
        stable!.snapshot = snapshot
    }

    public mutating func apply(_ record: DurableRecord) {
        switch record {
        case let .view(view, changing):
            if view > self.view {
                // Messages of older views can never be signed again: views only grow.
                signed.removeAll { message in
                    switch message.payload {
                    case let .prePrepare(m): m.view < view
                    case let .prepare(m), let .commit(m): m.view < view
                    case let .viewChange(m): m.newView < view
                    case let .newView(m): m.view < view
                    default: false
                    }
                }
            }
            if let entered = enteredNewView, case let .newView(m) = entered.payload, m.view < view { enteredNewView = nil }
            self.view = view
            self.changing = changing
        case let .signed(message):
            signed.append(message)
        case let .accepted(message):
            guard case let .prePrepare(m) = message.payload else { preconditionFailure("accepted record must hold a PRE-PREPARE") }
            accepted[m.sequence] = message
        case let .prepared(certificate):
            guard case let .prePrepare(m) = certificate.prePrepare.payload else { preconditionFailure("prepared certificate without PRE-PREPARE") }
            if let existing = prepared[m.sequence], case let .prePrepare(old) = existing.prePrepare.payload, old.view > m.view { return }
            prepared[m.sequence] = certificate
        case let .committed(entry):
            guard case let .prePrepare(m) = entry.prePrepare.payload else { preconditionFailure("committed entry without PRE-PREPARE") }
            committed[m.sequence] = entry
        case let .stableCheckpoint(checkpoint):
            if let stable, stable.sequence >= checkpoint.sequence { return }
            stable = checkpoint
            let floor = checkpoint.sequence
            signed.removeAll { message in
                switch message.payload {
                case let .prePrepare(m): m.sequence <= floor
                case let .prepare(m): m.sequence <= floor
                // The COMMIT of the checkpoint's own sequence stays: an idle replica's
                // heartbeat after a restart, the one message it signed that names its view
                // (Replica+Retransmit.swift; simulator seed 7458).
                case let .commit(m): m.sequence < floor
                case let .checkpoint(m): m.sequence <= floor
                default: false
                }
            }
            accepted = accepted.filter { $0.key > floor }
            prepared = prepared.filter { $0.key > floor }
            committed = committed.filter { $0.key > floor }
        case let .quarantined(replicas):
            quarantined = Array(Set(replicas)).sorted()
        case let .enteredNewView(message):
            guard case let .newView(m) = message.payload else { preconditionFailure("an entered NEW-VIEW record holds a \(message.kind)") }
            if let current = enteredNewView, case let .newView(old) = current.payload, old.view >= m.view { return }
            enteredNewView = message
        }
    }
}
