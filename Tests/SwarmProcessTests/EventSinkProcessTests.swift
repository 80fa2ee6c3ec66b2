import Foundation
import GRDB
import Testing
import SwarmCrypto
import SwarmEventSink
import SwarmTopology
import SwarmEvents

extension ProcessSuites {
    /// Issue #6: a sink killed in the middle of a stream of 10,000 events and restarted ends
    /// with exactly 10,000 rows, in order, with no gaps and no duplicates. Two sinks run side
    /// by side: SQLite (claude-flow memory_entries, where a duplicate would overwrite silently,
    /// so order is checked by row id) and JSON lines (where a duplicate would be a second line).
    @Suite("Event sinks killed mid-stream")
    struct EventSinkProcessTests {
        func spawn(_ cluster: LocalCluster, _ arguments: [String], log: String) throws -> Process {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: cluster.binary)
            process.arguments = arguments
            FileManager.default.createFile(atPath: log, contents: nil)
            let handle = FileHandle(forWritingAtPath: log)!
            handle.seekToEndOfFile()
            process.standardOutput = handle
            process.standardError = handle
            try process.run()
            return process
        }

        func lineCount(_ path: String) -> Int {
            guard let data = FileManager.default.contents(atPath: path) else { return 0 }
            return data.reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
        }

        @Test("SQLite and JSON-lines sinks, kill -9 mid-stream, restart: exactly 10,000 events, in order")
        func killAndResume() throws {
            let cluster = try LocalCluster(testMode: true)
            let total = 10_000
            let database = cluster.directory + "/memory.db", lines = cluster.directory + "/events.jsonl"
            let emitter = try spawn(
                cluster,
                ["events", "emit", "--topology", cluster.topologyPath, "--data-dir", cluster.directory + "/emitter", "--count", "\(total)", "--rate", "2500", "--linger", "90"],
                log: cluster.directory + "/emitter.log")
            defer { kill(emitter.processIdentifier, SIGKILL); emitter.waitUntilExit() }
            let sqliteArguments = ["events", "sink", "--topology", cluster.topologyPath, "--sqlite", database]
            let jsonlArguments = ["events", "sink", "--topology", cluster.topologyPath, "--jsonl", lines]
            var sqliteSink = try spawn(cluster, sqliteArguments, log: cluster.directory + "/sink-sqlite.log")
            var jsonlSink = try spawn(cluster, jsonlArguments, log: cluster.directory + "/sink-jsonl.log")
            // The sink's stream identity: the swarm and the monitor log's key (never the endpoint).
            let topology = try cluster.topology()
            let stream = "\(topology.swarmID)/\(hexString(try topology.monitorCertificate().ed25519PublicKey.bytes))"
            func position() -> UInt64 { (try? SQLiteSink(path: database, stream: stream).nextSequence()).flatMap { $0 } ?? 0 }

            #expect(cluster.wait(seconds: 30) { position() >= 2_000 })
            kill(sqliteSink.processIdentifier, SIGKILL)
            sqliteSink.waitUntilExit()
            let sqliteKilledAt = position()
            #expect(cluster.wait(seconds: 30) { lineCount(lines) >= 4_000 })
            kill(jsonlSink.processIdentifier, SIGKILL)
            jsonlSink.waitUntilExit()
            let jsonlKilledAt = lineCount(lines)
            #expect(sqliteKilledAt < UInt64(total) && jsonlKilledAt < total, "the kills came after the stream ended: \(sqliteKilledAt), \(jsonlKilledAt)")

            sqliteSink = try spawn(cluster, sqliteArguments, log: cluster.directory + "/sink-sqlite.log")
            jsonlSink = try spawn(cluster, jsonlArguments, log: cluster.directory + "/sink-jsonl.log")
            #expect(cluster.wait(seconds: 60) { position() == UInt64(total) && lineCount(lines) == total })
            usleep(1_500_000)  // anything extra would arrive now
            for sink in [sqliteSink, jsonlSink] {
                kill(sink.processIdentifier, SIGTERM)
                sink.waitUntilExit()
            }

            let rows = try DatabaseQueue(path: database).read { db in
                try String.fetchAll(db, sql: "SELECT value FROM memory_entries WHERE namespace = 'swarm/byzantine/security' ORDER BY id")
            }
            let rowSequences = try rows.map { try CloudEvent.decode(Array($0.utf8)).sequenceNumber! }
            #expect(rowSequences.count == total)
            #expect(rowSequences == (0 ..< UInt64(total)).map { $0 }, "rows out of order or missing")
            let text = try String(contentsOfFile: lines, encoding: .utf8)
            let lineSequences = try text.split(separator: "\n").map { try CloudEvent.decode(Array($0.utf8)).sequenceNumber! }
            #expect(
                lineSequences == (0 ..< UInt64(total)).map { $0 },
                "lines: \(lineSequences.count), first problem at \(zip(lineSequences, 0...).first { $0.0 != UInt64($0.1) }.map { "\($0.1)" } ?? "-")")
        }
    }
}
