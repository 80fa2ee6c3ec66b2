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

    /// Retries an unanswered transfer with the next replica, and detects lag: when f + 1
    /// replicas have shown progress beyond ours and we executed nothing for a while, we
    /// fetch what we missed.
    mutating func stateTransferTick(_ out: inout [Directive]) {
        if let transfer = stateTransfer {
            guard now >= transfer.deadline else { return }
            var next = (transfer.target + 1) % ReplicaID(configuration.replicaCount)
            if next == id { next = (next + 1) % ReplicaID(configuration.replicaCount) }
            sendStateRequest(to: next, attempts: transfer.attempts + 1, &out)
            return
        }
        guard now - lastProgressTick >= configuration.stateTransferTimeoutTicks else { return }
        let ahead = peerProgress.filter { $0.key != id && $0.value > lastExecuted }
        guard ahead.count >= configuration.weakQuorum else { return }
        lastProgressTick = now
        startStateTransfer(candidates: ahead.keys.sorted(), &out)
    }

    /// STATE-REQUEST: answers with the stable checkpoint (if the requester is behind it)
    /// and the committed batches after it, each with its commit certificate.
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
            snapshot: includeSnapshot ? stable.snapshot : [],
            entries: entries
        )
        out.append(.send(sign(.stateResponse(response)), to: m.sender))
    }

    /// STATE-RESPONSE: the snapshot must hash to the digest that q signed CHECKPOINTs
    /// certify, and every entry must carry a valid commit certificate; nothing else is
    /// trusted, so a Byzantine responder can at worst waste a retry.
    mutating func onStateResponse(_ m: StateResponse, _ out: inout [Directive]) {
        guard let transfer = stateTransfer, transfer.nonce == m.nonce, transfer.target == m.sender else {
            metrics.drop(.unexpected)
            return
        }
        let before = lastExecuted
        if !m.snapshot.isEmpty, m.checkpointSequence > lastExecuted {
            guard installSnapshot(m, &out) else {
                metrics.drop(.invalidStateResponse)
                return
            }
        }
        for entry in m.entries {
            guard case let .prePrepare(pp) = entry.prePrepare.payload else { break }
            guard pp.sequence == lastExecuted + 1 else { continue }
            guard inWindow(pp.sequence) else { break }
            if let reason = validateCommittedEntry(entry, pp) {
                metrics.drop(.invalidStateResponse)
                out.append(.alert(.invalidViewChange(sender: m.sender, view: pp.view, reason: "state transfer entry: \(reason)")))
                break
            }
            slots[pp.sequence, default: Slot()].committed = entry
            out.append(.persist(.committed(entry)))
            executeReady(&out, recovered: true)
        }
        // What this replica already held committed above the installed snapshot runs
        // too, whether or not the answer carried entries.
        executeReady(&out, recovered: true)
        stateTransfer = nil
        if lastExecuted == before {
            peerProgress[m.sender] = min(peerProgress[m.sender] ?? 0, lastExecuted)
        }
        if lastExecuted > before {
            out.append(.alert(.stateTransferCompleted(lastExecuted: lastExecuted)))
            // Checkpoints we now reached may already be certified by the others.
            for sequence in checkpointVotes.keys.sorted() where sequence <= lastExecuted { checkStable(sequence, &out) }
        }
    }

    mutating func installSnapshot(_ m: StateResponse, _ out: inout [Directive]) -> Bool {
        guard m.checkpointSequence % configuration.checkpointInterval == 0,
            let digest = verifyCheckpointProof(m.checkpointProof, sequence: m.checkpointSequence),
            crypto.digest(m.snapshot) == digest,
            let decoded = try? ReplicaSnapshot.decode(m.snapshot, limits: configuration.wireLimits)
        else { return false }
        var restored = service
        do { try restored.restore(decoded.service) } catch { return false }
        service = restored
        clients = decoded.clients
        lastExecuted = m.checkpointSequence
        lastProgressTick = now
        for (client, record) in clients { pool.executed(client: client, requestID: record.lastRequestID) }
        if pool.isEmpty { requestDeadline = nil }
        let checkpoint = StableCheckpoint(sequence: m.checkpointSequence, stateDigest: digest, proof: m.checkpointProof, snapshot: m.snapshot)
        makeStable(checkpoint, &out)
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
