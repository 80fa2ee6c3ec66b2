/// The canonical binary encoding of every SwarmBFT message (docs/wire-protocol.md).
///
///     frame   = "SBFT" version:u8 kind:u8 clusterLen:u8 cluster epoch:u64 body signature[64]
///     signed  = every byte of the frame before the signature
///
/// Integers are big-endian and fixed width; byte strings carry a u32 length; lists carry a
/// u32 count; nested messages are complete signed frames with a u32 length, so that a
/// certificate can be checked message by message with the signers' public keys alone.
public enum WireCodec {
    public static let magic: [UInt8] = Array("SBFT".utf8)
    public static let version: UInt8 = 1
    /// Nested frames go at most this deep (NEW-VIEW → VIEW-CHANGE → PRE-PREPARE → REQUEST,
    /// plus one level for EVIDENCE around any of them).
    public static let maxNestingDepth = 5
    static let minimumFrameBytes = 4 + 1 + 1 + 1 + 8 + SignedMessage.signatureByteCount

    // MARK: Encoding

    /// The frame without its signature: exactly the bytes a signer signs.
    public static func encodeUnsigned(_ payload: Payload, cluster: ClusterBinding) -> [UInt8] {
        var writer = ByteWriter(capacity: 128)
        writer.raw(magic)
        writer.u8(version)
        writer.u8(payload.kind.rawValue)
        writer.u8(UInt8(cluster.clusterID.count))
        writer.raw(cluster.clusterID)
        writer.u64(cluster.epoch)
        encodeBody(payload, into: &writer)
        return writer.bytes
    }

    static func nested(_ message: SignedMessage, into writer: inout ByteWriter) {
        writer.lengthPrefixed(message.frame)
    }

    static func nestedList(_ messages: [SignedMessage], into writer: inout ByteWriter) {
        writer.u32(UInt32(messages.count))
        for message in messages { nested(message, into: &writer) }
    }

    static func vote(_ vote: Vote, into writer: inout ByteWriter) {
        writer.u32(vote.sender)
        writer.u64(vote.view)
        writer.u64(vote.sequence)
        writer.digest(vote.digest)
    }

    static func encodeBody(_ payload: Payload, into writer: inout ByteWriter) {
        switch payload {
        case let .request(m):
            writer.raw(m.client.bytes)
            writer.u64(m.requestID)
            writer.bool(m.readOnly)
            writer.lengthPrefixed(m.operation)
        case let .prePrepare(m):
            writer.u32(m.sender)
            writer.u64(m.view)
            writer.u64(m.sequence)
            writer.digest(m.digest)
            nestedList(m.batch, into: &writer)
        case let .prepare(m), let .commit(m):
            vote(m, into: &writer)
        case let .checkpoint(m):
            writer.u32(m.sender)
            writer.u64(m.sequence)
            writer.digest(m.stateDigest)
        case let .viewChange(m):
            writer.u32(m.sender)
            writer.u64(m.newView)
            writer.u64(m.stableSequence)
            nestedList(m.checkpointProof, into: &writer)
            writer.u32(UInt32(m.prepared.count))
            for certificate in m.prepared {
                nested(certificate.prePrepare, into: &writer)
                nestedList(certificate.prepares, into: &writer)
            }
        case let .newView(m):
            writer.u32(m.sender)
            writer.u64(m.view)
            nestedList(m.viewChanges, into: &writer)
            nestedList(m.prePrepares, into: &writer)
        case let .stateRequest(m):
            writer.u32(m.sender)
            writer.u64(m.lastExecuted)
            writer.u64(m.nonce)
        case let .stateResponse(m):
            writer.u32(m.sender)
            writer.u64(m.nonce)
            writer.u64(m.checkpointSequence)
            nestedList(m.checkpointProof, into: &writer)
            manifest(m.manifest, into: &writer)
            writer.u32(UInt32(m.entries.count))
            for entry in m.entries {
                nested(entry.prePrepare, into: &writer)
                nestedList(entry.commits, into: &writer)
            }
        case let .reply(m):
            writer.u32(m.sender)
            writer.u64(m.view)
            writer.raw(m.client.bytes)
            writer.u64(m.requestID)
            writer.lengthPrefixed(m.result)
        case let .evidence(m):
            writer.u32(m.reporter)
            nested(m.first, into: &writer)
            nested(m.second, into: &writer)
        case let .stateChunkRequest(m):
            writer.u32(m.sender)
            writer.u64(m.nonce)
            writer.u64(m.checkpointSequence)
            writer.u32(m.index)
        case let .stateChunk(m):
            writer.u32(m.sender)
            writer.u64(m.nonce)
            writer.u64(m.checkpointSequence)
            writer.u32(m.index)
            writer.lengthPrefixed(m.bytes)
        }
    }

