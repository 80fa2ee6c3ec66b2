import SwarmCore
import SwarmWire

/// An invariant broken in a run.
public struct Violation: Sendable, CustomStringConvertible, Equatable {
    public enum Invariant: String, Sendable {
        case agreement = "S1 agreement"
        case validity = "S2 validity"
        case durability = "S3 durability"
        case selfEquivocation = "S4 no self-equivocation"
        case viewDecreased = "view never decreases"
        case bound = "bounded log"
        case quarantinedCorrect = "no correct replica quarantined by a correct one"
        case quarantineBound = "at most f quarantined"
        case liveness = "L1 liveness"
        case staleRead = "S5 reads see completed writes"
    }

    public var invariant: Invariant
    public var time: Int
    public var detail: String

    public var description: String { "\(invariant.rawValue) at t=\(time): \(detail)" }
}

/// Checks S1–S4 and the bounds on every step of a run (ACCEPTANCE invariants), over the
/// correct replicas only: Byzantine replicas and both copies of a twin are faulty.
struct Checker {
    struct SignedKey: Hashable {
        var replica: ReplicaID
        var kind: MessageKind
        var view: ViewNumber
        var sequence: SequenceNumber
    }

    let configuration: Configuration
    let verifier: any ProtocolCrypto
    /// Neither Byzantine nor a twin.
    let correctIDs: Set<ReplicaID>
    var violations: [Violation] = []
    /// S1: the digest executed at each sequence by any correct replica.
    var decided: [SequenceNumber: Digest] = [:]
    var checkpointDigests: [SequenceNumber: Digest] = [:]
    /// S2: requests the clients really issued, and where each one executed.
    var issued: [RequestKey: [UInt8]] = [:]
    /// Per node, the ordered quarantines its replica holds (correct replicas only).
    var orderedQuarantineByNode: [Int: Set<ReplicaID>] = [:]
    var executedAt: [RequestKey: SequenceNumber] = [:]
    /// The operations the Byzantine client signed under each request id (two for some).
    var issuedByByzantineClient: [RequestKey: Set<[UInt8]>] = [:]
    /// Its place in the batch: a batch holds several writes, applied in order.
    var positionInBatch: [RequestKey: Int] = [:]
    /// S3: the results correct replicas computed; clients' accepted results must match.
    var correctResults: [RequestKey: [UInt8]] = [:]
    /// S4: what each correct replica signed per (view, sequence, phase).
    var signedByCorrect: [SignedKey: Payload] = [:]
    var highestView: [Int: ViewNumber] = [:]
    /// S5: each read-only request's key and the sequence every state it may see follows
    /// (the last ordered request any client had accepted when it was issued).
    var reads: [RequestKey: (memoryKey: [UInt8], after: SequenceNumber)] = [:]
    /// The highest sequence of an ordered request some client accepted.
    var acceptedThrough: SequenceNumber = 0

    mutating func fail(_ invariant: Violation.Invariant, _ time: Int, _ detail: String) {
        if violations.count < 20 { violations.append(Violation(invariant: invariant, time: time, detail: detail)) }
    }

    mutating func onExecuted(_ batch: ExecutedBatch, replica: ReplicaID, time: Int) {
        if let digest = decided[batch.sequence], digest != batch.digest {
            fail(.agreement, time, "replica \(replica) executed \(batch.digest) at sequence \(batch.sequence), another correct replica executed \(digest)")
        }
        decided[batch.sequence] = batch.digest
        for (index, request) in batch.requests.enumerated() {
            let key = RequestKey(client: request.client, requestID: request.requestID)
            positionInBatch[key] = index
            if issued[key] != request.operation, !(issuedByByzantineClient[key]?.contains(request.operation) ?? false) {
                fail(.validity, time, "replica \(replica) executed request \(request.requestID) of client \(request.client) that no client issued")
            }
            if let sequence = executedAt[key], sequence != batch.sequence {
                fail(.validity, time, "request \(request.requestID) of client \(request.client) executed at \(sequence) and again at \(batch.sequence)")
            }
            executedAt[key] = batch.sequence
        }
    }

    /// S1 on the committed log as well: a correct replica never commits a batch other than
    /// the one another correct replica executed or committed at that sequence.
    mutating func onCommitted(_ entry: CommittedEntry, replica: ReplicaID, time: Int) {
        guard case let .prePrepare(m) = entry.prePrepare.payload else { return }
        if let digest = decided[m.sequence], digest != m.digest {
            fail(.agreement, time, "replica \(replica) committed \(m.digest) at sequence \(m.sequence), another correct replica decided \(digest)")
        }
        decided[m.sequence] = m.digest
    }

