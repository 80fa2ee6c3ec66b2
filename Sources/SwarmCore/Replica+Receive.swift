import SwarmWire

extension Replica {
    /// Handles one message from the network. Every message is checked for its cluster
    /// binding, its sender and its signature before anything else looks at it.
    public mutating func receive(_ message: SignedMessage) -> [Directive] {
        var out: [Directive] = []
        guard message.cluster == configuration.cluster else {
            metrics.drop(.wrongCluster)
            return out
        }
        if let sender = message.payload.replicaSender {
            guard configuration.isReplica(sender) else {
                metrics.drop(.notAReplica)
                return out
            }
            // Our own messages come back only from a twin sharing our identity.
            guard sender != id else {
                metrics.drop(.unexpected)
                return out
            }
            guard !quarantined.contains(sender) else {
                metrics.drop(.quarantined)
                return out
            }
        }
        guard authentic(message) else {
            metrics.drop(.invalidSignature)
            out.append(.alert(.invalidSignature(kind: message.kind, claimedSender: message.payload.replicaSender)))
            return out
        }
        switch message.payload {
        case let .request(m): onRequest(message, m, &out)
        case let .prePrepare(m): onPrePrepare(message, m, &out)
        case let .prepare(m): onPrepare(message, m, &out)
        case let .commit(m): onCommit(message, m, &out)
        case let .checkpoint(m): onCheckpoint(message, m, &out)
        case let .viewChange(m): onViewChange(message, m, &out)
        case let .newView(m): onNewView(message, m, &out)
        case let .stateRequest(m): onStateRequest(m, &out)
        case let .stateResponse(m): onStateResponse(m, &out)
        case let .stateChunkRequest(m): onStateChunkRequest(m, &out)
        case let .stateChunk(m): onStateChunk(m, &out)
        case .reply, .evidence: metrics.drop(.unexpected)
        }
        let proven = provenThisMessage
        provenThisMessage.removeAll()
        for evidence in proven { act(on: evidence, cause: .ownEvidence, &out) }
        settleQuarantine(&out)
        return out
    }

    /// Advances logical time by one tick and fires what is due: the batch timer, the
    /// request timer (section 2.5), the view-change timer with backoff, state transfer
    /// retries, lag detection and retransmission.
    public mutating func tick() -> [Directive] {
        now += 1
        var out: [Directive] = []
        if isPrimary, status == .normal, let oldest = pool.oldestUnproposedArrivalTick, now - oldest >= configuration.batchTimeoutTicks {
            proposeBatches(&out, force: true)
        }
        if let deadline = requestDeadline, now >= deadline {
            requestDeadline = nil
            if status == .normal, !pool.isEmpty {
                startViewChange(to: view + 1, reason: .requestTimeout, &out)
            }
        }
        if status == .changingView, let deadline = viewChangeDeadline, now >= deadline {
            viewChangeTimeoutTicks = min(viewChangeTimeoutTicks * 2, configuration.maxViewChangeTimeoutTicks)
            startViewChange(to: view + 1, reason: .newViewTimeout, &out)
        }
        stateTransferTick(&out)
        if now % Self.jitterPeriodTicks == 0 { drawTimeoutJitter() }
        if now >= nextRetransmitTick {
            retransmit(&out)
            nextRetransmitTick = now + configuration.retransmitTicks
        }
        settleQuarantine(&out)
        return out
    }

    /// Starts a view change because an operator or monitor asked for one (manual override).
    public mutating func requestViewChange() -> [Directive] {
        var out: [Directive] = []
        startViewChange(to: view + 1, reason: .requested, &out)
        return out
    }

    // MARK: Shared checks

    func authentic(_ message: SignedMessage) -> Bool {
        crypto.verify(message)
    }

    /// h < n ≤ h + L (section 2.3).
    func inWindow(_ sequence: SequenceNumber) -> Bool {
        return sequence > stable.sequence && sequence <= highWatermark
    }

    func sign(_ payload: Payload) -> SignedMessage {
        SignedMessage.sign(payload, cluster: configuration.cluster) { crypto.sign($0) }
    }

    func batchDigest(_ batch: [SignedMessage]) -> Digest {
        SwarmCore.batchDigest(of: batch, crypto: crypto)
    }

    /// Reports equivocation once per (sender, view, sequence, phase).
    mutating func reportEquivocation(_ first: SignedMessage, _ second: SignedMessage, _ out: inout [Directive]) {
        metrics.equivocationsSeen += 1
        metrics.drop(.byzantineEquivocation)
        let evidence = Evidence(reporter: id, first: first, second: second)
        out.append(.alert(.equivocation(evidence)))
        provenThisMessage.append(evidence)
    }
}
