import Foundation
import GRDB
import SwarmEvents

/// Writes events into a SQLite table laid out as the swarm memory of claude-flow v2
/// (`memory_entries`), so agents that already read that memory see security events with no
/// new code: one row per event, keyed `<type>:<id>`, under `namespace`. Re-delivery
/// overwrites the same row (UNIQUE(key, namespace)). The sink's position lives in the same
/// database and commits in the same transaction as the rows.
public final class SQLiteSink: EventSink {
    public static let defaultNamespace = "swarm/byzantine/security"
    let database: DatabaseQueue
    let namespace: String
    let stream: String

    /// `stream` names the event stream — the swarm and the identity of the monitor's log,
    /// never an endpoint a new swarm may reuse (issue 15, finding 9: a new swarm on the
    /// same ports resumed at the old one's position and its first 51 events, critical
    /// findings included, were skipped) — so one database holds positions for many.
    /// `busyTimeoutSeconds` is how long one write waits for another process's lock before
    /// the runner backs off and tries again.
    public init(path: String, namespace: String = SQLiteSink.defaultNamespace, stream: String, busyTimeoutSeconds: Double = 5) throws {
        self.namespace = namespace
        self.stream = stream
        do {
            // Agents read (and claude-flow writes) the same database while the sink runs:
            // wait for their locks instead of failing with SQLITE_BUSY.
            var configuration = Configuration()
            configuration.busyMode = .timeout(busyTimeoutSeconds)
            database = try DatabaseQueue(path: path, configuration: configuration)
            try database.write { db in
                // The claude-flow v2 schema, verbatim in its columns and constraint.
                try db.execute(
                    sql: """
                        CREATE TABLE IF NOT EXISTS memory_entries (
                            id INTEGER PRIMARY KEY AUTOINCREMENT,
                            key TEXT NOT NULL,
                            value TEXT NOT NULL,
                            namespace TEXT NOT NULL DEFAULT 'default',
                            metadata TEXT,
                            created_at INTEGER DEFAULT (strftime('%s', 'now')),
                            updated_at INTEGER DEFAULT (strftime('%s', 'now')),
                            accessed_at INTEGER DEFAULT (strftime('%s', 'now')),
                            access_count INTEGER DEFAULT 0,
                            ttl INTEGER,
                            expires_at INTEGER,
                            UNIQUE(key, namespace)
                        );
                        CREATE TABLE IF NOT EXISTS swarmbft_sink_position (
                            stream TEXT PRIMARY KEY,
                            next_sequence INTEGER NOT NULL
                        );
                        """)
            }
        } catch {
            throw SinkError("cannot open the SQLite sink \(path): \(error)")
        }
    }

    public func nextSequence() throws -> UInt64? {
        try database.read { db in
            try Int64.fetchOne(db, sql: "SELECT next_sequence FROM swarmbft_sink_position WHERE stream = ?", arguments: [stream]).map { UInt64($0) }
        }
    }

    /// `type:swarm:id`: an event's id is unique within its swarm only (CloudEvents: within
    /// its source), and two swarms sunk into one database must not overwrite each other.
    public static func rowKey(_ event: CloudEvent) -> String {
        let parts = event.source.split(separator: ":", omittingEmptySubsequences: false)
        let swarm = parts.count >= 4 && parts[0] == "urn" && parts[1] == "swarm" ? String(parts[2]) : event.source
        return "\(event.shortType):\(swarm):\(event.id)"
    }

    public func isTransient(_ error: any Error) -> Bool {
        guard let error = error as? DatabaseError else { return false }
        return error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED
    }

    public func write(_ events: [DeliveredEvent]) throws {
        guard let last = events.last else { return }
        let now = Int64(Date().timeIntervalSince1970)
        try database.write { db in
            for delivered in events {
                let metadata = JSONValue.object([
                    "sequence": .int(Int64(delivered.sequence)), "source": .string(delivered.event.source),
                    "severity": .string(delivered.event.severity), "topic": .string(delivered.topic),
                    "subject": delivered.event.subject.map(JSONValue.string) ?? .null, "type": .string(delivered.event.type),
                ])
                try db.execute(
                    sql: """
                        INSERT INTO memory_entries (key, value, namespace, metadata, created_at, updated_at, accessed_at, access_count, ttl, expires_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, 0, NULL, NULL)
                        ON CONFLICT(key, namespace) DO UPDATE SET value = excluded.value, metadata = excluded.metadata, updated_at = excluded.updated_at
                        """,
                    arguments: [
                        Self.rowKey(delivered.event), String(decoding: delivered.json, as: UTF8.self), namespace,
                        String(decoding: try JSONEncoder().encode(metadata), as: UTF8.self), now, now, now,
                    ])
            }
            try db.execute(
                sql: "INSERT INTO swarmbft_sink_position (stream, next_sequence) VALUES (?, ?) ON CONFLICT(stream) DO UPDATE SET next_sequence = excluded.next_sequence",
                arguments: [stream, Int64(last.sequence + 1)])
        }
    }
}
