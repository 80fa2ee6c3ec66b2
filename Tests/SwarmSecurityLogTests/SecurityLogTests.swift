import Foundation
import Testing
import SwarmCrypto
import SwarmSecurityLog
import SwarmSimulator
import SwarmTestKit

/// ACCEPTANCE 10: a tamper-evident log. Every corruption is detected at the first bad
/// entry; clean logs never raise an alarm; pruning by retention leaves a log that verifies.
@Suite("Tamper-evident security log (ACCEPTANCE 10)")
struct SecurityLogTests {
    let signing = try! Ed25519.PrivateKey(seed: Blake2b.hash256(Array("log-node".utf8)))
    let macKey = Blake2b.hash256(Array("log-mac".utf8))

    func directory() -> String {
        let path = TestKit.scratchPath("log")
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    func settings(batch: Int = 10, segment: Int = 15) -> SecurityLog.Settings {
        var settings = SecurityLog.Settings()
        settings.batchEntries = batch
        settings.segmentEntries = segment
        settings.sync = false
        return settings
    }

    /// A clean log of `count` entries; returns its directory.
    func cleanLog(_ count: Int, batch: Int = 10, segment: Int = 15, random: inout SeededRandom) throws -> String {
        let path = directory()
        let log = try SecurityLog(directory: path, signing: signing, macKey: macKey, settings: settings(batch: batch, segment: segment))
        for index in 0 ..< count {
            try log.append(Array("{\"event\":\(index),\"noise\":\"\(hexString(random.bytes(random.int(0 ... 12))))\"}".utf8), timeMicroseconds: UInt64(1_000_000 + index))
        }
        try log.flush()
        return path
    }

    func verify(_ path: String, mac: Bool = true) -> LogReport {
        LogVerifier.verify(directory: path, publicKey: signing.publicKey, macKey: mac ? macKey : nil)
    }

    @Test("A log verifies, reopens, and continues the chain")
    func roundTrip() throws {
        var random = SeededRandom(seed: 1)
        let path = try cleanLog(35, random: &random)
        let report = verify(path)
        #expect(report.verified, "\(report.problem ?? "")")
        #expect(report.entries == 35 && report.anchors == 4 && report.segments.count >= 2)
        let reopened = try SecurityLog(directory: path, signing: signing, macKey: macKey, settings: settings())
        #expect(reopened.nextIndex == 35)
        try reopened.append(Array("after reopen".utf8))
        try reopened.flush()
        #expect(verify(path).entries == 36)
        #expect(verify(path, mac: false).verified)
    }

    /// Records of every segment, for surgery.
    struct Surgery {
        var files: [(name: String, records: [(type: UInt8, body: [UInt8])])]

        init(files: [(name: String, records: [(type: UInt8, body: [UInt8])])]) {
            self.files = files
        }

        init(_ path: String) throws {
            files = try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".log") }.sorted().map { name in
                let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path + "/" + name)))
                var records: [(UInt8, [UInt8])] = []
                var offset = 0
                while offset < bytes.count {
                    let length = Int(bytes[offset + 1]) << 24 | Int(bytes[offset + 2]) << 16 | Int(bytes[offset + 3]) << 8 | Int(bytes[offset + 4])
                    records.append((bytes[offset], Array(bytes[offset + 5 ..< offset + 5 + length])))
                    offset += 5 + length
                }
                return (name, records)
            }
        }

        func bytes(_ records: [(type: UInt8, body: [UInt8])]) -> [UInt8] {
            records.flatMap { record -> [UInt8] in
                let length = UInt32(record.body.count)
                return [record.type, UInt8(length >> 24), UInt8(truncatingIfNeeded: length >> 16), UInt8(truncatingIfNeeded: length >> 8), UInt8(truncatingIfNeeded: length)]
                    + record.body
            }
        }

        func write(to path: String, override: [String: [UInt8]] = [:]) throws {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            for file in files {
                try Data(override[file.name] ?? bytes(file.records)).write(to: URL(fileURLWithPath: path + "/" + file.name))
            }
        }

        /// (file, record) positions of the entries, in order.
        var entryPositions: [(file: Int, record: Int)] {
            files.enumerated().flatMap { fileIndex, file in file.records.enumerated().filter { $0.element.type == 1 }.map { (fileIndex, $0.offset) } }
        }
    }

    enum Corruption: CaseIterable {
        case flipEntryByte, flipMAC, flipAnchorSignature, truncateMidRecord, deleteEntry, duplicateEntry, swapEntries, cutFileToZero
    }

    @Test("10,000 generated corruptions, each detected at the first bad entry")
    func corruptions() throws {
        var random = SeededRandom(seed: 10)
        let clean = try cleanLog(40, random: &random)
        let surgery = try Surgery(clean)
        let positions = surgery.entryPositions
        #expect(positions.count == 40)
        var perClass: [Corruption: Int] = [:]
        let work = directory()
        for trial in 0 ..< 10_000 {
            let corruption = Corruption.allCases[trial % Corruption.allCases.count]
            // First, last and a middle entry get extra weight; the rest are random.
            let choices = [0, positions.count - 1, positions.count / 2, random.int(0 ... positions.count - 1)]
            let target = choices[random.int(0 ... choices.count - 1)]
            var files = surgery.files
            var expectedBad = UInt64(target)
            var override: [String: [UInt8]] = [:]
            let (fileIndex, recordIndex) = positions[target]
            switch corruption {
            case .flipEntryByte:
                var body = files[fileIndex].records[recordIndex].body
                // Any byte but the MAC (the last 32): index, time, event or previous hash.
                let position = random.int(0 ... body.count - 33)
                body[position] ^= UInt8(1 << random.int(0 ... 7))
                files[fileIndex].records[recordIndex].body = body
            case .flipMAC:
                var body = files[fileIndex].records[recordIndex].body
                body[body.count - 1 - random.int(0 ... 31)] ^= 0x01
                files[fileIndex].records[recordIndex].body = body
            case .flipAnchorSignature:
                // The anchor that closes the target's batch.
                let anchorIndex = files[fileIndex].records[recordIndex...].firstIndex { $0.type == 2 } ?? files[fileIndex].records.count - 1
                var body = files[fileIndex].records[anchorIndex].body
                body[body.count - 1 - random.int(0 ... 63)] ^= 0x80
                files[fileIndex].records[anchorIndex].body = body
                // An anchor names the last entry it covers: the last one before it.
                expectedBad = UInt64(positions.lastIndex { $0.file < fileIndex || ($0.file == fileIndex && $0.record < anchorIndex) }!)
            case .truncateMidRecord:
                var bytes = Surgery(files: files).bytes(Array(files[fileIndex].records[..<recordIndex]))
                let record = Surgery(files: files).bytes([files[fileIndex].records[recordIndex]])
                bytes += record.prefix(random.int(1 ... record.count - 1))
                override[files[fileIndex].name] = bytes
            // Everything after the cut in later files still exists but the chain stops here.
            case .deleteEntry:
                files[fileIndex].records.remove(at: recordIndex)
            case .duplicateEntry:
                files[fileIndex].records.insert(files[fileIndex].records[recordIndex], at: recordIndex)
                expectedBad = UInt64(target + 1)
            case .swapEntries:
                let next = target + 1 < positions.count ? target + 1 : target - 1
                let (otherFile, otherRecord) = positions[next]
                let first = files[fileIndex].records[recordIndex]
                files[fileIndex].records[recordIndex] = files[otherFile].records[otherRecord]
                files[otherFile].records[otherRecord] = first
                expectedBad = UInt64(min(target, next))
            case .cutFileToZero:
                override[files[fileIndex].name] = []
                expectedBad = UInt64(positions.firstIndex { $0.file == fileIndex }!)
            }
            let path = work + "/\(trial % 16)"
            try? FileManager.default.removeItem(atPath: path)
            try Surgery(files: files).write(to: path, override: override)
            let report = verify(path)
            guard !report.verified else {
                Issue.record("trial \(trial): \(corruption) of entry \(target) was not detected")
                continue
            }
            if corruption == .flipAnchorSignature {
                #expect(report.problem?.contains("signature") == true, "trial \(trial): \(report.problem ?? "")")
            }
            #expect(
                report.firstBadIndex == expectedBad,
                "trial \(trial): \(corruption) of entry \(target): reported \(report.firstBadIndex.map(String.init) ?? "nil"): \(report.problem ?? "")")
            // With the public key alone the chain and anchors still catch it (perhaps later).
            #expect(!verify(path, mac: false).verified, "trial \(trial): \(corruption) passed public verification")
            perClass[corruption, default: 0] += 1
        }
        #expect(perClass.values.reduce(0, +) == 10_000)
    }

    @Test("0 false alarms on 1,000 clean logs of random sizes and batching")
    func cleanLogs() throws {
        var random = SeededRandom(seed: 1000)
        for index in 0 ..< 1000 {
            let path = try cleanLog(random.int(1 ... 30), batch: random.int(1 ... 12), segment: random.int(3 ... 20), random: &random)
            let report = verify(path)
            #expect(report.verified, "clean log \(index): \(report.problem ?? "")")
            try? FileManager.default.removeItem(atPath: path)
        }
    }

    @Test("Pruning by retention removes whole old segments and leaves a log that verifies")
    func retention() throws {
        let path = directory()
        let log = try SecurityLog(directory: path, signing: signing, macKey: macKey, settings: settings(batch: 5, segment: 10))
        let old = Date().addingTimeInterval(-10 * 86400), recent = Date()
        for index in 0 ..< 30 { try log.append(Array("old \(index)".utf8), timeMicroseconds: UInt64(old.timeIntervalSince1970 * 1_000_000) + UInt64(index)) }
        for index in 0 ..< 12 { try log.append(Array("new \(index)".utf8), timeMicroseconds: UInt64(recent.timeIntervalSince1970 * 1_000_000) + UInt64(index)) }
        try log.flush()
        let removed = try log.prune(olderThan: Date().addingTimeInterval(-7 * 86400))
        #expect(removed == 3)
        let report = verify(path)
        #expect(report.verified, "\(report.problem ?? "")")
        #expect(report.firstIndex == 30 && report.lastIndex == 41)
        // The log keeps working after pruning.
        let reopened = try SecurityLog(directory: path, signing: signing, macKey: macKey, settings: settings())
        try reopened.append(Array("after pruning".utf8))
        try reopened.flush()
        #expect(verify(path).verified)
    }
}

