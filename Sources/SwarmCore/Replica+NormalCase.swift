import SwarmWire

extension Replica {
    /// PRE-PREPARE (section 2.3): a backup accepts it if it is in view v from the primary
    /// of v, within the watermarks, its digest matches its batch, every request is validly
    /// signed, and no different PRE-PREPARE was accepted for (v, n). It then persists the
    /// PRE-PREPARE and its own PREPARE, and broadcasts the PREPARE.
    mutating func onPrePrepare(_ message: SignedMessage, _ m: PrePrepare, _ out: inout [Directive]) {
        guard acceptsNormalCase(view: m.view, sender: m.sender, &out) else { return }
        guard m.sender == primary else { metrics.drop(.notPrimary); return }
        guard inWindow(m.sequence) else { metrics.drop(.outsideWatermarks); return }
        if let existing = slots[m.sequence]?.prePrepare {
            if existing.payload == message.payload {
                metrics.drop(.duplicate)
            } else {
                reportEquivocation(existing, message, &out)
                startViewChange(to: view + 1, reason: .primaryEquivocated, &out)
            }
            return
        }
        guard batchDigest(m.batch) == m.digest else {
            metrics.drop(.badDigest)
            out.append(.alert(.invalidProposal(primary: m.sender, view: m.view, sequence: m.sequence, reason: "digest does not match the batch")))
            return
        }
        if let reason = validBatch(m.batch, proposed: true) {
            metrics.drop(.badRequest)
            out.append(.alert(.invalidProposal(primary: m.sender, view: m.view, sequence: m.sequence, reason: reason)))
            return
        }
        accept(message, m, &out)
    }

    /// Records an accepted PRE-PREPARE (from the primary or a NEW-VIEW) and votes PREPARE.
    mutating func accept(_ message: SignedMessage, _ m: PrePrepare, _ out: inout [Directive]) {
        precondition(m.view == view && status == .normal, "accepting a PRE-PREPARE outside the current view")
        var slot = slots[m.sequence, default: Slot()]
        precondition(slot.prePrepare == nil, "a slot accepts one PRE-PREPARE per view")
        slot.prePrepare = message
        slot.digest = m.digest
        for request in m.batch {
            guard case let .request(r) = request.payload else { continue }
            if clients[r.client].map({ r.requestID > $0.lastRequestID }) ?? true {
                _ = pool.add(request, r, tick: now)
                pool.markProposed(r)
            }
        }
        if m.sequence > lastExecuted, !pool.isEmpty { armRequestTimer() }
        if m.sender == id {
            slots[m.sequence] = slot
            return
        }
        out.append(.persist(.accepted(message)))
        if let ownPrepare = slot.prepares[id] {
            // Restored after a restart: the vote exists and must not be signed again differently.
            guard case let .prepare(vote) = ownPrepare.payload, vote.digest == m.digest else {
                preconditionFailure("replica \(id) would sign two PREPAREs for view \(m.view) sequence \(m.sequence)")
            }
            out.append(.broadcast(ownPrepare))
        } else {
            let prepare = sign(.prepare(Vote(sender: id, view: view, sequence: m.sequence, digest: m.digest)))
            slot.prepares[id] = prepare
            out.append(.persist(.signed(prepare)))
            out.append(.broadcast(prepare))
        }
        slots[m.sequence] = slot
        checkPrepared(m.sequence, &out)
    }

    /// PREPARE: stored once per sender; a second, different PREPARE for the same
    /// (view, sequence) is equivocation.
    mutating func onPrepare(_ message: SignedMessage, _ m: Vote, _ out: inout [Directive]) {
        guard acceptsNormalCase(view: m.view, sender: m.sender, &out) else { return }
        guard m.sender != primary else { metrics.drop(.notPrimary); return }
        guard inWindow(m.sequence) else { metrics.drop(.outsideWatermarks); return }
        guard record(message, m, in: \.prepares, &out) else { return }
        checkPrepared(m.sequence, &out)
    }