    mutating func onStableCheckpoint(_ sequence: SequenceNumber, _ digest: Digest, replica: ReplicaID, time: Int) {
        if let existing = checkpointDigests[sequence], existing != digest {
            fail(.agreement, time, "replica \(replica) has stable checkpoint \(sequence) with state \(digest), another correct replica has \(existing)")
        }
        checkpointDigests[sequence] = digest
    }

    mutating func onReply(_ reply: Reply, time: Int) {
        correctResults[RequestKey(client: reply.client, requestID: reply.requestID)] = reply.result
    }

    mutating func onSent(_ message: SignedMessage, replica: ReplicaID, time: Int) {
        // Relayed messages (heartbeats, certificates) were signed by someone else.
        guard message.payload.replicaSender == replica else { return }
        let key: SignedKey
        switch message.payload {
        case let .prePrepare(m): key = SignedKey(replica: replica, kind: .prePrepare, view: m.view, sequence: m.sequence)
        case let .prepare(m): key = SignedKey(replica: replica, kind: .prepare, view: m.view, sequence: m.sequence)
        case let .commit(m): key = SignedKey(replica: replica, kind: .commit, view: m.view, sequence: m.sequence)
        case let .viewChange(m): key = SignedKey(replica: replica, kind: .viewChange, view: m.newView, sequence: 0)
        case let .checkpoint(m): key = SignedKey(replica: replica, kind: .checkpoint, view: 0, sequence: m.sequence)
        case let .newView(m):
            // A NEW-VIEW is one signed message for its view, and the PRE-PREPAREs of O inside
            // it are the new primary's for their slots: the same as any it sends alone
            // (defect A: a restarted new primary signed a second NEW-VIEW with another O).
            key = SignedKey(replica: replica, kind: .newView, view: m.view, sequence: 0)
            for prePrepare in m.prePrepares { onSent(prePrepare, replica: replica, time: time) }
        default: return
        }
        if let existing = signedByCorrect[key], existing != message.payload {
            fail(.selfEquivocation, time, "correct replica \(replica) signed two different \(message.kind) for view \(key.view) sequence \(key.sequence)")
        }
        signedByCorrect[key] = message.payload
    }

    mutating func onStep<S: ReplicatedService>(_ replica: Replica<S>, node: Int, time: Int) {
        if let previous = highestView[node], replica.view < previous {
            fail(.viewDecreased, time, "replica \(replica.id) went from view \(previous) back to \(replica.view)")
        }
        highestView[node] = max(highestView[node] ?? 0, replica.view)
        // Judged by the cluster's window L, not the replica's own idea of it: a replica
        // with a wider window must be caught too (PlantedFault.windowBeyondWatermarks).
        let highWatermark = replica.lowWatermark + configuration.watermarkWindow
        if let range = replica.logSequenceRange, range.upperBound > highWatermark || range.lowerBound <= replica.lowWatermark {
            fail(.bound, time, "replica \(replica.id) keeps log entries \(range) outside (\(replica.lowWatermark), \(highWatermark)]")
        }
        // Quarantine is only ever for proven faults, and never more than f (Replica+Defenses.swift).
        if let honest = replica.quarantined.intersection(correctIDs).min() {
            fail(.quarantinedCorrect, time, "correct replica \(replica.id) quarantined correct replica \(honest)")
        }
        if replica.quarantined.count > configuration.faultTolerance {
            fail(.quarantineBound, time, "replica \(replica.id) quarantined \(replica.quarantined.sorted()), more than f = \(configuration.faultTolerance)")
        }
        // Cluster-wide (issue 15, finding 7): the replicas that correct replicas hold
        // ordered quarantined right now are at most f together — orders execute in sequence.
        if correctIDs.contains(replica.id) {
            orderedQuarantineByNode[node] = replica.orderedQuarantine
            let union = orderedQuarantineByNode.values.reduce(into: Set<ReplicaID>()) { $0.formUnion($1) }
            if union.count > configuration.faultTolerance {
                fail(.quarantineBound, time, "correct replicas hold ordered quarantines of \(union.sorted()), more than f = \(configuration.faultTolerance)")
            }
        }
    }

    /// S3: a result a client accepted on q matching replies is what correct replicas
    /// computed, and it is in the history.
    mutating func onClientAccepted(_ key: RequestKey, result: [UInt8], time: Int) {
        guard reads[key] == nil else { return }
        if let correct = correctResults[key], correct != result {
            fail(.durability, time, "client \(key.client) accepted a result for request \(key.requestID) that no correct replica computed")
        }
        if executedAt[key] == nil, correctResults[key] == nil {
            fail(.durability, time, "client \(key.client) accepted request \(key.requestID) that no correct replica executed")
        }
    }
}
