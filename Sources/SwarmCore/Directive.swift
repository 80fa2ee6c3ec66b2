import SwarmWire

/// What the instance asks its shell to do. A handler returns an ordered list, and the
/// order is an obligation:
///
/// - A `.persist` MUST be on stable storage before any directive after it is performed
///   (the replica's own signed messages, its view and its certificates are durable before
///   anyone can see them, so a restarted replica never contradicts itself: S4).
/// - Everything else may be performed as soon as the persists before it are durable.
///
/// That is the whole contract, and the core is correct under exactly it: a shell may
/// crash between any two directives (the simulator cuts lists anywhere), and whatever
/// follows the cut was never performed. Syncing a whole list's persists before its first
/// send (the node's group commit) is an optimisation, never something safety relies on.
/// Records that belong together are ordered so that every prefix restarts correctly
/// (view record then VIEW-CHANGE; NEW-VIEW then view record: Replica+Recovery.swift).
public enum Directive: Sendable, Equatable {
    /// Write `record` durably (append and fsync) before performing later directives.
    case persist(DurableRecord)
    /// Send to every other replica.
    case broadcast(SignedMessage)
    /// Send to one replica.
    case send(SignedMessage, to: ReplicaID)
    /// Sign this reply with the replica's key and send it to the client. Signing is left
    /// to the shell, which holds the key (the node signs on its owner thread).
    case reply(Reply, readOnly: Bool)
    /// A batch was executed at `sequence`; for observers, checkers and metrics.
    case executed(ExecutedBatch)
    /// The replica entered `view` in normal operation (after NEW-VIEW, or at start).
    case enteredView(ViewNumber)
    /// A checkpoint became stable: the log at and below `sequence` was discarded.
    case stableCheckpoint(sequence: SequenceNumber, stateDigest: Digest)
    /// Something a security monitor or an operator should know.
    case alert(Alert)
}

/// One executed batch.
public struct ExecutedBatch: Sendable, Equatable {
    public var sequence: SequenceNumber
    public var view: ViewNumber
    public var digest: Digest
    /// The requests that ran (duplicates of already executed requests are skipped and not listed).
    public var requests: [ClientRequest]
    /// True while replaying the durable log after a restart or applying state transfer entries.
    public var recovered: Bool
}

/// Security-relevant observations of the instance.
public enum Alert: Sendable, Equatable {
    /// Two conflicting signed messages from one replica: self-verifying proof.
    case equivocation(Evidence)
    /// A message whose signature did not verify for the sender it names.
    case invalidSignature(kind: MessageKind, claimedSender: ReplicaID?)
    /// The primary proposed something invalid (bad digest, bad request, out of window).
    case invalidProposal(primary: ReplicaID, view: ViewNumber, sequence: SequenceNumber, reason: String)
    /// A NEW-VIEW or VIEW-CHANGE failed validation.
    case invalidViewChange(sender: ReplicaID, view: ViewNumber, reason: String)
    /// This replica started a view change.
    case viewChangeStarted(to: ViewNumber, reason: ViewChangeReason)
    /// This replica's state digest differs from a certified checkpoint.
    case divergedFromCheckpoint(sequence: SequenceNumber)
    case stateTransferStarted(from: ReplicaID, lastExecuted: SequenceNumber)
    case stateTransferCompleted(lastExecuted: SequenceNumber)
    /// A replica answered a chunk request with bytes that are not the certified chunk.
    case invalidStateChunk(sender: ReplicaID, sequence: SequenceNumber, index: UInt32)
    /// Equivocation evidence verified against this cluster and the replicas' keys, against a
    /// replica not yet quarantined (the protection level's response follows).
    case evidenceVerified(SignedSlot, cause: QuarantineCause)
    /// A quarantine was applied or refused (Replica+Defenses.swift).
    case quarantine(ReplicaID, QuarantineOutcome, cause: QuarantineCause)
    /// Equivocation proven, but the protection level records evidence only.
    case evidenceRecorded(SignedSlot)
    /// An admin's ordered release took effect at this sequence.
    case released(ReplicaID)
}

public enum ViewChangeReason: String, Sendable, Equatable {
    case requestTimeout = "a request waited longer than the request timeout"
    case newViewTimeout = "no valid NEW-VIEW arrived in time"
    case joinedHigherView = "f + 1 replicas moved to a higher view"
    case primaryEquivocated = "the primary equivocated"
    case requested = "an operator or monitor requested it"
    case restarted = "it restarted in a view change whose VIEW-CHANGE it had not yet sent"
}