    /// COMMIT: stored once per sender, from any replica including the primary.
    mutating func onCommit(_ message: SignedMessage, _ m: Vote, _ out: inout [Directive]) {
        peerProgress[m.sender] = max(peerProgress[m.sender] ?? 0, m.sequence)
        guard acceptsNormalCase(view: m.view, sender: m.sender, &out) else { return }
        guard inWindow(m.sequence) else { metrics.drop(.outsideWatermarks); return }
        guard record(message, m, in: \.commits, &out) else { return }
        checkCommitted(m.sequence, &out)
    }

    /// Deduplicates a vote by (sender, view, sequence, phase) — never by signature bytes.
    mutating func record(_ message: SignedMessage, _ m: Vote, in votes: WritableKeyPath<Slot, [ReplicaID: SignedMessage]>, _ out: inout [Directive]) -> Bool {
        var slot = slots[m.sequence, default: Slot()]
        if let existing = slot[keyPath: votes][m.sender] {
            if existing.payload != message.payload {
                reportEquivocation(existing, message, &out)
            } else {
                metrics.drop(.duplicate)
            }
            return false
        }
        slot[keyPath: votes][m.sender] = message
        slots[m.sequence] = slot
        return true
    }

    /// Normal-case messages are processed only in normal status and in the current view;
    /// older views are rejected (a resumed old primary cannot be heard) and newer ones are
    /// left to retransmission once this replica has the NEW-VIEW.
    mutating func acceptsNormalCase(view messageView: ViewNumber, sender: ReplicaID, _ out: inout [Directive]) -> Bool {
        if messageView > view { noteHigherView(messageView, from: sender, &out) }
        guard status == .normal else { metrics.drop(.changingView); return false }
        if messageView < view {
            // The sender (authenticated) still works in an older view: it missed our
            // NEW-VIEW, which brings it here (rate-limited per replica).
            metrics.drop(.staleView)
            forwardNewView(to: sender, &out)
            return false
        }
        guard messageView <= view else { metrics.drop(.futureView); return false }
        return true
    }

    /// A replica that slept through a view change (a paused process, a partition) sees
    /// validly signed messages of a higher view. Once f + 1 replicas show one, at least one
    /// correct replica is there: this replica starts a view change, and the replicas
    /// already in the new view answer its VIEW-CHANGE with their NEW-VIEW.
    mutating func noteHigherView(_ messageView: ViewNumber, from sender: ReplicaID, _ out: inout [Directive]) {
        guard messageView <= view + configuration.maxViewsAhead else { return }
        higherViewSeen[sender] = max(higherViewSeen[sender] ?? 0, messageView)
        let ahead = higherViewSeen.filter { $0.value > view }.count
        guard ahead >= configuration.weakQuorum, status == .normal || viewChangeDeadline == nil else { return }
        higherViewSeen = [:]
        if status == .normal {
            startViewChange(to: view + 1, reason: .joinedHigherView, &out)
        } else if let own = ownViewChange {
            out.append(.broadcast(own))
        }
    }

    func matchingVotes(_ votes: [ReplicaID: SignedMessage], digest: Digest, excluding excluded: ReplicaID?) -> [SignedMessage] {
        votes.filter { sender, message in
            guard sender != excluded else { return false }
            switch message.payload {
            case let .prepare(vote), let .commit(vote): return vote.digest == digest && vote.view == view
            default: return false
            }
        }
        .sorted { $0.key < $1.key }
        .map(\.value)
    }

    /// prepared(m, v, n, i) (section 2.3): the PRE-PREPARE and q − 1 matching PREPAREs
    /// from distinct backups. The certificate is persisted before the COMMIT is sent.
    mutating func checkPrepared(_ sequence: SequenceNumber, _ out: inout [Directive]) {
        guard var slot = slots[sequence], let prePrepare = slot.prePrepare, let digest = slot.digest, !slot.preparedInView else { return }
        let prepares = matchingVotes(slot.prepares, digest: digest, excluding: primary)
        guard prepares.count >= configuration.quorum - 1 else { return }
        slot.preparedInView = true
        let certificate = PreparedCertificate(prePrepare: prePrepare, prepares: Array(prepares.prefix(configuration.quorum - 1)))
        slot.certificate = certificate
        out.append(.persist(.prepared(certificate)))
        if let ownCommit = slot.commits[id] {
            guard case let .commit(vote) = ownCommit.payload, vote.digest == digest else {
                preconditionFailure("replica \(id) would sign two COMMITs for view \(view) sequence \(sequence)")
            }
            out.append(.broadcast(ownCommit))
        } else {
            let commit = sign(.commit(Vote(sender: id, view: view, sequence: sequence, digest: digest)))
            slot.commits[id] = commit
            lastOwnCommit = commit
            out.append(.persist(.signed(commit)))
            out.append(.broadcast(commit))
        }
        slot.sentCommit = true
        slots[sequence] = slot
        checkCommitted(sequence, &out)
    }

