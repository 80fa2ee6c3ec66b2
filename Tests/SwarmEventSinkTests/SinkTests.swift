import Foundation
import GRDB
import Testing
import SwarmEventSink
import SwarmEvents
import SwarmTestKit

func delivered(_ sequence: UInt64, type: String = "flooding") -> DeliveredEvent {
    let cloudEvent = CloudEvent(
        SecurityEvent(type: type, severity: .high, subject: "replica-1", summary: "event \(sequence)", isFinding: true), sequence: sequence, swarmID: "swarm-1-abc",
        node: "monitor", timeMicroseconds: 1_000_000 * sequence)
    return DeliveredEvent(sequence: sequence, topic: cloudEvent.topic, event: cloudEvent, json: cloudEvent.encoded())
}

@Suite("Event sinks resume exactly where they stopped")
struct SinkTests {
    @Test("SQLite: the claude-flow memory_entries layout, one row per event, re-delivery overwrites, position commits with the rows")
    func sqlite() throws {
        let path = TestKit.scratchPath("memory.db")
        let sink = try SQLiteSink(path: path, stream: "tcp://127.0.0.1:1")
        #expect(try sink.nextSequence() == nil)
        try sink.write((0 ..< 5).map { delivered($0) })
        try sink.write([delivered(3), delivered(4), delivered(5)])  // re-delivery of 3 and 4
        #expect(try sink.nextSequence() == 6)
        let reopened = try SQLiteSink(path: path, stream: "tcp://127.0.0.1:1")
        #expect(try reopened.nextSequence() == 6)
        #expect(try SQLiteSink(path: path, stream: "tcp://127.0.0.1:2").nextSequence() == nil, "positions are per stream")
        let database = try DatabaseQueue(path: path)
        try database.read { db in
            let columns = try db.columns(in: "memory_entries").map(\.name)
            #expect(columns == ["id", "key", "value", "namespace", "metadata", "created_at", "updated_at", "accessed_at", "access_count", "ttl", "expires_at"])
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM memory_entries") == 6)
            let keys = try String.fetchAll(db, sql: "SELECT key FROM memory_entries ORDER BY id")
            #expect(keys == (0 ..< 6).map { "flooding:swarm-1-abc:monitor-\($0)" })
            #expect(try String.fetchAll(db, sql: "SELECT DISTINCT namespace FROM memory_entries") == ["swarm/byzantine/security"])
            let value = try String.fetchOne(db, sql: "SELECT value FROM memory_entries WHERE key = 'flooding:swarm-1-abc:monitor-2'")!
            #expect(try CloudEvent.decode(Array(value.utf8)).sequenceNumber == 2)
        }
    }

    @Test("SQLite: two swarms in one database keep their own positions and rows (issue 15, finding 9)")
    func twoSwarms() throws {
        let path = TestKit.scratchPath("memory.db")
        func event(_ sequence: UInt64, swarm: String) -> DeliveredEvent {
            let cloudEvent = CloudEvent(
                SecurityEvent(type: "flooding", severity: .critical, subject: "replica-1", summary: "\(swarm) \(sequence)", isFinding: true), sequence: sequence, swarmID: swarm,
                node: "monitor", timeMicroseconds: 1_000_000)
            return DeliveredEvent(sequence: sequence, topic: cloudEvent.topic, event: cloudEvent, json: cloudEvent.encoded())
        }
        let old = try SQLiteSink(path: path, stream: "swarm-1-abc/aa")
        try old.write((0 ..< 51).map { event($0, swarm: "swarm-1-abc") })
        // A new swarm (same endpoints, new swarm id and monitor key) starts at its beginning.
        let new = try SQLiteSink(path: path, stream: "swarm-2-def/bb")
        #expect(try new.nextSequence() == nil)
        try new.write((0 ..< 3).map { event($0, swarm: "swarm-2-def") })
        let database = try DatabaseQueue(path: path)
        let rows = try database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM memory_entries") }
        #expect(rows == 54, "rows of one swarm overwrote the other's")
        #expect(try old.nextSequence() == 51)
        #expect(try new.nextSequence() == 3)
    }

    @Test("SQLite: a write lock held by another process is waited out with backoff, never an exit (issue 15, finding 9)")
    func busyRetried() throws {
        let path = TestKit.scratchPath("memory.db")
        let sink = try SQLiteSink(path: path, stream: "swarm-1-abc/aa", busyTimeoutSeconds: 0.05)
        let holder = try DatabaseQueue(path: path)
        let locked = DispatchSemaphore(value: 0)
        let thread = Thread {
            try? holder.inTransaction(.exclusive) { _ in
                locked.signal()
                usleep(1_000_000)
                return .commit
            }
        }
        thread.start()
        locked.wait()
        var runner = SinkRunner()
        runner.retryDelays.firstMilliseconds = 20
        try runner.write([delivered(0), delivered(1)], to: sink, stop: { false })
        #expect(runner.retries > 0, "the lock was never met: the test proves nothing")
        #expect(try sink.nextSequence() == 2)
        // Not transient: anything else still stops the sink.
        #expect(!sink.isTransient(SinkError("disk full")))
    }

    @Test("JSON lines: a line cut short by a crash is removed and the sink resumes after the last whole line")
    func jsonLines() throws {
        let path = TestKit.scratchPath("events.jsonl")
        let sink = try JSONLinesSink(path: path)
        try sink.write((0 ..< 4).map { delivered($0) })
        // A crash in the middle of the next write leaves half a line.
        let handle = FileHandle(forWritingAtPath: path)!
        handle.seekToEndOfFile()
        handle.write(Data(delivered(4).json.prefix(40)))
        try handle.close()
        let resumed = try JSONLinesSink(path: path)
        #expect(try resumed.nextSequence() == 4)
        try resumed.write([delivered(4)])
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(try lines.map { try CloudEvent.decode(Array($0.utf8)).sequenceNumber! } == [0, 1, 2, 3, 4])
        // A file that does not end in an event is refused rather than guessed at.
        try "not an event\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: SinkError.self) { try JSONLinesSink(path: path) }
    }

    @Test("Exec: each event on standard input, position after success, a failing command stops the sink")
    func exec() throws {
        let output = TestKit.scratchPath("exec-out")
        let state = TestKit.scratchPath("exec.position")
        let sink = ExecSink(command: "cat >> \(output); echo \"$SWARMBFT_EVENT_SEQUENCE\" >> \(output).seq", statePath: state)
        try sink.write([delivered(0), delivered(1)])
        #expect(try sink.nextSequence() == 2)
        #expect(try String(contentsOfFile: output + ".seq", encoding: .utf8) == "0\n1\n")
        let failing = ExecSink(command: "exit 3", statePath: state)
        #expect(throws: SinkError.self) { try failing.write([delivered(2)]) }
        #expect(try failing.nextSequence() == 2, "a failed event must not be skipped")
    }
}