@Suite("Security log: retention of critical events, reading back, export bundles")
struct SecurityLogRangeTests {
    let signing = try! Ed25519.PrivateKey(seed: Blake2b.hash256(Array("bundle-node".utf8)))
    let macKey = Blake2b.hash256(Array("bundle-mac".utf8))

    func log(batch: Int = 5, segment: Int = 10) throws -> SecurityLog {
        var settings = SecurityLog.Settings()
        settings.batchEntries = batch
        settings.segmentEntries = segment
        settings.sync = false
        let path = TestKit.scratchPath("range")
        return try SecurityLog(directory: path, signing: signing, macKey: macKey, settings: settings)
    }

    @Test("A segment with a critical event outlives the 7-day retention until 30 days")
    func criticalRetention() throws {
        let log = try log()
        let old = UInt64(Date().addingTimeInterval(-10 * 86400).timeIntervalSince1970 * 1_000_000)
        for index in 0 ..< 30 { try log.append(Array((index == 15 ? "critical \(index)" : "info \(index)").utf8), timeMicroseconds: old + UInt64(index)) }
        try log.append(Array("recent".utf8))
        try log.flush()
        let critical: (LogEntry) -> Bool = { $0.event.starts(with: Array("critical".utf8)) }
        // Segment 1 (0...9) goes; segment 2 (10...19) holds entry 15 and stays; nothing after it goes either.
        #expect(try log.prune(olderThan: Date().addingTimeInterval(-7 * 86400), criticalOlderThan: Date().addingTimeInterval(-30 * 86400), isCritical: critical) == 1)
        let report = LogVerifier.verify(directory: log.directory, publicKey: signing.publicKey, macKey: macKey)
        #expect(report.verified && report.firstIndex == 10, "\(report.problem ?? "")")
        // Without the critical rule the same segment would have gone.
        #expect(try log.prune(olderThan: Date().addingTimeInterval(-7 * 86400)) == 2)
    }

