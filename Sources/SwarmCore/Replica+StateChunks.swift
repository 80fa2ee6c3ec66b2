import SwarmWire

/// Fetching a certified state chunk by chunk (section 5.3.2): from every replica that
/// signed the checkpoint, a few chunks in flight at a time, each checked against the
/// manifest on arrival. A wrong chunk is counted, its sender no longer asked, and the
/// chunk asked of another replica; a chunk nobody delivers in time is asked elsewhere.
extension Replica {
    /// Chunk requests outstanding at once, over all sources: bounds what a transfer holds
    /// in flight and what a replica answers per tick to one requester.
    static var maxChunksInFlight: Int { 8 }

    mutating func beginChunkFetch(_ fetch: ChunkFetch, responder: ReplicaID, _ out: inout [Directive]) {
        precondition(stateTransfer != nil, "a chunk fetch belongs to a state transfer")
        var fetch = fetch
        let local = localChunks()
        for index in fetch.missing {
            if let bytes = local[fetch.manifest.chunkDigests[index]], bytes.count == fetch.manifest.range(of: index)?.count { fetch.chunks[index] = bytes }
        }
        fetch.missing.removeAll { fetch.chunks[$0] != nil }
        let signers = Set(fetch.proof.compactMap(\.payload.replicaSender)).subtracting([id, responder]).sorted()
        fetch.sources = [responder] + signers.filter { !quarantined.contains($0) }
        fetch.lastChunkTick = now
        // However the chunks trickle in, the whole fetch gets a deadline: two rounds of
        // timeouts per batch of chunks in flight, and one per source.
        let rounds = (fetch.missing.count + Self.maxChunksInFlight - 1) / Self.maxChunksInFlight
        fetch.giveUpTick = now + configuration.stateTransferTimeoutTicks * (fetch.sources.count + 1 + 2 * rounds)
        abandonedChunks = [:]
        stateTransfer!.fetch = fetch
        requestChunks(&out)
    }

    /// Sends chunk requests up to the in-flight bound, round robin over the sources; when
    /// every chunk is here, installs the state and applies the entries.
    mutating func requestChunks(_ out: inout [Directive]) {
        guard var transfer = stateTransfer, var fetch = transfer.fetch else { return }
        if fetch.missing.isEmpty, fetch.outstanding.isEmpty {
            return completeChunkFetch(fetch, &out)
        }
        while fetch.outstanding.count < Self.maxChunksInFlight, !fetch.missing.isEmpty {
            let index = fetch.missing.removeFirst()
            let source = fetch.sources[fetch.nextSource % fetch.sources.count]
            fetch.nextSource += 1
            fetch.outstanding[index] = ChunkFetch.Outstanding(source: source, deadline: now + configuration.stateTransferTimeoutTicks)
            out.append(.send(sign(.stateChunkRequest(StateChunkRequest(sender: id, nonce: transfer.nonce, checkpointSequence: fetch.sequence, index: UInt32(index)))), to: source))
        }
        transfer.fetch = fetch
        stateTransfer = transfer
    }

    /// STATE-CHUNK: accepted only as the answer to an outstanding request of this
    /// transfer, and only if it hashes to the digest the certified manifest names.
    mutating func onStateChunk(_ m: StateChunk, _ out: inout [Directive]) {
        guard let transfer = stateTransfer, var fetch = transfer.fetch, transfer.nonce == m.nonce, fetch.sequence == m.checkpointSequence,
            let index = Int(exactly: m.index), let asked = fetch.outstanding[index], asked.source == m.sender
        else {
            metrics.drop(.unexpected)
            return
        }
        fetch.outstanding[index] = nil
        guard let range = fetch.manifest.range(of: index), m.bytes.count == range.count, crypto.digest(m.bytes) == fetch.manifest.chunkDigests[index] else {
            // A correct replica sends the certified bytes; this one lied. Ask someone else,
            // and stop asking it while another source remains.
            metrics.drop(.invalidStateResponse)
            out.append(.alert(.invalidStateChunk(sender: m.sender, sequence: m.checkpointSequence, index: m.index)))
            fetch.missing.insert(index, at: 0)
            if fetch.sources.count > 1 { fetch.sources.removeAll { $0 == m.sender } }
            stateTransfer!.fetch = fetch
            return requestChunks(&out)
        }
        fetch.chunks[index] = m.bytes
        fetch.lastChunkTick = now
        metrics.stateChunksFetched += 1
        metrics.stateBytesFetched += m.bytes.count
        stateTransfer!.fetch = fetch
        requestChunks(&out)
    }

