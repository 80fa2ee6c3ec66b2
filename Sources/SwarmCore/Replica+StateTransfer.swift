import SwarmWire

extension Replica {
    /// Asks one of `candidates` for the state at its stable checkpoint and the committed
    /// batches after it (section 5.3.2), unless a transfer is already under way.
    mutating func startStateTransfer(candidates: [ReplicaID], _ out: inout [Directive]) {
        guard stateTransfer == nil else { return }
        let others = candidates.filter { $0 != id && configuration.isReplica($0) }
        let target = others.isEmpty ? (id + 1) % ReplicaID(configuration.replicaCount) : others[Int(nonceCounter % UInt64(others.count))]
        sendStateRequest(to: target, attempts: 0, &out)
    }

    mutating func sendStateRequest(to target: ReplicaID, attempts: Int, _ out: inout [Directive]) {
        precondition(target != id, "a replica does not fetch state from itself")
        nonceCounter += 1
        stateTransfer = StateTransferProgress(nonce: nonceCounter, target: target, deadline: now + configuration.stateTransferTimeoutTicks, attempts: attempts)
        metrics.stateTransfers += 1
        out.append(.send(sign(.stateRequest(StateRequest(sender: id, lastExecuted: lastExecuted, nonce: nonceCounter))), to: target))
        out.append(.alert(.stateTransferStarted(from: target, lastExecuted: lastExecuted)))
    }

    /// Gives `transfer` up (keeping any verified chunks) and asks the next replica.
    mutating func retryStateTransfer(_ transfer: StateTransferProgress, _ out: inout [Directive]) {
        var next = (transfer.target + 1) % ReplicaID(configuration.replicaCount)
        if next == id { next = (next + 1) % ReplicaID(configuration.replicaCount) }
        supersedeChunkFetch(olderThan: .max)
        sendStateRequest(to: next, attempts: transfer.attempts + 1, &out)
    }

    /// Retries an unanswered transfer with the next replica, and detects lag: when f + 1
    /// replicas have shown progress beyond ours and we executed nothing for a while, we
    /// fetch what we missed.
    mutating func stateTransferTick(_ out: inout [Directive]) {
        if let transfer = stateTransfer {
            if transfer.fetch != nil { return chunkFetchTick(&out) }
            guard now >= transfer.deadline else { return }
            return retryStateTransfer(transfer, &out)
        }
        guard now - lastProgressTick >= configuration.stateTransferTimeoutTicks else { return }
        let ahead = peerProgress.filter { $0.key != id && $0.value > lastExecuted }
        // In normal operation f + 1 claims, so at least one is true. A replica changing
        // view cannot execute through the normal case at all, and the others may sit idle
        // in the old view holding the only signed word of what they executed (a replica
        // that got it by state transfer signs nothing for it): one claim is enough there.
        // A false one costs one STATE-REQUEST per timeout, never a wrong state: every
        // entry fetched is checked for its commit certificate. Found by the simulator
        // (`--byzantine all` seed 12262): replica 0 changing view alone, one sequence
        // behind, and the client's write one reply short of its quorum for good.
        let claimsNeeded = status == .changingView ? 1 : configuration.weakQuorum
        guard ahead.count >= claimsNeeded else { return }
        lastProgressTick = now
        startStateTransfer(candidates: ahead.keys.sorted(), &out)
    }

    /// STATE-REQUEST: answers with the manifest of the stable checkpoint (if the requester
    /// is behind it) and the committed batches after it, each with its commit certificate.
    /// The state itself goes out chunk by chunk, on request (Replica+StateChunks.swift).
    mutating func onStateRequest(_ m: StateRequest, _ out: inout [Directive]) {
        if let last = stateResponseTick[m.sender], now - last < configuration.retransmitTicks / 2 {
            metrics.drop(.duplicate)
            return
        }
        stateResponseTick[m.sender] = now
        let includeSnapshot = stable.sequence > m.lastExecuted
        // `m.lastExecuted` is the requester's claim, any u64: a Byzantine replica sends max
        // (defect F), and the entries after max are none. Committed entries beyond our own
        // execution (after a gap) are sent too: the requester may need exactly those.
        let after = includeSnapshot ? stable.sequence : m.lastExecuted
        var entries: [CommittedEntry] = []
        if after < SequenceNumber.max {
            var sequence = after + 1
            while entries.count < configuration.wireLimits.maxCommittedEntries, let entry = slots[sequence]?.committed {
                entries.append(entry)
                sequence += 1
            }
        }
        // An empty response is an answer too: it tells the requester that this replica
        // has nothing it lacks, so the requester stops counting it as ahead.
        let response = StateResponse(
            sender: id,
            nonce: m.nonce,
            checkpointSequence: includeSnapshot ? stable.sequence : m.lastExecuted,
            checkpointProof: includeSnapshot ? stable.proof : [],
            manifest: includeSnapshot ? stableManifest : nil,
            entries: entries
        )
        out.append(.send(sign(.stateResponse(response)), to: m.sender))
    }

