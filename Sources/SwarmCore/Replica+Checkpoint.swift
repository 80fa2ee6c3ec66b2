import SwarmWire

extension Replica {
    /// Every K sequences a replica signs the digest of its state (section 2.4). The
    /// snapshot is kept until the checkpoint is stable, for state transfer.
    mutating func takeCheckpoint(_ sequence: SequenceNumber, _ out: inout [Directive]) {
        precondition(sequence == lastExecuted, "a checkpoint is of the state just after `sequence`")
        let snapshot = ReplicaSnapshot.encode(clients: clients, service: service, orderedQuarantine: orderedQuarantine)
        let manifest = stateManifest(of: snapshot)
        let digest = stateDigest(of: manifest)
        ownCheckpoints[sequence] = OwnCheckpoint(digest: digest, manifest: manifest, snapshot: snapshot)
        let checkpoint = sign(.checkpoint(Checkpoint(sender: id, sequence: sequence, stateDigest: digest)))
        checkpointVotes[sequence, default: [:]][id] = checkpoint
        out.append(.broadcast(checkpoint))
        checkStable(sequence, &out)
    }

    /// CHECKPOINT: kept once per sender and sequence within the window; a second,
    /// different one for the same sequence is equivocation.
    mutating func onCheckpoint(_ message: SignedMessage, _ m: Checkpoint, _ out: inout [Directive]) {
        guard m.sequence % configuration.checkpointInterval == 0, m.sequence > 0 else {
            metrics.drop(.invalidCheckpoint)
            return
        }
        guard m.sequence > stable.sequence else { metrics.drop(.staleView); return }
        peerProgress[m.sender] = max(peerProgress[m.sender] ?? 0, m.sequence)
        // Checkpoints beyond the window only feed lag detection: storing them would let a
        // replica fill our memory with far-future checkpoints.
        guard m.sequence <= highWatermark + configuration.watermarkWindow else {
            metrics.drop(.outsideWatermarks)
            return
        }
        if let existing = checkpointVotes[m.sequence]?[m.sender] {
            if existing.payload != message.payload { reportEquivocation(existing, message, &out) } else { metrics.drop(.duplicate) }
            return
        }
        checkpointVotes[m.sequence, default: [:]][m.sender] = message
        checkStable(m.sequence, &out)
    }

    /// A checkpoint with q matching CHECKPOINT messages is stable (section 2.4). If this
    /// replica has not reached it, or reached a different state, it fetches the state.
    mutating func checkStable(_ sequence: SequenceNumber, _ out: inout [Directive]) {
        guard sequence > stable.sequence, let votes = checkpointVotes[sequence] else { return }
        var byDigest: [Digest: [SignedMessage]] = [:]
        for sender in votes.keys.sorted() {
            guard case let .checkpoint(m) = votes[sender]!.payload else { continue }
            byDigest[m.stateDigest, default: []].append(votes[sender]!)
        }
        guard let (digest, proof) = byDigest.first(where: { $0.value.count >= configuration.quorum }) else { return }
        if let own = ownCheckpoints[sequence] {
            if own.digest == digest {
                makeStable(
                    StableCheckpoint(sequence: sequence, stateDigest: digest, proof: Array(proof.prefix(configuration.quorum)), snapshot: own.snapshot), manifest: own.manifest,
                    &out)
            } else {
                out.append(.alert(.divergedFromCheckpoint(sequence: sequence)))
                startStateTransfer(candidates: proof.compactMap(\.payload.replicaSender), &out)
            }
        } else if lastExecuted < sequence {
            supersedeChunkFetch(olderThan: sequence)
            startStateTransfer(candidates: proof.compactMap(\.payload.replicaSender), &out)
        }
    }

    /// Moves the low watermark to a stable checkpoint and discards the log at and below it.
    mutating func makeStable(_ checkpoint: StableCheckpoint, manifest: StateManifest, propose: Bool = true, _ out: inout [Directive]) {
        precondition(checkpoint.sequence > stable.sequence, "stable checkpoints only move forward")
        precondition(checkpoint.sequence <= lastExecuted, "a stable checkpoint this replica has not reached needs state transfer")
        stable = checkpoint
        stableManifest = manifest
        // Chunks of a given-up transfer are kept for the next one; once a newer state is
        // stable here they are of no more use and may hold up to a whole state.
        abandonedChunks = [:]
        out.append(.persist(.stableCheckpoint(checkpoint)))
        out.append(.stableCheckpoint(sequence: checkpoint.sequence, stateDigest: checkpoint.stateDigest))
        slots = slots.filter { $0.key > checkpoint.sequence }
        ownCheckpoints = ownCheckpoints.filter { $0.key > checkpoint.sequence }
        checkpointVotes = checkpointVotes.filter { $0.key > checkpoint.sequence }
        if lastAssigned < checkpoint.sequence { lastAssigned = checkpoint.sequence }
        if propose, isPrimary, status == .normal { proposeBatches(&out, force: false) }
    }

    /// Verifies a checkpoint proof: q CHECKPOINT messages from distinct replicas for the
    /// same sequence and state digest, each validly signed. Returns the digest.
    func verifyCheckpointProof(_ proof: [SignedMessage], sequence: SequenceNumber) -> Digest? {
        var senders = Set<ReplicaID>()
        var digest: Digest?
        for message in proof {
            guard case let .checkpoint(m) = message.payload, m.sequence == sequence,
                configuration.isReplica(m.sender), authentic(message)
            else { return nil }
            if let digest, digest != m.stateDigest { return nil }
            digest = m.stateDigest
            senders.insert(m.sender)
        }
        guard senders.count >= configuration.quorum else { return nil }
        return digest
    }
}
