// libFuzzer target for the SwarmBFT wire format and the decoders that sit behind it.
//
// Built by Fuzz/build.sh, not by SwiftPM: SwarmWire is compiled as its own module and this
// file is compiled into the SwarmCore module (all of Sources/SwarmCore), so the harness sees
// SwarmWire only through its public API, exactly as SwarmCore does, and can still reach
// SwarmCore's internal `ReplicaSnapshot`.
//
// Every input is fed to every decoder:
//   * WireCodec.decode (small limits). On success the frame must be canonical: re-encoding
//     the payload and appending the signature gives back the input byte for byte, for the
//     outer frame and for every nested frame; re-decoding gives the same payload; and the
//     standard limits accept it too, with the same payload.
//   * MemoryOperation.decode and MemoryResult.decode; on success `encoded()` must give back
//     the input (both encodings are documented as canonical).
//   * ReplicaSnapshot.decode and SwarmMemory.restore: must not trap.
// Fields of decoded frames (a request's operation, a reply's result, a state response's
// snapshot) are fed to the matching decoder as well, so mutations of valid frames reach them.
//
// Any violated property calls `fatalError` with a message starting "FUZZ:", which libFuzzer
// reports as a deadly signal and saves as a crash artifact.

import SwarmWire

/// Small limits: every over-limit branch is reachable with inputs under -max_len=65536.
let fuzzWireLimits = WireLimits(
    maxFrameBytes: 1 << 15,
    maxOperationBytes: 1 << 12,
    maxResultBytes: 1 << 12,
    maxBatchRequests: 8,
    maxVotesPerCertificate: 8,
    maxPreparedCertificates: 8,
    maxViewChanges: 8,
    maxPrePreparesPerNewView: 8,
    maxSnapshotBytes: 1 << 14,
    maxCommittedEntries: 8
)

let fuzzMemoryLimits = MemoryLimits(
    maxNamespaceBytes: 64,
    maxKeyBytes: 128,
    maxValueBytes: 1 << 12,
    maxEntries: 1 << 12,
    maxTotalBytes: 1 << 20,
    maxListResults: 64
)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    fuzzFrame(bytes)
    fuzzMemoryOperation(bytes)
    fuzzMemoryResult(bytes)
    fuzzSnapshot(bytes)
    fuzzDurableRecord(bytes)
    return 0
}

// MARK: Wire frames

func fuzzFrame(_ bytes: [UInt8]) {
    let message: SignedMessage
    do {
        message = try WireCodec.decode(bytes, limits: fuzzWireLimits)
    } catch {
        return
    }
    guard message.frame == bytes else {
        fail("decoded frame differs from the input", bytes)
    }
    checkCanonical(message, depth: 0)

    // Re-decoding the re-encoded bytes must give the same payload and binding.
    let reencoded = WireCodec.encodeUnsigned(message.payload, cluster: message.cluster) + Array(message.signature)
    do {
        let again = try WireCodec.decode(reencoded, limits: fuzzWireLimits)
        guard again.payload == message.payload, again.cluster == message.cluster else {
            fail("re-decoded \(message.kind) differs from the first decoding", bytes)
        }
    } catch {
        fail("re-encoded \(message.kind) no longer decodes: \(error)", bytes)
    }

    // Limits are upper bounds: what the small limits accept the standard ones accept too.
    do {
        let standard = try WireCodec.decode(bytes, limits: .standard)
        guard standard.payload == message.payload, standard.cluster == message.cluster else {
            fail("\(message.kind) decodes differently under the standard limits", bytes)
        }
    } catch {
        fail("\(message.kind) accepted under small limits but refused under the standard limits: \(error)", bytes)
    }

    // Fields that carry another encoding.
    switch message.payload {
    case let .request(m):
        fuzzMemoryOperation(m.operation)
    case let .reply(m):
        fuzzMemoryResult(m.result)
    case let .stateChunk(m):
        fuzzSnapshot(m.bytes)
    default:
        break
    }
}