    /// STATE-RESPONSE: the manifest must hash to the digest that q signed CHECKPOINTs
    /// certify, and every entry must carry a valid commit certificate; nothing else is
    /// trusted, so a Byzantine responder can at worst waste a retry.
    mutating func onStateResponse(_ m: StateResponse, _ out: inout [Directive]) {
        guard let transfer = stateTransfer, transfer.nonce == m.nonce, transfer.target == m.sender, transfer.fetch == nil else {
            metrics.drop(.unexpected)
            return
        }
        if let manifest = m.manifest, m.checkpointSequence > lastExecuted {
            // Any certified checkpoint ahead of us is fetched, even one older than a sequence
            // q replicas signed CHECKPOINTs for: those signers need not hold the newer one as
            // stable (they discard a checkpoint only once a newer one is stable at them), and
            // they may need this replica's CHECKPOINT to get there — refusing it stalled a
            // cluster with one replica quarantined (view-change-lies, seed 44). A responder
            // that drip-feeds an old state is cut off by the fetch's overall deadline.
            guard let digest = certifiedStateDigest(manifest, sequence: m.checkpointSequence, proof: m.checkpointProof) else {
                metrics.drop(.invalidStateResponse)
                return
            }
            beginChunkFetch(
                ChunkFetch(
                    sequence: m.checkpointSequence, proof: m.checkpointProof, digest: digest, manifest: manifest, entries: m.entries, entriesFrom: m.sender,
                    missing: Array(manifest.chunkDigests.indices), sources: []), responder: m.sender, &out)
            return
        }
        let before = lastExecuted
        applyCommittedEntries(m.entries, from: m.sender, &out)
        finishStateTransfer(before: before, from: m.sender, &out)
    }

    /// The digest q CHECKPOINTs certify for `sequence`, if `manifest` is the one it names
    /// and describes a state this replica may hold.
    func certifiedStateDigest(_ manifest: StateManifest, sequence: SequenceNumber, proof: [SignedMessage]) -> Digest? {
        guard sequence % configuration.checkpointInterval == 0,
            manifest.chunkBytes == UInt32(configuration.stateChunkBytes), manifest.isWellFormed,
            manifest.totalBytes <= UInt64(configuration.wireLimits.maxSnapshotBytes),
            let digest = verifyCheckpointProof(proof, sequence: sequence),
            stateDigest(of: manifest) == digest
        else { return nil }
        return digest
    }

    /// Executes committed batches that follow `lastExecuted`, each checked for its commit
    /// certificate; the first invalid one ends the list.
    mutating func applyCommittedEntries(_ entries: [CommittedEntry], from sender: ReplicaID, _ out: inout [Directive]) {
        for entry in entries {
            guard case let .prePrepare(pp) = entry.prePrepare.payload else { break }
            guard pp.sequence == lastExecuted + 1 else { continue }
            guard inWindow(pp.sequence) else { break }
            if let reason = validateCommittedEntry(entry, pp) {
                metrics.drop(.invalidStateResponse)
                out.append(.alert(.invalidViewChange(sender: sender, view: pp.view, reason: "state transfer entry: \(reason)")))
                break
            }
            slots[pp.sequence, default: Slot()].committed = entry
            out.append(.persist(.committed(entry)))
            executeReady(&out, recovered: true)
        }
    }

    mutating func finishStateTransfer(before: SequenceNumber, from sender: ReplicaID, _ out: inout [Directive]) {
        // What this replica already held committed above the installed snapshot runs
        // too, whether or not the answer carried entries.
        executeReady(&out, recovered: true)
        stateTransfer = nil
        if lastExecuted == before {
            peerProgress[sender] = min(peerProgress[sender] ?? 0, lastExecuted)
        }
        if lastExecuted > before {
            out.append(.alert(.stateTransferCompleted(lastExecuted: lastExecuted)))
            // Checkpoints we now reached may already be certified by the others.
            for sequence in checkpointVotes.keys.sorted() where sequence <= lastExecuted { checkStable(sequence, &out) }
        }
    }

    /// Installs a fetched state whose manifest q CHECKPOINTs certify (every chunk was
    /// checked on arrival); false if the certified state does not decode, which only a
    /// quorum with a correct replica could have signed: a programmer error elsewhere.
    mutating func installSnapshot(_ fetch: ChunkFetch, snapshot: [UInt8], _ out: inout [Directive]) -> Bool {
        guard let decoded = try? ReplicaSnapshot.decode(snapshot, limits: configuration.wireLimits) else { return false }
        var restored = service
        do { try restored.restore(decoded.service) } catch { return false }
        service = restored
        clients = decoded.clients
        if orderedQuarantine != decoded.orderedQuarantine {
            orderedQuarantine = decoded.orderedQuarantine
            quarantineChanged = true
        }
        lastExecuted = fetch.sequence
        lastProgressTick = now
        for (client, record) in clients { pool.executed(client: client, requestID: record.lastRequestID) }
        if pool.isEmpty { requestDeadline = nil }
        let checkpoint = StableCheckpoint(sequence: fetch.sequence, stateDigest: fetch.digest, proof: fetch.proof, snapshot: snapshot)
        makeStable(checkpoint, manifest: fetch.manifest, &out)
        return true
    }

    /// A commit certificate: the PRE-PREPARE from the primary of its view, its batch valid
    /// and matching its digest, and q matching COMMITs from distinct replicas.
    func validateCommittedEntry(_ entry: CommittedEntry, _ pp: PrePrepare) -> String? {
        guard pp.sender == configuration.primary(of: pp.view), authentic(entry.prePrepare) else { return "PRE-PREPARE not signed by the primary of view \(pp.view)" }
        guard batchDigest(pp.batch) == pp.digest else { return "batch does not match its digest" }
        if let reason = validBatch(pp.batch) { return reason }
        var voters = Set<ReplicaID>()
        for commit in entry.commits {
            guard case let .commit(vote) = commit.payload, vote.view == pp.view, vote.sequence == pp.sequence, vote.digest == pp.digest,
                configuration.isReplica(vote.sender), authentic(commit)
            else { return "COMMIT does not match" }
            voters.insert(vote.sender)
        }
        guard voters.count >= configuration.quorum else { return "\(voters.count) COMMITs, a quorum is \(configuration.quorum)" }
        return nil
    }
}
