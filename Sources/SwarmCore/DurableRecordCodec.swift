import SwarmWire

/// The byte encoding of `DurableRecord`s for the replica node's write-ahead log. Pure and
/// canonical like the wire format; messages are stored as their signed frames, so what a
/// replica recovers is exactly what it signed or received.
public enum DurableRecordCodec {
    enum Tag: UInt8 {
        case view = 1, signed = 2, accepted = 3, prepared = 4, committed = 5, stableCheckpoint = 6, quarantined = 7, enteredNewView = 8
        /// A stable checkpoint whose snapshot is kept in a file of its own (the node's log):
        /// the record names it by sequence and the restore checks it against the digest.
        case stableCheckpointApart = 9
    }

    /// `snapshotApart`: a stable checkpoint is written without its snapshot, which the
    /// caller keeps elsewhere (WriteAheadLog: a file per checkpoint, beside the log).
    public static func encode(_ record: DurableRecord, snapshotApart: Bool = false) -> [UInt8] {
        var writer = ByteWriter(capacity: 256)
        func frames(_ messages: [SignedMessage]) {
            writer.u32(UInt32(messages.count))
            for message in messages { writer.lengthPrefixed(message.frame) }
        }
        switch record {
        case let .view(view, changing):
            writer.u8(Tag.view.rawValue)
            writer.u64(view)
            writer.bool(changing)
        case let .signed(message):
            writer.u8(Tag.signed.rawValue)
            writer.lengthPrefixed(message.frame)
        case let .accepted(message):
            writer.u8(Tag.accepted.rawValue)
            writer.lengthPrefixed(message.frame)
        case let .prepared(certificate):
            writer.u8(Tag.prepared.rawValue)
            writer.lengthPrefixed(certificate.prePrepare.frame)
            frames(certificate.prepares)
        case let .committed(entry):
            writer.u8(Tag.committed.rawValue)
            writer.lengthPrefixed(entry.prePrepare.frame)
            frames(entry.commits)
        case let .stableCheckpoint(checkpoint):
            writer.u8((snapshotApart ? Tag.stableCheckpointApart : Tag.stableCheckpoint).rawValue)
            writer.u64(checkpoint.sequence)
            writer.digest(checkpoint.stateDigest)
            frames(checkpoint.proof)
            if snapshotApart { writer.u64(UInt64(checkpoint.snapshot.count)) } else { writer.lengthPrefixed(checkpoint.snapshot) }
        case let .quarantined(replicas):
            writer.u8(Tag.quarantined.rawValue)
            writer.u32(UInt32(replicas.count))
            for replica in replicas { writer.u32(replica) }
        case let .enteredNewView(message):
            writer.u8(Tag.enteredNewView.rawValue)
            writer.lengthPrefixed(message.frame)
        }
        return writer.bytes
    }

    /// `snapshotApart` is told the sequence and length of a checkpoint whose snapshot is
    /// kept apart; the record it returns has an empty snapshot for the caller to fill.
    public static func decode(_ bytes: [UInt8], limits: WireLimits = .standard, snapshotApart: ((SequenceNumber, Int) -> Void)? = nil) throws(WireError) -> DurableRecord {
        var reader = ByteReader(bytes)
        func frame(_ what: StaticString) throws(WireError) -> SignedMessage {
            try WireCodec.decode(try reader.lengthPrefixed(limit: limits.maxFrameBytes, what), limits: limits)
        }
        func frames(_ what: StaticString) throws(WireError) -> [SignedMessage] {
            let count = try reader.count(limit: limits.maxVotesPerCertificate, minimumElementBytes: 4, what)
            var messages: [SignedMessage] = []
            for _ in 0 ..< count { messages.append(try frame(what)) }
            return messages
        }
        let tagByte = try reader.u8("record tag")
        guard let tag = Tag(rawValue: tagByte) else { throw WireError(.unknownKind, "durable record tag \(tagByte)") }
        let record: DurableRecord
        switch tag {
        case .view:
            record = .view(try reader.u64("view"), changing: try reader.bool("changing"))
        case .signed:
            record = .signed(try frame("signed message"))
        case .accepted:
            let message = try frame("accepted pre-prepare")
            guard message.kind == .prePrepare else { throw WireError(.wrongNestedKind, "accepted record holds a \(message.kind)") }
            record = .accepted(message)
        case .prepared:
            let prePrepare = try frame("prepared pre-prepare")
            guard prePrepare.kind == .prePrepare else { throw WireError(.wrongNestedKind, "prepared record holds a \(prePrepare.kind)") }
            record = .prepared(PreparedCertificate(prePrepare: prePrepare, prepares: try frames("prepares")))
        case .committed:
            let prePrepare = try frame("committed pre-prepare")
            guard prePrepare.kind == .prePrepare else { throw WireError(.wrongNestedKind, "committed record holds a \(prePrepare.kind)") }
            record = .committed(CommittedEntry(prePrepare: prePrepare, commits: try frames("commits")))
        case .stableCheckpoint:
            let sequence = try reader.u64("sequence")
            let digest = try reader.digest("state digest")
            let proof = try frames("checkpoint proof")
            let snapshot = try reader.lengthPrefixed(limit: limits.maxSnapshotBytes, "snapshot")
            record = .stableCheckpoint(StableCheckpoint(sequence: sequence, stateDigest: digest, proof: proof, snapshot: snapshot))
        case .stableCheckpointApart:
            let sequence = try reader.u64("sequence")
            let digest = try reader.digest("state digest")
            let proof = try frames("checkpoint proof")
            let length = try reader.u64("snapshot length")
            guard length <= UInt64(limits.maxSnapshotBytes) else { throw WireError(.lengthOverLimit, "snapshot: \(length) bytes, limit \(limits.maxSnapshotBytes)") }
            record = .stableCheckpoint(StableCheckpoint(sequence: sequence, stateDigest: digest, proof: proof, snapshot: []))
            snapshotApart?(sequence, Int(length))
        case .quarantined:
            // At most f of n ≤ maxVotesPerCertificate replicas; the restore filters the ids.
            let count = try reader.count(limit: limits.maxVotesPerCertificate, minimumElementBytes: 4, "quarantined replicas")
            var replicas: [ReplicaID] = []
            for _ in 0 ..< count { replicas.append(try reader.u32("quarantined replica")) }
            record = .quarantined(replicas)
        case .enteredNewView:
            let message = try frame("entered new-view")
            guard message.kind == .newView else { throw WireError(.wrongNestedKind, "entered new-view record holds a \(message.kind)") }
            record = .enteredNewView(message)
        }
        guard reader.isAtEnd else { throw WireError(.trailingBytes, "\(reader.remaining) bytes after a durable record") }
        return record
    }

    /// Records that rebuild `state` exactly: what a compacted log starts with.
    public static func records(rebuilding state: DurableState) -> [DurableRecord] {
        var records: [DurableRecord] = []
        if let stable = state.stable { records.append(.stableCheckpoint(stable)) }
        records.append(.view(state.view, changing: state.changing))
        records += state.signed.map { .signed($0) }
        records += state.accepted.keys.sorted().map { .accepted(state.accepted[$0]!) }
        records += state.prepared.keys.sorted().map { .prepared(state.prepared[$0]!) }
        records += state.committed.keys.sorted().map { .committed(state.committed[$0]!) }
        if !state.quarantined.isEmpty { records.append(.quarantined(state.quarantined)) }
        if let entered = state.enteredNewView { records.append(.enteredNewView(entered)) }
        return records
    }
}
