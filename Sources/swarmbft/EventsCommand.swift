import ArgumentParser
import Foundation
import SwarmCrypto
import SwarmEventSink
import SwarmEvents
import SwarmTopology
import SwarmSecurityLog
import ZeroMQ

/// `swarmbft events ...`: the security event stream, for people (`tail`) and machines (`sink`).
struct EventsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events", abstract: "Follow the security event stream.", subcommands: [EventsTail.self, EventsSink.self, EventsEmit.self])
}

/// Where the stream is and which key to present: shared by tail and sink.
struct StreamOptions: ParsableArguments {
    @Option(help: "Topology file (the stream's endpoints and the monitor's public key).") var topology: String
    @Option(help: "Secret certificate of an allowlisted key (default: keys/client-0.key_secret beside the topology).") var key: String?
    @Option(help: "Stop after this many seconds (default: until SIGTERM or Ctrl-C).") var duration: Double?
    @Option(help: "Stop after this many events.") var count: Int?
    @Option(help: "Give up when the monitor has not answered within this many seconds (0: wait for ever).") var connectTimeout = 10.0

    func subscriber(context: ZMQContext, from: UInt64?) throws -> EventSubscriber {
        let loaded = try Topology.load(path: topology)
        let certificate = try CertificateFile.readSecret(path: key ?? loaded.resolve("keys/client-0.key_secret"))
        let endpoints = EventSubscriber.Endpoints(publish: loaded.events.publishEndpoint, catchup: loaded.events.catchupEndpoint)
        return try EventSubscriber(
            context: context, endpoints: endpoints, curve: (certificate.curve.secretKey.copyBytes(), certificate.curve.publicKey, try loaded.monitorCertificate().curvePublicKey),
            from: from)
    }

    /// The stream's identity for a sink's position: the swarm and the key that signs the
    /// monitor's security log, never its endpoint (which a new swarm may reuse).
    func streamName() throws -> String {
        let loaded = try Topology.load(path: topology)
        return "\(loaded.swarmID)/\(hexString(try loaded.monitorCertificate().ed25519PublicKey.bytes))"
    }

    var deadline: Date? { duration.map { Date().addingTimeInterval($0) } }

    /// A refused key, a stopped monitor or a wrong pinned key all look like silence on a
    /// SUB socket; the catch-up connection's handshake tells them apart from a quiet swarm.
    /// Throws when the monitor refused the key, or (`patient` false) when nothing answered
    /// within `connectTimeout`.
    func checkConnection(_ subscriber: EventSubscriber, since start: Date, patient: Bool = false) throws {
        let loaded = try Topology.load(path: topology)
        let endpoint = loaded.events.catchupEndpoint
        switch subscriber.connection {
        case .connected:
            return
        case .refused:
            let certificate = try CertificateFile.readSecret(path: key ?? loaded.resolve("keys/client-0.key_secret"))
            throw ValidationError(
                "the monitor at \(endpoint) refused this key (CURVE \(try Z85.encode(certificate.curve.publicKey))): it must be in the topology's client_keys or admin_keys, a gateway's, or the monitor's own"
            )
        case .connecting:
            guard !patient, connectTimeout > 0, Date().timeIntervalSince(start) > connectTimeout else { return }
            throw ValidationError(
                "no answer from the event stream at \(endpoint) within \(connectTimeout) s: is the monitor running, and is events.certificate in \(topology) the running monitor's key?"
            )
        }
    }
}

struct EventsTail: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tail", abstract: "Print security events as they happen.")
    @OptionGroup var stream: StreamOptions
    @Option(help: "Start from this sequence (catch up from the security log first).") var from: UInt64?
    @Option(help: "Only events at or above this severity: info, low, medium, high, critical.") var severity: String = "info"
    @Flag(help: "Print each event as one line of CloudEvents JSON.") var json = false

    func run() throws {
        guard let threshold = Severity(rawValue: severity) else { throw ValidationError("--severity must be one of \(Severity.allCases.map(\.rawValue).joined(separator: ", "))") }
        installStopHandlers()
        let context = try ZMQContext(ioThreads: 1)
        let subscriber = try stream.subscriber(context: context, from: from)
        defer { subscriber.close(); context.terminate() }
        let deadline = stream.deadline
        var printed = 0
        let started = Date()
        while stopRequested == 0, deadline.map({ Date() < $0 }) ?? true, stream.count.map({ printed < $0 }) ?? true {
            let next = try subscriber.next(timeoutMilliseconds: 200)
            try stream.checkConnection(subscriber, since: started)
            guard let delivered = next else { continue }
            guard (delivered.event.severityLevel ?? .info) >= threshold else { continue }
            printed += 1
            if json {
                printLine(String(decoding: delivered.json, as: UTF8.self))
            } else {
                let summary = delivered.event.data["summary"]?.stringValue ?? delivered.event.data["message"]?.stringValue ?? ""
                printLine(
                    "#\(delivered.sequence) \(delivered.event.time) \(delivered.event.severity.uppercased()) \(delivered.event.shortType) \(delivered.event.subject ?? "-"): \(summary)"
                )
            }
        }
    }
}