    /// A chunk unanswered past its deadline is asked of the next source. When no chunk
    /// arrived while every source had a deadline's chance to answer (they moved past this
    /// checkpoint and discarded it, or are silent), the transfer starts over with a fresh
    /// STATE-REQUEST, keeping the chunks already verified. Before, the rule was a count of
    /// timeouts scaled by the chunks in flight: with one chunk left, 1,440 ticks at n = 4.
    mutating func chunkFetchTick(_ out: inout [Directive]) {
        guard var transfer = stateTransfer, var fetch = transfer.fetch else { return }
        // A source that answers just often enough to reset the progress rule (one chunk
        // per round of deadlines) cannot hold the transfer beyond its overall deadline.
        if now >= fetch.giveUpTick { return retryStateTransfer(transfer, &out) }
        let late = fetch.outstanding.filter { $0.value.deadline <= now }.keys.sorted()
        guard !late.isEmpty else { return }
        if now - fetch.lastChunkTick > configuration.stateTransferTimeoutTicks * (fetch.sources.count + 1) { return retryStateTransfer(transfer, &out) }
        for index in late {
            fetch.outstanding[index] = nil
            fetch.missing.insert(index, at: 0)
        }
        transfer.fetch = fetch
        stateTransfer = transfer
        requestChunks(&out)
    }

    /// Gives up a chunk fetch of a checkpoint older than `sequence`, keeping its verified
    /// chunks for the next transfer: once a newer checkpoint is stable, correct replicas
    /// discard the older one (section 5.3.2), so its missing chunks may never come.
    mutating func supersedeChunkFetch(olderThan sequence: SequenceNumber) {
        guard let fetch = stateTransfer?.fetch, fetch.sequence < sequence else { return }
        for (index, bytes) in fetch.chunks { abandonedChunks[fetch.manifest.chunkDigests[index]] = bytes }
        stateTransfer = nil
    }

    mutating func completeChunkFetch(_ fetch: ChunkFetch, _ out: inout [Directive]) {
        let before = lastExecuted
        let source = fetch.entriesFrom
        guard fetch.sequence > lastExecuted else { return finishStateTransfer(before: before, from: source, &out) }
        var snapshot: [UInt8] = []
        snapshot.reserveCapacity(Int(fetch.manifest.totalBytes))
        for index in fetch.manifest.chunkDigests.indices { snapshot += fetch.chunks[index]! }
        guard installSnapshot(fetch, snapshot: snapshot, &out) else {
            metrics.drop(.invalidStateResponse)
            stateTransfer = nil
            return
        }
        applyCommittedEntries(fetch.entries, from: source, &out)
        finishStateTransfer(before: before, from: source, &out)
    }

    /// STATE-CHUNK-REQUEST: one chunk of the stable checkpoint (or of a checkpoint of our
    /// own not yet stable), at most `maxChunksInFlight` per requester per tick, so a
    /// requester cannot make this replica spend more than a transfer needs.
    mutating func onStateChunkRequest(_ m: StateChunkRequest, _ out: inout [Directive]) {
        let served = chunksServed[m.sender]
        let count = served?.tick == now ? served!.count : 0
        guard count < Self.maxChunksInFlight else {
            metrics.drop(.duplicate)
            return
        }
        let image: (manifest: StateManifest, snapshot: [UInt8])?
        if m.checkpointSequence == stable.sequence {
            image = (stableManifest, stable.snapshot)
        } else if let own = ownCheckpoints[m.checkpointSequence] {
            image = (own.manifest, own.snapshot)
        } else {
            image = nil
        }
        guard let image, let index = Int(exactly: m.index), let range = image.manifest.range(of: index), range.upperBound <= image.snapshot.count else {
            metrics.drop(.unexpected)
            return
        }
        chunksServed[m.sender] = (now, count + 1)
        let chunk = StateChunk(sender: id, nonce: m.nonce, checkpointSequence: m.checkpointSequence, index: m.index, bytes: Array(image.snapshot[range]))
        out.append(.send(sign(.stateChunk(chunk)), to: m.sender))
    }
}