    /// present:bool, then totalBytes:u64 chunkBytes:u32 count:u32 digest*count.
    static func manifest(_ manifest: StateManifest?, into writer: inout ByteWriter) {
        guard let manifest else { return writer.bool(false) }
        writer.bool(true)
        writer.u64(manifest.totalBytes)
        writer.u32(manifest.chunkBytes)
        writer.u32(UInt32(manifest.chunkDigests.count))
        for digest in manifest.chunkDigests { writer.digest(digest) }
    }

    // MARK: Decoding

    /// Decodes one complete frame. Refuses, with a typed error and never a trap: a wrong
    /// magic or version, an unknown kind, truncated input, trailing bytes, lengths and
    /// counts over `limits`, nesting deeper than `maxNestingDepth`, nested frames of the
    /// wrong kind or of another cluster binding, and non-canonical values.
    public static func decode(_ frame: [UInt8], limits: WireLimits = .standard) throws(WireError) -> SignedMessage {
        guard frame.count <= limits.maxFrameBytes else {
            throw WireError(.frameOverLimit, "frame of \(frame.count) bytes, limit \(limits.maxFrameBytes)")
        }
        return try decode(frame, limits: limits, depth: 0, expectedCluster: nil)
    }

    static func decode(_ frame: [UInt8], limits: WireLimits, depth: Int, expectedCluster: ClusterBinding?) throws(WireError) -> SignedMessage {
        guard depth <= maxNestingDepth else {
            throw WireError(.nestingTooDeep, "nested frames deeper than \(maxNestingDepth)")
        }
        guard frame.count >= minimumFrameBytes else {
            throw WireError(.truncated, "frame of \(frame.count) bytes is shorter than the minimum \(minimumFrameBytes)")
        }
        var reader = ByteReader(frame, end: frame.count - SignedMessage.signatureByteCount)
        guard try reader.raw(4, "magic") == magic else {
            throw WireError(.badMagic, "frame does not start with SBFT")
        }
        let frameVersion = try reader.u8("version")
        guard frameVersion == version else {
            throw WireError(.unknownVersion, "version \(frameVersion), this build speaks \(version)")
        }
        let kindByte = try reader.u8("kind")
        guard let kind = MessageKind(rawValue: kindByte) else {
            throw WireError(.unknownKind, "kind \(kindByte)")
        }
        let clusterLength = Int(try reader.u8("cluster id length"))
        guard clusterLength <= ClusterBinding.maxClusterIDBytes else {
            throw WireError(.lengthOverLimit, "cluster id of \(clusterLength) bytes, limit \(ClusterBinding.maxClusterIDBytes)")
        }
        let cluster = ClusterBinding(clusterID: try reader.raw(clusterLength, "cluster id"), epoch: try reader.u64("epoch"))
        if let expectedCluster, expectedCluster != cluster {
            throw WireError(.invalidValue, "nested frame belongs to another cluster or epoch")
        }
        let context = DecodeContext(limits: limits, depth: depth, cluster: cluster)
        let payload = try context.body(kind, &reader)
        guard reader.isAtEnd else {
            throw WireError(.trailingBytes, "\(reader.remaining) bytes after the \(kind) body")
        }
        return SignedMessage(cluster: cluster, payload: payload, frame: frame)
    }
}

/// Decoding state for one frame and what it nests.
struct DecodeContext {
    let limits: WireLimits
    let depth: Int
    let cluster: ClusterBinding