struct EventsSink: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sink", abstract: "Store every security event: SQLite (claude-flow swarm memory), JSON lines, or a command per event; resumes without gaps or duplicates.")
    @OptionGroup var stream: StreamOptions
    @Option(help: "SQLite database; rows go into memory_entries (claude-flow v2 layout).") var sqlite: String?
    @Option(help: "Namespace of the SQLite rows.") var namespace = SQLiteSink.defaultNamespace
    @Option(help: "Append one CloudEvent JSON per line to this file.") var jsonl: String?
    @Option(help: "Run this shell command per event, the event on standard input.") var exec: String?
    @Option(help: "Position file for --exec (default: swarmbft-sink-<hash of the command and the stream>.position in the current directory).") var state: String?
    @Option(help: "Start from this sequence when the sink has no position yet (default 0: the whole log).") var from: UInt64 = 0

    func run() throws {
        let chosen = [sqlite, jsonl, exec].compactMap { $0 }
        guard chosen.count == 1 else { throw ValidationError("choose exactly one of --sqlite, --jsonl, --exec") }
        let sink: any EventSink
        do {
            if let sqlite {
                sink = try SQLiteSink(path: sqlite, namespace: namespace, stream: try stream.streamName())
            } else if let jsonl {
                sink = try JSONLinesSink(path: jsonl)
            } else {
                // The default position file is per command and per stream: another swarm
                // piped into the same command starts from its own beginning.
                let identity = Array((exec! + "\n" + (try stream.streamName())).utf8)
                sink = ExecSink(command: exec!, statePath: state ?? "swarmbft-sink-\(hexString(Array(Blake2b.hash256(identity).prefix(6)))).position")
            }
        } catch let error as SinkError {
            throw ValidationError(error.description)
        }
        installStopHandlers()
        let start = try sink.nextSequence() ?? from
        let context = try ZMQContext(ioThreads: 1)
        let subscriber = try stream.subscriber(context: context, from: start)
        defer { subscriber.close(); context.terminate() }
        var runner = SinkRunner()
        let deadline = stream.deadline
        FileHandle.standardError.write(Data("sink: resuming at sequence \(start)\n".utf8))
        // A refused key ends the sink with the reason; a monitor not (yet) running does
        // not: a sink is a service that waits for its stream.
        try runner.run(subscriber: subscriber, sink: sink, count: stream.count) {
            stopRequested != 0 || deadline.map { Date() >= $0 } ?? false || subscriber.connection == .refused
        }
        try stream.checkConnection(subscriber, since: Date(), patient: true)
        let next = try sink.nextSequence().map(String.init) ?? "-"
        print(
            "sink: wrote \(runner.written) events; next sequence \(next); \(subscriber.catchups) catch-ups, \(subscriber.duplicatesDropped) duplicates dropped, \(subscriber.prunedSkipped) pruned sequences skipped"
        )
    }
}

/// A synthetic producer for tests and demos: serves the topology's event stream with
/// `count` events, logged like the monitor's. Refused unless the topology is a test bed.
struct EventsEmit: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "emit", abstract: "Serve a synthetic event stream (test beds only).", shouldDisplay: false)
    @Option(help: "Topology file (test_mode: true).") var topology: String
    @Option(help: "Directory for the security log.") var dataDir: String
    @Option(help: "Events to emit.") var count = 1000
    @Option(help: "Events per second.") var rate = 2000.0
    @Option(help: "Keep serving catch-up this many seconds after the last event.") var linger = 30.0

    func run() throws {
        let loaded = try Topology.load(path: topology)
        guard loaded.testMode else { throw ValidationError("events emit is fault injection for test beds: set test_mode: true in the topology") }
        installStopHandlers()
        let certificate = try loaded.monitorSecretCertificate()
        let context = try ZMQContext(ioThreads: 1)
        let consumers = try loaded.observerCertificates()
        let authenticator = try ZAPAuthenticator(context: context, allowlist: [EventsDomain.name: Set(consumers.map(\.curvePublicKey))])
        let log = try SecurityLog(directory: dataDir + "/security-log", signing: certificate.signing, macKey: SecurityLog.macKey(for: certificate))
        let journal = try EventJournal(
            log: log, swarmID: loaded.swarmID, node: "emitter", context: context, publishEndpoint: loaded.events.publishEndpoint, catchupEndpoint: loaded.events.catchupEndpoint,
            curve: (certificate.curve.secretKey.copyBytes(), certificate.curve.publicKey))
        defer { journal.close(); authenticator.stop(); context.terminate() }
        let start = Date()
        var emitted = 0
        var items = [journal.pollItem]
        while stopRequested == 0 {
            let due = min(count, Int(Date().timeIntervalSince(start) * rate))
            while emitted < due {
                let severity = Severity.allCases[emitted % Severity.allCases.count]
                try journal.record(
                    SecurityEvent(
                        type: "synthetic", severity: severity, subject: "replica-\(emitted % loaded.replicas.count)", summary: "synthetic event \(emitted)",
                        isFinding: emitted % 5 == 4, details: ["ordinal": .int(Int64(emitted))]))
                emitted += 1
            }
            if emitted == count {
                try journal.flush()
                if Date().timeIntervalSince(start) > Double(count) / rate + linger { break }
            }
            _ = try ZMQ.poll(&items, timeoutMilliseconds: 5)
            try journal.service()
        }
        try journal.flush()
        print("emit: \(emitted) events, \(journal.published) published, \(journal.catchupRequests) catch-up requests")
    }
}
