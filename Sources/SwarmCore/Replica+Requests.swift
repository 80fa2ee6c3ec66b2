import SwarmWire

extension Replica {
    /// REQUEST (section 2.1 and 2.5): a replica answers a retransmitted request from its
    /// reply cache, queues a new one, and a backup forwards it to the primary and starts
    /// its request timer, so that a primary ignoring requests is replaced.
    mutating func onRequest(_ message: SignedMessage, _ request: ClientRequest, _ out: inout [Directive]) {
        guard configuration.isRegistered(request.client) else {
            metrics.drop(.unregisteredClient)
            return
        }
        if request.readOnly, service.isReadOnly(request.operation) {
            // Read-only optimisation (section 5.1.3): answered from the current state; the
            // client needs q matching replies and otherwise retries as an ordered request.
            let result = service.query(request.operation)
            out.append(.reply(Reply(sender: id, view: view, client: request.client, requestID: request.requestID, result: result), readOnly: true))
            return
        }
        if let record = clients[request.client] {
            if request.requestID < record.lastRequestID {
                metrics.drop(.staleRequest)
                return
            }
            if request.requestID == record.lastRequestID {
                out.append(.reply(Reply(sender: id, view: view, client: request.client, requestID: request.requestID, result: record.lastResult), readOnly: false))
                return
            }
        }
        if pool.contains(request) {
            // The client retransmitted, perhaps because the primary never saw it.
            if !isPrimary, status == .normal { out.append(.send(message, to: primary)) }
            armRequestTimer()
            return
        }
        guard pool.entries[request.client] != nil || pool.count < configuration.maxPendingRequests else {
            metrics.drop(.poolFull)
            return
        }
        guard pool.add(message, request, tick: now) else {
            metrics.drop(.staleRequest)
            return
        }
        armRequestTimer()
        guard status == .normal else { return }
        if isPrimary {
            proposeBatches(&out, force: false)
        } else {
            out.append(.send(message, to: primary))
        }
    }

    mutating func armRequestTimer() {
        if requestDeadline == nil { requestDeadline = now + currentRequestTimeoutTicks }
    }

    /// The primary assigns sequence numbers to batches of queued requests (section 5.1.4).
    /// With nothing in flight it proposes at once; otherwise it waits for a full batch or
    /// the batch timer, so that batches grow with load.
    mutating func proposeBatches(_ out: inout [Directive], force: Bool) {
        precondition(isPrimary && status == .normal, "only the primary of a normal view proposes")
        var candidates = pool.unproposed()[...]
        while !candidates.isEmpty, lastAssigned < highWatermark {
            let inFlight = lastAssigned > lastExecuted
            if inFlight, !force, candidates.count < configuration.maxBatchRequests { return }
            var batch: [SignedMessage] = []
            var bytes = 0
            while let next = candidates.first, batch.count < configuration.maxBatchRequests,
                batch.isEmpty || bytes + next.message.frame.count <= configuration.maxBatchBytes
            {
                batch.append(next.message)
                bytes += next.message.frame.count
                pool.markProposed(next.request)
                candidates = candidates.dropFirst()
            }
            lastAssigned += 1
            let prePrepare = sign(.prePrepare(PrePrepare(sender: id, view: view, sequence: lastAssigned, digest: batchDigest(batch), batch: batch)))
            slots[lastAssigned, default: Slot()].prePrepare = prePrepare
            slots[lastAssigned]!.digest = batchDigest(batch)
            out.append(.persist(.signed(prePrepare)))
            out.append(.broadcast(prePrepare))
        }
    }

    /// Every request of a proposed batch must be a validly signed, distinct client request;
    /// a new proposal's also from a registered client. A committed entry is not held to
    /// registration: q replicas committed it, and a replica must be able to fetch it
    /// whatever its own list of clients says.
    func validBatch(_ batch: [SignedMessage], proposed: Bool = false) -> String? {
        guard batch.count <= configuration.maxBatchRequests else { return "batch of \(batch.count) requests over the limit" }
        var seen = Set<ClientKey>()
        for message in batch {
            guard case let .request(request) = message.payload else { return "batch holds a \(message.kind)" }
            guard seen.insert(request.client).inserted else { return "batch holds two requests of one client" }
            guard !proposed || configuration.isRegistered(request.client) else { return "batch holds a request of an unregistered client" }
            guard authentic(message) else { return "batch holds a request with an invalid client signature" }
        }
        return nil
    }
}