    @Test("Durable entries are handed out once, only after their batch is anchored; entries(from:) reads across segments")
    func durableAndReadBack() throws {
        let log = try log(batch: 4, segment: 6)
        for index in 0 ..< 3 { try log.append(Array("e\(index)".utf8)) }
        #expect(log.takeDurable().isEmpty, "published before its anchor was written")
        try log.append(Array("e3".utf8))  // closes the batch
        #expect(log.takeDurable().map(\.index) == [0, 1, 2, 3])
        #expect(log.takeDurable().isEmpty)
        for index in 4 ..< 23 { try log.append(Array("e\(index)".utf8)) }
        try log.flush()
        #expect(try log.entries(from: 5, limit: 7).map(\.index) == Array(5 ..< 12))
        #expect(try log.entries(from: 20, limit: 100).map(\.index) == [20, 21, 22])
        #expect(try log.entries(from: 23, limit: 100).isEmpty)
    }

    @Test("An exported range verifies with the public key alone; any change to it does not")
    func bundles() throws {
        let log = try log()
        for index in 0 ..< 23 { try log.append(Array("event \(index)".utf8)) }
        try log.flush()
        let bundle = try LogBundle.export(directory: log.directory, first: 7, last: 12)
        let report = LogBundle.verify(bundle, publicKey: signing.publicKey)
        #expect(report.verified, "\(report.problem ?? "")")
        // Extended to the anchor that covers entry 12 (batches of 5: entries 10...14).
        #expect(report.firstIndex == 7 && report.lastIndex == 14)
        #expect(!LogBundle.verify(bundle, publicKey: try Ed25519.PrivateKey(seed: Blake2b.hash256([1])).publicKey).verified, "verified under another key")
        var random = SeededRandom(seed: 7)
        for _ in 0 ..< 500 {
            var corrupted = bundle
            let position = random.int(9 ... corrupted.count - 1)
            corrupted[position] ^= UInt8(random.int(1 ... 255))
            #expect(!LogBundle.verify(corrupted, publicKey: signing.publicKey).verified, "a flipped byte at \(position) went unnoticed")
        }
        #expect(!LogBundle.verify(Array(bundle.dropLast(30)), publicKey: signing.publicKey).verified, "a cut bundle verified")
        #expect(throws: SecurityLogError.self) { try LogBundle.export(directory: log.directory, first: 30, last: nil) }
    }
}
