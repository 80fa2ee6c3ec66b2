// Writes the seed corpus of the wire-decoder fuzzer: valid frames of every message kind,
// swarm-memory operations, results and snapshots, and a few malformed inputs.
//
//     Fuzz/build.sh corpus            # rebuilds Fuzz/corpus/wire/
//
// Compiled by Fuzz/build.sh into the SwarmCore module (like the fuzzer) against the
// SwarmWire module; not part of the package. Deterministic: the same sources give the same
// files, so the committed corpus only changes when the encoding does. Signatures are
// arbitrary 64-byte patterns: the decoder does not verify them.

import SwarmWire

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@main
struct MakeCorpus {
    static func main() {
        let arguments = CommandLine.arguments
        guard arguments.count == 2 else {
            die("usage: \(arguments[0]) OUTPUT-DIRECTORY", status: 2)
        }
        var maker = CorpusMaker()
        maker.makeAll()
        maker.check()
        var total = 0
        for (name, bytes) in maker.files {
            writeFile(bytes, to: arguments[1] + "/" + name)
            total += bytes.count
        }
        print("wrote \(maker.files.count) files, \(total) bytes, to \(arguments[1])")
    }

    /// Reports on standard error (`stderr` is shared mutable state under Swift 6).
    static func die(_ message: String, status: Int32 = 1) -> Never {
        var line = message + "\n"
        line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
        exit(status)
    }

    static func writeFile(_ bytes: [UInt8], to path: String) {
        guard let file = fopen(path, "wb") else { die("cannot open \(path)") }
        let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        guard written == bytes.count, fclose(file) == 0 else { die("cannot write \(path)") }
    }
}

struct CorpusMaker {
    var files: [(String, [UInt8])] = []
    var signatureCounter: UInt8 = 0

    let cluster = ClusterBinding(clusterName: "swarm-fuzz", epoch: 3)

    mutating func add(_ name: String, _ bytes: [UInt8]) {
        precondition(!files.contains { $0.0 == name }, "duplicate corpus name \(name)")
        files.append((name, bytes))
    }