    /// The smallest possible nested frame plus its length prefix.
    static let minimumNestedBytes = 4 + WireCodec.minimumFrameBytes

    func nested(_ reader: inout ByteReader, kinds: Set<MessageKind>, _ what: StaticString) throws(WireError) -> SignedMessage {
        let frame = try reader.lengthPrefixed(limit: limits.maxFrameBytes, what)
        // The kind byte is checked before the frame is decoded, so a frame of the wrong
        // kind costs nothing to refuse.
        if frame.count > 5, let kind = MessageKind(rawValue: frame[5]), !kinds.contains(kind) {
            throw WireError(.wrongNestedKind, "\(what): a \(kind) where \(kinds.map(\.description).sorted().joined(separator: " or ")) belongs")
        }
        let message = try WireCodec.decode(frame, limits: limits, depth: depth + 1, expectedCluster: cluster)
        guard kinds.contains(message.kind) else {
            throw WireError(.wrongNestedKind, "\(what): a \(message.kind) where \(kinds.map(\.description).sorted().joined(separator: " or ")) belongs")
        }
        return message
    }

    func nestedList(_ reader: inout ByteReader, kind: MessageKind, limit: Int, _ what: StaticString) throws(WireError) -> [SignedMessage] {
        let count = try reader.count(limit: limit, minimumElementBytes: DecodeContext.minimumNestedBytes, what)
        var messages: [SignedMessage] = []
        messages.reserveCapacity(count)
        for _ in 0 ..< count {
            messages.append(try nested(&reader, kinds: [kind], what))
        }
        return messages
    }

    func vote(_ reader: inout ByteReader) throws(WireError) -> Vote {
        Vote(
            sender: try reader.u32("sender"),
            view: try reader.u64("view"),
            sequence: try reader.u64("sequence"),
            digest: try reader.digest("digest")
        )
    }

