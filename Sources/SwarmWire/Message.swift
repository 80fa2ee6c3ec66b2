/// The message kinds; the value is the kind byte on the wire, inside the signed bytes, so
/// a PREPARE's signature can never pass for a COMMIT's.
public enum MessageKind: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case request = 1
    case prePrepare = 2
    case prepare = 3
    case commit = 4
    case checkpoint = 5
    case viewChange = 6
    case newView = 7
    case stateRequest = 8
    case stateResponse = 9
    case reply = 10
    case evidence = 11
    case stateChunkRequest = 12
    case stateChunk = 13

    public var description: String {
        switch self {
        case .request: "REQUEST"
        case .prePrepare: "PRE-PREPARE"
        case .prepare: "PREPARE"
        case .commit: "COMMIT"
        case .checkpoint: "CHECKPOINT"
        case .viewChange: "VIEW-CHANGE"
        case .newView: "NEW-VIEW"
        case .stateRequest: "STATE-REQUEST"
        case .stateResponse: "STATE-RESPONSE"
        case .reply: "REPLY"
        case .evidence: "EVIDENCE"
        case .stateChunkRequest: "STATE-CHUNK-REQUEST"
        case .stateChunk: "STATE-CHUNK"
        }
    }
}

public indirect enum Payload: Hashable, Sendable {
    case request(ClientRequest)
    case prePrepare(PrePrepare)
    case prepare(Vote)
    case commit(Vote)
    case checkpoint(Checkpoint)
    case viewChange(ViewChange)
    case newView(NewView)
    case stateRequest(StateRequest)
    case stateResponse(StateResponse)
    case reply(Reply)
    case evidence(Evidence)
    case stateChunkRequest(StateChunkRequest)
    case stateChunk(StateChunk)

    public var kind: MessageKind {
        switch self {
        case .request: .request
        case .prePrepare: .prePrepare
        case .prepare: .prepare
        case .commit: .commit
        case .checkpoint: .checkpoint
        case .viewChange: .viewChange
        case .newView: .newView
        case .stateRequest: .stateRequest
        case .stateResponse: .stateResponse
        case .reply: .reply
        case .evidence: .evidence
        case .stateChunkRequest: .stateChunkRequest
        case .stateChunk: .stateChunk
        }
    }

    /// The replica that signed this payload; nil for a client request.
    public var replicaSender: ReplicaID? {
        switch self {
        case .request: nil
        case let .prePrepare(m): m.sender
        case let .prepare(m), let .commit(m): m.sender
        case let .checkpoint(m): m.sender
        case let .viewChange(m): m.sender
        case let .newView(m): m.sender
        case let .stateRequest(m): m.sender
        case let .stateResponse(m): m.sender
        case let .reply(m): m.sender
        case let .evidence(m): m.reporter
        case let .stateChunkRequest(m): m.sender
        case let .stateChunk(m): m.sender
        }
    }
}

/// A message exactly as it travels: the decoded payload together with the frame it came
/// from. The frame ends with the 64-byte Ed25519 signature over every byte before it.
///
/// Two signed messages are equal when their frames are equal; because the encoding is
/// canonical, that is the same as equal payload, binding and signature.
public struct SignedMessage: Hashable, Sendable, CustomStringConvertible {
    public static let signatureByteCount = 64

    public let cluster: ClusterBinding
    public let payload: Payload
    public let frame: [UInt8]

    /// Used by the decoder and by `sign`; the frame MUST be the canonical encoding.
    init(cluster: ClusterBinding, payload: Payload, frame: [UInt8]) {
        self.cluster = cluster
        self.payload = payload
        self.frame = frame
    }

    /// Encodes `payload`, asks `signer` for a signature over the signed bytes and appends it.
    public static func sign(
        _ payload: Payload,
        cluster: ClusterBinding,
        signer: (UnsafeRawBufferPointer) -> [UInt8]
    ) -> SignedMessage {
        var frame = WireCodec.encodeUnsigned(payload, cluster: cluster)
        let signature = frame.withUnsafeBytes { signer($0) }
        precondition(signature.count == signatureByteCount, "a signature is 64 bytes")
        frame.append(contentsOf: signature)
        return SignedMessage(cluster: cluster, payload: payload, frame: frame)
    }

    /// Attaches arbitrary signature bytes: for tests and for forging in the simulator.
    public static func withSignature(_ payload: Payload, cluster: ClusterBinding, signature: [UInt8]) -> SignedMessage {
        precondition(signature.count == signatureByteCount, "a signature is 64 bytes")
        var frame = WireCodec.encodeUnsigned(payload, cluster: cluster)
        frame.append(contentsOf: signature)
        return SignedMessage(cluster: cluster, payload: payload, frame: frame)
    }

    public var kind: MessageKind { payload.kind }

    public var signature: ArraySlice<UInt8> { frame[(frame.count - SignedMessage.signatureByteCount)...] }

    /// The bytes the signature covers: the whole frame but the signature. The frame starts
    /// with the domain tag "SBFT" and a version, so these bytes cannot be mistaken for any
    /// other message a SwarmBFT key signs.
    public func withSignedBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try frame.withUnsafeBytes { buffer in
            try body(UnsafeRawBufferPointer(rebasing: buffer[..<(frame.count - SignedMessage.signatureByteCount)]))
        }
    }

    public var signedBytes: ArraySlice<UInt8> { frame[..<(frame.count - SignedMessage.signatureByteCount)] }

    public static func == (lhs: SignedMessage, rhs: SignedMessage) -> Bool { lhs.frame == rhs.frame }
    public func hash(into hasher: inout Hasher) { hasher.combine(frame) }

    public var description: String {
        switch payload {
        case let .request(m): "REQUEST(c=\(m.client) t=\(m.requestID) \(m.operation.count)B)"
        case let .prePrepare(m): "PRE-PREPARE(v=\(m.view) n=\(m.sequence) d=\(m.digest) i=\(m.sender) \(m.batch.count) req)"
        case let .prepare(m): "PREPARE(v=\(m.view) n=\(m.sequence) d=\(m.digest) i=\(m.sender))"
        case let .commit(m): "COMMIT(v=\(m.view) n=\(m.sequence) d=\(m.digest) i=\(m.sender))"
        case let .checkpoint(m): "CHECKPOINT(n=\(m.sequence) d=\(m.stateDigest) i=\(m.sender))"
        case let .viewChange(m): "VIEW-CHANGE(v=\(m.newView) h=\(m.stableSequence) P=\(m.prepared.count) i=\(m.sender))"
        case let .newView(m): "NEW-VIEW(v=\(m.view) V=\(m.viewChanges.count) O=\(m.prePrepares.count) i=\(m.sender))"
        case let .stateRequest(m): "STATE-REQUEST(last=\(m.lastExecuted) i=\(m.sender))"
        case let .stateResponse(m): "STATE-RESPONSE(n=\(m.checkpointSequence) entries=\(m.entries.count) i=\(m.sender))"
        case let .reply(m): "REPLY(v=\(m.view) c=\(m.client) t=\(m.requestID) i=\(m.sender))"
        case let .evidence(m): "EVIDENCE(\(m.first) vs \(m.second) by \(m.reporter))"
        case let .stateChunkRequest(m): "STATE-CHUNK-REQUEST(n=\(m.checkpointSequence) chunk=\(m.index) i=\(m.sender))"
        case let .stateChunk(m): "STATE-CHUNK(n=\(m.checkpointSequence) chunk=\(m.index) \(m.bytes.count)B i=\(m.sender))"
        }
    }
}