    /// A distinct arbitrary signature per message, so equal payloads still give distinct frames.
    mutating func signature() -> [UInt8] {
        signatureCounter &+= 1
        return (0 ..< SignedMessage.signatureByteCount).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ Int(signatureCounter)) }
    }

    mutating func signed(_ payload: Payload, cluster: ClusterBinding? = nil) -> SignedMessage {
        SignedMessage.withSignature(payload, cluster: cluster ?? self.cluster, signature: signature())
    }

    func digest(_ seed: UInt8) -> Digest {
        Digest(bytes: (0 ..< UInt8(Digest.byteCount)).map { $0 &* 31 &+ seed })
    }

    func client(_ seed: UInt8) -> ClientKey {
        ClientKey(bytes: (0 ..< UInt8(ClientKey.byteCount)).map { $0 ^ seed })
    }

    // MARK: Building blocks

    mutating func request(_ seed: UInt8, _ operation: MemoryOperation, cluster: ClusterBinding? = nil) -> SignedMessage {
        signed(.request(ClientRequest(client: client(seed), requestID: UInt64(seed) * 10, readOnly: operation.isReadOnly, operation: operation.encoded())), cluster: cluster)
    }

    mutating func prePrepare(view: UInt64, sequence: UInt64, batch: [SignedMessage]) -> SignedMessage {
        signed(.prePrepare(PrePrepare(sender: UInt32(view % 4), view: view, sequence: sequence, digest: digest(UInt8(truncatingIfNeeded: sequence)), batch: batch)))
    }

    mutating func prepare(_ sender: UInt32, view: UInt64, sequence: UInt64) -> SignedMessage {
        signed(.prepare(Vote(sender: sender, view: view, sequence: sequence, digest: digest(UInt8(truncatingIfNeeded: sequence)))))
    }

    mutating func commit(_ sender: UInt32, view: UInt64, sequence: UInt64) -> SignedMessage {
        signed(.commit(Vote(sender: sender, view: view, sequence: sequence, digest: digest(UInt8(truncatingIfNeeded: sequence)))))
    }

    mutating func checkpoint(_ sender: UInt32, sequence: UInt64) -> SignedMessage {
        signed(.checkpoint(Checkpoint(sender: sender, sequence: sequence, stateDigest: digest(0xC0))))
    }

    mutating func checkpointProof(sequence: UInt64) -> [SignedMessage] {
        (0 ..< 3).map { checkpoint(UInt32($0), sequence: sequence) }
    }

    mutating func viewChange(_ sender: UInt32, newView: UInt64) -> SignedMessage {
        let proof = checkpointProof(sequence: 100)
        let batch = [request(1, .put(namespace: Array("agents".utf8), key: Array("a1".utf8), value: Array("busy".utf8)))]
        let certificate = PreparedCertificate(
            prePrepare: prePrepare(view: newView - 1, sequence: 101, batch: batch),
            prepares: (1 ..< 3).map { prepare(UInt32($0), view: newView - 1, sequence: 101) }
        )
        return signed(.viewChange(ViewChange(sender: sender, newView: newView, stableSequence: 100, checkpointProof: proof, prepared: [certificate])))
    }

    /// A ReplicaSnapshot encoding: client records, then the service snapshot.
    func replicaSnapshot() -> [UInt8] {
        var memory = SwarmMemory()
        _ = memory.apply(.put(namespace: Array("agents".utf8), key: Array("a1".utf8), value: Array("idle".utf8)))
        _ = memory.apply(.put(namespace: Array("agents".utf8), key: Array("a2".utf8), value: Array("busy".utf8)))
        _ = memory.apply(.put(namespace: Array("tasks".utf8), key: Array("t9".utf8), value: [0, 1, 2, 3]))
        let clients: [ClientKey: ClientRecord] = [
            client(1): ClientRecord(lastRequestID: 10, lastResult: MemoryResult(status: .ok, version: 1).encoded()),
            client(2): ClientRecord(lastRequestID: 20, lastResult: MemoryResult(status: .notFound).encoded()),
        ]
        return ReplicaSnapshot.encode(clients: clients, service: memory)
    }

    /// Frames must decode (and `bad-` ones must not), swarm-memory seeds must decode, so
    /// that a change of the encoding cannot silently turn the seeds into garbage.
    func check() {
        for (name, bytes) in files {
            if name.hasPrefix("memory-op-") {
                guard case .success = MemoryOperation.decode(bytes, limits: .standard) else { MakeCorpus.die("\(name): not a memory operation") }
            } else if name.hasPrefix("memory-result-") {
                guard (try? MemoryResult.decode(bytes)) != nil else { MakeCorpus.die("\(name): not a memory result") }
            } else if name.hasPrefix("durable-") {
                guard (try? DurableRecordCodec.decode(bytes, limits: .standard, snapshotApart: { _, _ in })) != nil else { MakeCorpus.die("\(name): not a durable record") }
            } else if name == "replica-snapshot" {
                guard (try? ReplicaSnapshot.decode(bytes, limits: .standard)) != nil else { MakeCorpus.die("\(name): not a replica snapshot") }
            } else if name == "memory-snapshot" {
                var memory = SwarmMemory()
                guard (try? memory.restore(bytes)) != nil else { MakeCorpus.die("\(name): not a memory snapshot") }
            } else if name.hasPrefix("bad-") {
                do {
                    let message = try WireCodec.decode(bytes)
                    MakeCorpus.die("\(name): a malformed seed decodes as \(message)")
                } catch {
                    print("  \(name): refused, \(error.code)")
                }
            } else {
                do {
                    let message = try WireCodec.decode(bytes)
                    print("  \(name): \(message.kind), \(bytes.count) bytes")
                } catch {
                    MakeCorpus.die("\(name): does not decode: \(error)")
                }
            }
        }
    }

    // MARK: The corpus

    mutating func makeAll() {
        let ns = Array("agents".utf8)
        let put = MemoryOperation.put(namespace: ns, key: Array("a1".utf8), value: Array("busy".utf8))
        let get = MemoryOperation.get(namespace: ns, key: Array("a1".utf8))
        let delete = MemoryOperation.delete(namespace: ns, key: Array("a1".utf8))
        let cas = MemoryOperation.compareAndSet(namespace: ns, key: Array("a1".utf8), expectedVersion: 7, value: Array("idle".utf8))
        let list = MemoryOperation.list(namespace: ns, prefix: Array("a".utf8), limit: 10)

        // REQUEST
        add("request-put", request(1, put).frame)
        add("request-get-readonly", request(2, get).frame)
        add("request-cas", request(3, cas).frame)
        let emptyCluster = ClusterBinding(clusterID: [], epoch: 0)
        add("request-empty-cluster", request(4, delete, cluster: emptyCluster).frame)
        let longCluster = ClusterBinding(clusterID: Array(repeating: 0x5A, count: ClusterBinding.maxClusterIDBytes), epoch: .max)
        add("request-64-byte-cluster", request(5, list, cluster: longCluster).frame)

        // PRE-PREPARE with a batch, and the null request
        let batch = [request(1, put), request(2, get), request(3, cas)]
        add("pre-prepare-batch", prePrepare(view: 0, sequence: 1, batch: batch).frame)
        add("pre-prepare-null", prePrepare(view: 2, sequence: 9, batch: []).frame)

        // PREPARE, COMMIT, CHECKPOINT
        add("prepare", prepare(1, view: 0, sequence: 1).frame)
        add("commit", commit(2, view: 0, sequence: 1).frame)
        add("checkpoint", checkpoint(3, sequence: 100).frame)

        // VIEW-CHANGE with a checkpoint proof and a prepared certificate; and an empty one
        add("view-change", viewChange(1, newView: 1).frame)
        add("view-change-empty", signed(.viewChange(ViewChange(sender: 2, newView: 5, stableSequence: 0, checkpointProof: [], prepared: []))).frame)

        // NEW-VIEW: q VIEW-CHANGEs and the recomputed PRE-PREPAREs
        let viewChanges = (1 ..< 4).map { viewChange(UInt32($0), newView: 1) }
        let newViewPrePrepares = [
            prePrepare(view: 1, sequence: 101, batch: [request(1, put)]),
            prePrepare(view: 1, sequence: 102, batch: []),
        ]
        let newView = signed(.newView(NewView(sender: 1, view: 1, viewChanges: viewChanges, prePrepares: newViewPrePrepares)))
        add("new-view", newView.frame)

        // STATE-REQUEST, STATE-RESPONSE with entries and a snapshot; entries only
        add("state-request", signed(.stateRequest(StateRequest(sender: 2, lastExecuted: 95, nonce: 0xDEAD_BEEF))).frame)
        let entries = (101 ... 102).map { sequence in
            CommittedEntry(
                prePrepare: prePrepare(view: 0, sequence: UInt64(sequence), batch: [request(UInt8(sequence - 100), put)]),
                commits: (0 ..< 3).map { commit(UInt32($0), view: 0, sequence: UInt64(sequence)) }
            )
        }
        let snapshot = replicaSnapshot()
        // The manifest of `snapshot` in chunks of 16 bytes, then one chunk of it.
        let chunkDigests = stride(from: 0, to: snapshot.count, by: 16).map { _ in digest(0x5A) }
        let manifest = StateManifest(totalBytes: UInt64(snapshot.count), chunkBytes: 16, chunkDigests: chunkDigests)
        add(
            "state-response",
            signed(.stateResponse(StateResponse(sender: 0, nonce: 0xDEAD_BEEF, checkpointSequence: 100, checkpointProof: checkpointProof(sequence: 100), manifest: manifest, entries: entries))).frame)
        add("state-response-entries-only", signed(.stateResponse(StateResponse(sender: 1, nonce: 7, checkpointSequence: 95, checkpointProof: [], manifest: nil, entries: [entries[0]]))).frame)
        add("state-chunk-request", signed(.stateChunkRequest(StateChunkRequest(sender: 2, nonce: 0xDEAD_BEEF, checkpointSequence: 100, index: 1))).frame)
        add("state-chunk", signed(.stateChunk(StateChunk(sender: 0, nonce: 0xDEAD_BEEF, checkpointSequence: 100, index: 0, bytes: Array(snapshot.prefix(16))))).frame)

        // REPLY with swarm-memory results
        add("reply-ok", signed(.reply(Reply(sender: 1, view: 0, client: client(1), requestID: 10, result: MemoryResult(status: .ok, version: 4, value: Array("busy".utf8)).encoded()))).frame)
        let listResult = MemoryResult(status: .ok, entries: [
            MemoryResult.Entry(key: Array("a1".utf8), version: 1, value: Array("idle".utf8)),
            MemoryResult.Entry(key: Array("a2".utf8), version: 2, value: []),
        ])
        add("reply-list", signed(.reply(Reply(sender: 2, view: 0, client: client(2), requestID: 20, result: listResult.encoded()))).frame)

        // EVIDENCE: equivocating PREPAREs, PRE-PREPAREs, and the deepest nesting allowed
        // (EVIDENCE → NEW-VIEW → VIEW-CHANGE → PRE-PREPARE → REQUEST, depth 4)
        let prepareA = prepare(1, view: 0, sequence: 5)
        let prepareB = signed(.prepare(Vote(sender: 1, view: 0, sequence: 5, digest: digest(0xEE))))
        add("evidence-prepare", signed(.evidence(Evidence(reporter: 2, first: prepareA, second: prepareB))).frame)
        let prePrepareA = prePrepare(view: 0, sequence: 6, batch: [request(1, put)])
        let prePrepareB = prePrepare(view: 0, sequence: 6, batch: [request(2, get)])
        add("evidence-pre-prepare", signed(.evidence(Evidence(reporter: 3, first: prePrepareA, second: prePrepareB))).frame)
        let otherNewView = signed(.newView(NewView(sender: 1, view: 1, viewChanges: Array(viewChanges.prefix(2)), prePrepares: [])))
        add("evidence-new-view", signed(.evidence(Evidence(reporter: 0, first: newView, second: otherNewView))).frame)

        // Swarm-memory operations, results and snapshots on their own
        add("memory-op-put", put.encoded())
        add("memory-op-get", get.encoded())
        add("memory-op-delete", delete.encoded())
        add("memory-op-cas", cas.encoded())
        add("memory-op-list", list.encoded())
        add("memory-result-ok", MemoryResult(status: .ok, version: 4, value: Array("busy".utf8)).encoded())
        add("memory-result-list", listResult.encoded())
        add("memory-result-version-mismatch", MemoryResult(status: .versionMismatch, version: 9, value: Array("idle".utf8)).encoded())
        add("replica-snapshot", snapshot)
        var memory = SwarmMemory()
        _ = memory.apply(put)
        _ = memory.apply(.put(namespace: Array("tasks".utf8), key: Array("t1".utf8), value: [9, 9]))
        add("memory-snapshot", memory.snapshot())

        // Malformed frames: each is refused with a different WireError.
        let valid = prePrepare(view: 0, sequence: 1, batch: batch).frame
        add("bad-empty", [])
        add("bad-truncated-header", Array(valid.prefix(10)))
        add("bad-truncated-body", Array(valid.prefix(valid.count / 2)))
        add("bad-trailing-byte", valid + [0])
        var badMagic = valid
        badMagic[0] = UInt8(ascii: "X")
        add("bad-magic", badMagic)
        var badVersion = valid
        badVersion[4] = 2
        add("bad-version", badVersion)
        var badKind = prepare(1, view: 0, sequence: 1).frame
        badKind[5] = 12
        add("bad-kind", badKind)
        var badCluster = prepare(1, view: 0, sequence: 1).frame
        badCluster[6] = 65
        add("bad-cluster-length", badCluster)
        var badBool = request(1, put).frame
        let boolOffset = 4 + 1 + 1 + 1 + cluster.clusterID.count + 8 + ClientKey.byteCount + 8
        badBool[boolOffset] = 2
        add("bad-read-only-flag", badBool)
        // A batch count far above the limit, with nothing behind it.
        var hugeCount = ByteWriter()
        hugeCount.raw(WireCodec.encodeUnsigned(.prePrepare(PrePrepare(sender: 0, view: 0, sequence: 1, digest: digest(1), batch: [])), cluster: cluster).dropLast(4))
        hugeCount.u32(.max)
        hugeCount.raw(signature())
        add("bad-batch-count", hugeCount.bytes)
        // A nested frame of another cluster.
        let foreign = request(1, put, cluster: ClusterBinding(clusterName: "other", epoch: 3))
        let foreignBatch = WireCodec.encodeUnsigned(.prePrepare(PrePrepare(sender: 0, view: 0, sequence: 1, digest: digest(1), batch: [foreign])), cluster: cluster) + signature()
        add("bad-nested-cluster", foreignBatch)
        // A nested frame of the wrong kind (a PREPARE in a batch).
        let wrongKind = WireCodec.encodeUnsigned(.prePrepare(PrePrepare(sender: 0, view: 0, sequence: 1, digest: digest(1), batch: [prepareA])), cluster: cluster) + signature()
        add("bad-nested-kind", wrongKind)
        // EVIDENCE nested in EVIDENCE: refused for its kind, after the inner frame is decoded.
        let inner = signed(.evidence(Evidence(reporter: 1, first: prepareA, second: prepareB)))
        add("bad-evidence-in-evidence", signed(.evidence(Evidence(reporter: 2, first: inner, second: prepareB))).frame)
        // Seven levels of EVIDENCE: the innermost PREPARE sits at depth 6 > maxNestingDepth.
        var deep = prepareA
        for level in 0 ... WireCodec.maxNestingDepth {
            deep = signed(.evidence(Evidence(reporter: UInt32(level), first: deep, second: prepareB)))
        }
        add("bad-nesting-too-deep", deep.frame)
        add("bad-garbage", (0 ..< 200).map { UInt8(truncatingIfNeeded: $0 &* 167 &+ 13) })

        // Durable log records, among them a stable checkpoint kept in its own file (tag 9)
        let stable = StableCheckpoint(sequence: 100, stateDigest: digest(0x11), proof: checkpointProof(sequence: 100), snapshot: Array(snapshot.prefix(40)))
        add("durable-view", DurableRecordCodec.encode(.view(3, changing: true)))
        add("durable-committed", DurableRecordCodec.encode(.committed(entries[0])))
        add("durable-stable-checkpoint", DurableRecordCodec.encode(.stableCheckpoint(stable)))
        add("durable-stable-checkpoint-apart", DurableRecordCodec.encode(.stableCheckpoint(stable), snapshotApart: true))
        add("durable-entered-new-view", DurableRecordCodec.encode(.enteredNewView(newView)))
    }
}