    func body(_ kind: MessageKind, _ reader: inout ByteReader) throws(WireError) -> Payload {
        switch kind {
        case .request:
            let client = ClientKey(bytes: try reader.raw(ClientKey.byteCount, "client key"))
            let requestID = try reader.u64("request id")
            let readOnly = try reader.bool("read-only flag")
            let operation = try reader.lengthPrefixed(limit: limits.maxOperationBytes, "operation")
            return .request(ClientRequest(client: client, requestID: requestID, readOnly: readOnly, operation: operation))
        case .prePrepare:
            let sender = try reader.u32("sender")
            let view = try reader.u64("view")
            let sequence = try reader.u64("sequence")
            let digest = try reader.digest("digest")
            let batch = try nestedList(&reader, kind: .request, limit: limits.maxBatchRequests, "batch")
            return .prePrepare(PrePrepare(sender: sender, view: view, sequence: sequence, digest: digest, batch: batch))
        case .prepare:
            return .prepare(try vote(&reader))
        case .commit:
            return .commit(try vote(&reader))
        case .checkpoint:
            return .checkpoint(Checkpoint(sender: try reader.u32("sender"), sequence: try reader.u64("sequence"), stateDigest: try reader.digest("state digest")))
        case .viewChange:
            let sender = try reader.u32("sender")
            let newView = try reader.u64("new view")
            let stable = try reader.u64("stable sequence")
            let proof = try nestedList(&reader, kind: .checkpoint, limit: limits.maxVotesPerCertificate, "checkpoint proof")
            let count = try reader.count(limit: limits.maxPreparedCertificates, minimumElementBytes: DecodeContext.minimumNestedBytes + 4, "prepared certificates")
            var prepared: [PreparedCertificate] = []
            prepared.reserveCapacity(count)
            for _ in 0 ..< count {
                let prePrepare = try nested(&reader, kinds: [.prePrepare], "prepared pre-prepare")
                let prepares = try nestedList(&reader, kind: .prepare, limit: limits.maxVotesPerCertificate, "prepared prepares")
                prepared.append(PreparedCertificate(prePrepare: prePrepare, prepares: prepares))
            }
            return .viewChange(ViewChange(sender: sender, newView: newView, stableSequence: stable, checkpointProof: proof, prepared: prepared))
        case .newView:
            let sender = try reader.u32("sender")
            let view = try reader.u64("view")
            let viewChanges = try nestedList(&reader, kind: .viewChange, limit: limits.maxViewChanges, "view changes")
            let prePrepares = try nestedList(&reader, kind: .prePrepare, limit: limits.maxPrePreparesPerNewView, "new-view pre-prepares")
            return .newView(NewView(sender: sender, view: view, viewChanges: viewChanges, prePrepares: prePrepares))
        case .stateRequest:
            return .stateRequest(StateRequest(sender: try reader.u32("sender"), lastExecuted: try reader.u64("last executed"), nonce: try reader.u64("nonce")))
        case .stateResponse:
            let sender = try reader.u32("sender")
            let nonce = try reader.u64("nonce")
            let checkpointSequence = try reader.u64("checkpoint sequence")
            let proof = try nestedList(&reader, kind: .checkpoint, limit: limits.maxVotesPerCertificate, "checkpoint proof")
            var manifest: StateManifest?
            if try reader.bool("manifest present") {
                let totalBytes = try reader.u64("state bytes")
                let chunkBytes = try reader.u32("chunk bytes")
                let chunkCount = try reader.count(limit: limits.maxStateChunks, minimumElementBytes: Digest.byteCount, "chunk digests")
                var digests: [Digest] = []
                digests.reserveCapacity(chunkCount)
                for _ in 0 ..< chunkCount { digests.append(try reader.digest("chunk digest")) }
                let decoded = StateManifest(totalBytes: totalBytes, chunkBytes: chunkBytes, chunkDigests: digests)
                guard decoded.isWellFormed else { throw WireError(.invalidValue, "manifest of \(chunkCount) chunks for \(totalBytes) bytes in chunks of \(chunkBytes)") }
                manifest = decoded
            }
            let count = try reader.count(limit: limits.maxCommittedEntries, minimumElementBytes: DecodeContext.minimumNestedBytes + 4, "committed entries")
            var entries: [CommittedEntry] = []
            entries.reserveCapacity(count)
            for _ in 0 ..< count {
                let prePrepare = try nested(&reader, kinds: [.prePrepare], "committed pre-prepare")
                let commits = try nestedList(&reader, kind: .commit, limit: limits.maxVotesPerCertificate, "committed commits")
                entries.append(CommittedEntry(prePrepare: prePrepare, commits: commits))
            }
            return .stateResponse(StateResponse(sender: sender, nonce: nonce, checkpointSequence: checkpointSequence, checkpointProof: proof, manifest: manifest, entries: entries))
        case .reply:
            let sender = try reader.u32("sender")
            let view = try reader.u64("view")
            let client = ClientKey(bytes: try reader.raw(ClientKey.byteCount, "client key"))
            let requestID = try reader.u64("request id")
            let result = try reader.lengthPrefixed(limit: limits.maxResultBytes, "result")
            return .reply(Reply(sender: sender, view: view, client: client, requestID: requestID, result: result))
        case .evidence:
            let reporter = try reader.u32("reporter")
            let evidenceKinds: Set<MessageKind> = [.prePrepare, .prepare, .commit, .checkpoint, .viewChange, .newView]
            let first = try nested(&reader, kinds: evidenceKinds, "first evidence message")
            let second = try nested(&reader, kinds: evidenceKinds, "second evidence message")
            return .evidence(Evidence(reporter: reporter, first: first, second: second))
        case .stateChunkRequest:
            return .stateChunkRequest(
                StateChunkRequest(
                    sender: try reader.u32("sender"), nonce: try reader.u64("nonce"), checkpointSequence: try reader.u64("checkpoint sequence"),
                    index: try reader.u32("chunk index")))
        case .stateChunk:
            let sender = try reader.u32("sender")
            let nonce = try reader.u64("nonce")
            let sequence = try reader.u64("checkpoint sequence")
            let index = try reader.u32("chunk index")
            let bytes = try reader.lengthPrefixed(limit: limits.maxChunkBytes, "chunk")
            return .stateChunk(StateChunk(sender: sender, nonce: nonce, checkpointSequence: sequence, index: index, bytes: bytes))
        }
    }
}