/// The frame of `message` (and of every frame nested in it) is exactly the canonical
/// encoding of its payload followed by its 64-byte signature.
func checkCanonical(_ message: SignedMessage, depth: Int) {
    let frame = message.frame
    guard frame.count >= SignedMessage.signatureByteCount else {
        fail("decoded frame of \(frame.count) bytes has no room for a signature", frame)
    }
    let expected = WireCodec.encodeUnsigned(message.payload, cluster: message.cluster) + Array(message.signature)
    guard expected == frame else {
        let firstDifference = (0 ..< min(expected.count, frame.count)).first { expected[$0] != frame[$0] } ?? min(expected.count, frame.count)
        fail(
            "non-canonical \(message.kind) at nesting depth \(depth): re-encoding gives \(expected.count) bytes, "
                + "the frame has \(frame.count), first difference at offset \(firstDifference)",
            frame
        )
    }
    guard depth <= WireCodec.maxNestingDepth else {
        fail("decoder accepted nesting depth \(depth) > \(WireCodec.maxNestingDepth)", frame)
    }
    for nested in nestedMessages(message.payload) {
        guard nested.cluster == message.cluster else {
            fail("nested \(nested.kind) has another cluster binding than its \(message.kind)", frame)
        }
        checkCanonical(nested, depth: depth + 1)
    }
}

func nestedMessages(_ payload: Payload) -> [SignedMessage] {
    switch payload {
    case .request, .prepare, .commit, .checkpoint, .stateRequest, .reply:
        return []
    case let .prePrepare(m):
        return m.batch
    case let .viewChange(m):
        return m.checkpointProof + m.prepared.flatMap { [$0.prePrepare] + $0.prepares }
    case let .newView(m):
        return m.viewChanges + m.prePrepares
    case let .stateResponse(m):
        return m.checkpointProof + m.entries.flatMap { [$0.prePrepare] + $0.commits }
    case let .evidence(m):
        return [m.first, m.second]
    case .stateChunkRequest, .stateChunk:
        return []
    }
}

// MARK: Swarm memory operations and results

func fuzzMemoryOperation(_ bytes: [UInt8]) {
    for limits in [fuzzMemoryLimits, MemoryLimits.standard] {
        guard case let .success(operation) = MemoryOperation.decode(bytes, limits: limits) else { continue }
        guard operation.encoded() == bytes else {
            fail("MemoryOperation \(operation) is not canonical", bytes)
        }
    }
}

func fuzzMemoryResult(_ bytes: [UInt8]) {
    guard let result = try? MemoryResult.decode(bytes) else { return }
    guard result.encoded() == bytes else {
        fail("MemoryResult with status \(result.status) is not canonical", bytes)
    }
}

// MARK: Checkpoint snapshots

func fuzzSnapshot(_ bytes: [UInt8]) {
    if let decoded = try? ReplicaSnapshot.decode(bytes, limits: fuzzWireLimits) {
        var memory = SwarmMemory(limits: fuzzMemoryLimits)
        try? memory.restore(decoded.service)
    }
    // The service snapshot on its own, so that mutations reach restore directly. A
    // snapshot that restores is canonical: taking it again gives the same bytes.
    var memory = SwarmMemory(limits: fuzzMemoryLimits)
    if (try? memory.restore(bytes)) != nil, memory.snapshot() != bytes {
        fail("SwarmMemory snapshot is not canonical", bytes)
    }
}

// MARK: Durable log records

func fuzzDurableRecord(_ bytes: [UInt8]) {
    var apart: (sequence: SequenceNumber, length: Int)?
    guard let record = try? DurableRecordCodec.decode(bytes, limits: fuzzWireLimits, snapshotApart: { apart = ($0, $1) }) else { return }
    // A stable checkpoint whose snapshot is kept in its own file (tag 9) decodes with an
    // empty snapshot and its length told apart: it re-encodes in the same mode, with a
    // snapshot of that length. (The property once ignored the mode, and CI's random 60 s
    // found tag 9 with 52 zero bytes "not canonical".)
    if let apart {
        guard case var .stableCheckpoint(checkpoint) = record, checkpoint.sequence == apart.sequence, checkpoint.snapshot.isEmpty else {
            fail("a checkpoint kept apart decoded as \(record)", bytes)
        }
        checkpoint.snapshot = [UInt8](repeating: 0, count: apart.length)
        guard DurableRecordCodec.encode(.stableCheckpoint(checkpoint), snapshotApart: true) == bytes else {
            fail("durable record of a checkpoint kept apart is not canonical", bytes)
        }
        return
    }
    guard DurableRecordCodec.encode(record) == bytes else {
        fail("durable record is not canonical", bytes)
    }
}

// MARK: Reporting

func fail(_ what: String, _ bytes: [UInt8]) -> Never {
    let shown = bytes.prefix(256).map { byte in
        let digits = String(byte, radix: 16)
        return byte < 16 ? "0" + digits : digits
    }.joined()
    fatalError("FUZZ: \(what) (\(bytes.count) bytes: \(shown)\(bytes.count > 256 ? "…" : ""))")
}