    /// committed-local(m, v, n, i) (section 2.3): prepared and q matching COMMITs from
    /// distinct replicas. The commit certificate is persisted, then batches execute in
    /// sequence order.
    mutating func checkCommitted(_ sequence: SequenceNumber, _ out: inout [Directive]) {
        guard var slot = slots[sequence], slot.preparedInView, let prePrepare = slot.prePrepare, let digest = slot.digest else { return }
        let commits = matchingVotes(slot.commits, digest: digest, excluding: nil)
        guard commits.count >= configuration.quorum else { return }
        if slot.committed == nil {
            let entry = CommittedEntry(prePrepare: prePrepare, commits: Array(commits.prefix(configuration.quorum)))
            slot.committed = entry
            slots[sequence] = slot
            out.append(.persist(.committed(entry)))
        }
        executeReady(&out, recovered: false)
    }

    /// Executes committed batches strictly in sequence order (section 2.3).
    mutating func executeReady(_ out: inout [Directive], recovered: Bool) {
        while let entry = slots[lastExecuted + 1]?.committed {
            execute(entry, recovered: recovered, &out)
        }
    }

    /// Runs one committed batch. A request whose id is not above the client's last
    /// executed id is skipped, so each (client, request id) runs at most once (S2).
    mutating func execute(_ entry: CommittedEntry, recovered: Bool, _ out: inout [Directive]) {
        guard case let .prePrepare(m) = entry.prePrepare.payload else { preconditionFailure("committed entry without PRE-PREPARE") }
        precondition(m.sequence == lastExecuted + 1, "execution must follow sequence order")
        var ran: [ClientRequest] = []
        for message in m.batch {
            guard case let .request(request) = message.payload else { preconditionFailure("validated batch holds a non-request") }
            if let record = clients[request.client], request.requestID <= record.lastRequestID {
                if request.requestID == record.lastRequestID, !recovered {
                    out.append(.reply(Reply(sender: id, view: view, client: request.client, requestID: request.requestID, result: record.lastResult), readOnly: false))
                }
                continue
            }
            let result =
                if let control = OrderedControl.decode(request.operation) {
                    executeOrdered(control, by: request.client, sequence: m.sequence, recovered: recovered, &out)
                } else {
                    service.execute(request.operation, client: request.client)
                }
            clients[request.client] = ClientRecord(lastRequestID: request.requestID, lastResult: result)
            pool.executed(client: request.client, requestID: request.requestID)
            ran.append(request)
            out.append(.reply(Reply(sender: id, view: view, client: request.client, requestID: request.requestID, result: result), readOnly: false))
        }
        lastExecuted = m.sequence
        lastProgressTick = now
        metrics.executedBatches += 1
        metrics.executedRequests += ran.count
        out.append(.executed(ExecutedBatch(sequence: m.sequence, view: m.view, digest: m.digest, requests: ran, recovered: recovered)))
        // The request timer restarts while requests still wait (section 2.5); progress in
        // this view also resets the view-change backoff.
        requestDeadline = pool.isEmpty ? nil : now + currentRequestTimeoutTicks
        viewChangeTimeoutTicks = configuration.viewChangeTimeoutTicks
        if m.sequence % configuration.checkpointInterval == 0 {
            takeCheckpoint(m.sequence, &out)
        }
        if isPrimary, status == .normal { proposeBatches(&out, force: false) }
    }
}
