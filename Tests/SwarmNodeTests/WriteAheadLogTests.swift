import Foundation
import Testing
import SwarmCore
import SwarmNode
import SwarmTopology
import SwarmWire
import SwarmTestKit

@Suite("Write-ahead log")
struct WriteAheadLogTests {
    func directory() -> String {
        let path = TestKit.scratchPath("wal")
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    func records() -> [DurableRecord] {
        let cluster = ClusterBinding(clusterName: "wal", epoch: 1)
        let signature = [UInt8](repeating: 7, count: 64)
        let prePrepare = SignedMessage.withSignature(.prePrepare(PrePrepare(sender: 0, view: 2, sequence: 5, digest: .zero, batch: [])), cluster: cluster, signature: signature)
        let prepare = SignedMessage.withSignature(.prepare(Vote(sender: 1, view: 2, sequence: 5, digest: .zero)), cluster: cluster, signature: signature)
        let commit = SignedMessage.withSignature(.commit(Vote(sender: 1, view: 2, sequence: 5, digest: .zero)), cluster: cluster, signature: signature)
        return [
            .view(2, changing: false),
            .enteredNewView(SignedMessage.withSignature(.newView(NewView(sender: 2, view: 2, viewChanges: [], prePrepares: [prePrepare])), cluster: cluster, signature: signature)),
            .accepted(prePrepare),
            .signed(prepare),
            .prepared(PreparedCertificate(prePrepare: prePrepare, prepares: [prepare])),
            .signed(commit),
            .committed(CommittedEntry(prePrepare: prePrepare, commits: [commit])),
        ]
    }

    @Test("Records survive a reopen and rebuild the same durable state")
    func reopen() throws {
        let path = directory()
        var expected = DurableState()
        do {
            let wal = try WriteAheadLog(directory: path)
            for record in records() { try wal.append(record); expected.apply(record) }
            try wal.sync()
        }
        let reopened = try WriteAheadLog(directory: path)
        #expect(reopened.state == expected)
        #expect(reopened.tornTailBytesDropped == 0)
    }

    @Test("A torn tail (a crash during a write) is cut off; earlier records remain")
    func tornTail() throws {
        let path = directory()
        do {
            let wal = try WriteAheadLog(directory: path)
            for record in records() { try wal.append(record) }
            try wal.sync()
        }
        let file = path + "/wal.log"
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file)))
        let full = bytes.count
        bytes.removeLast(10)
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        let reopened = try WriteAheadLog(directory: path)
        #expect(reopened.tornTailBytesDropped > 0)
        #expect(reopened.state.committed.isEmpty, "the torn last record is the committed entry")
        #expect(reopened.state.prepared[5] != nil)
        let size = try FileManager.default.attributesOfItem(atPath: file)[.size] as! Int
        #expect(size < full - 10)
    }

    @Test("A corrupt record followed by good ones is refused, not skipped")
    func corruptionInTheMiddle() throws {
        let path = directory()
        do {
            let wal = try WriteAheadLog(directory: path)
            for record in records() { try wal.append(record) }
            try wal.sync()
        }
        let file = path + "/wal.log"
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: file)))
        bytes[50] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        #expect(throws: WriteAheadLogError.self) { try WriteAheadLog(directory: path) }
    }

    @Test("Compaction keeps the state and shrinks the log")
    func compaction() throws {
        let path = directory()
        let wal = try WriteAheadLog(directory: path)
        for _ in 0 ..< 20 { for record in records() { try wal.append(record) } }
        try wal.sync()
        let before = wal.state
        let file = path + "/wal.log"
        let sizeBefore = try FileManager.default.attributesOfItem(atPath: file)[.size] as! Int
        try wal.compact()
        let sizeAfter = try FileManager.default.attributesOfItem(atPath: file)[.size] as! Int
        #expect(sizeAfter < sizeBefore)
        #expect(try WriteAheadLog(directory: path).state == before)
    }

    @Test("Durable records round-trip through their encoding")
    func codec() throws {
        for record in records() {
            #expect(try DurableRecordCodec.decode(DurableRecordCodec.encode(record)) == record)
        }
        #expect(throws: WireError.self) { try DurableRecordCodec.decode([99]) }
        // An entered-NEW-VIEW record holding anything but a NEW-VIEW is refused, not trapped on.
        let wrong = DurableRecordCodec.encode(.accepted(records()[2].acceptedMessage!))
        #expect(throws: WireError.self) { try DurableRecordCodec.decode([8] + wrong.dropFirst()) }
    }

    /// Issue 14, C2: a stable checkpoint of 54,614,849 bytes could not be read back ("record
    /// at offset 0 does not decode: lengthOverLimit: snapshot: 54614849 bytes, limit
    /// 50331648"), so past 48 MiB of state no replica could restart.
    @Test("A checkpoint over the old 48 MiB record limit survives a restart; its state lives beside the log, not in it")
    func largeCheckpointReopens() throws {
        let path = directory()
        let cluster = ClusterBinding(clusterName: "wal", epoch: 1)
        let proof = (0 ..< 3).map {
            SignedMessage.withSignature(.checkpoint(Checkpoint(sender: $0, sequence: 128, stateDigest: .zero)), cluster: cluster, signature: [UInt8](repeating: 7, count: 64))
        }
        var snapshot = [UInt8](repeating: 0, count: 52 << 20)
        for index in stride(from: 0, to: snapshot.count, by: 4096) { snapshot[index] = UInt8(truncatingIfNeeded: index >> 12) }
        do {
            let wal = try WriteAheadLog(directory: path)
            try wal.append(.stableCheckpoint(StableCheckpoint(sequence: 128, stateDigest: .zero, proof: proof, snapshot: snapshot)))
            try wal.sync()
        }
        let logBytes = try FileManager.default.attributesOfItem(atPath: path + "/wal.log")[.size] as? Int ?? -1
        #expect(logBytes > 0 && logBytes < 64 << 10, "the log holds \(logBytes) bytes")
        let reopened = try WriteAheadLog(directory: path)
        #expect(reopened.state.stable?.snapshot == snapshot)
        #expect(reopened.state.stable?.proof == proof)
        // A newer checkpoint, compacted: the older state file goes.
        let newer = (0 ..< 3).map {
            SignedMessage.withSignature(.checkpoint(Checkpoint(sender: $0, sequence: 256, stateDigest: .zero)), cluster: cluster, signature: [UInt8](repeating: 7, count: 64))
        }
        try reopened.append(.stableCheckpoint(StableCheckpoint(sequence: 256, stateDigest: .zero, proof: newer, snapshot: [1, 2, 3])))
        try reopened.compact()
        #expect(!FileManager.default.fileExists(atPath: path + "/checkpoint-128.state"))
        #expect(try WriteAheadLog(directory: path).state.stable?.snapshot == [1, 2, 3])
        // A log naming a state file that is gone is refused, not opened without its state.
        try FileManager.default.removeItem(atPath: path + "/checkpoint-256.state")
        #expect(throws: WriteAheadLogError.self) { try WriteAheadLog(directory: path) }
    }
}

extension DurableRecord {
    fileprivate var acceptedMessage: SignedMessage? {
        if case let .accepted(message) = self { return message }
        return nil
    }

}
