import Foundation
import Logging
import SwarmAuth
import SwarmClient
import SwarmCore
import SwarmCrypto
import SwarmEvents
import SwarmMonitorCore
import SwarmTopology
import SwarmSecurityLog
import SwarmWire
import ZeroMQ

/// The monitor shell: SUB-connects to every replica's tap (broker-free, CURVE with a key
/// on the topology's allowlist), feeds the pure detectors, writes each finding as an
/// evidence file in its data directory, and records every security event in its
/// tamper-evident log and on the event stream. One thread owns the sockets.
public final class MonitorService {
    let topology: Topology
    let dataDirectory: String
    let logger: Logger
    let context: ZMQContext
    let subscriber: ZMQSocket
    let authenticator: ZAPAuthenticator
    public let journal: EventJournal
    /// The pure monitor core: every detector, scores, threat level, responses.
    var security: SecurityMonitor
    let configuration: Configuration
    var announcedView: ViewNumber = 0
    let certificate: SecretCertificate
    /// Talks to the replicas' ROUTERs with the monitor's key, for responses.
    var responder: SwarmClient?
    var handedOver = Set<UInt32>()
    var evidenceCount: [UInt32: Int] = [:]
    /// The newest findings, for monitor-status.json.
    var recentFindings: [MonitorStatus.FindingLine] = []
    var findingCount = 0
    var quarantineRequested = Set<UInt32>()
    static let evidenceFilesPerReplica = 16
    /// Findings per replica, for status and tests.
    public internal(set) var findings: [UInt32: [String]] = [:]
    public internal(set) var observed = 0
    public internal(set) var malformed = 0
    /// Observations this monitor missed on each tap (its own queue overflowed, or the
    /// tap's high-water mark dropped them).
    public internal(set) var tapLoss = TapLoss()
    /// Security events of replicas relayed to the stream.
    public internal(set) var relayed = 0
    public private(set) var evidenceFiles: [String] = []

    /// `via`: subscribe through a monitor proxy at this endpoint instead of to every tap.
    public init(topology: Topology, certificate: SecretCertificate, dataDirectory: String, via: String? = nil, logger: Logger) throws {
        self.topology = topology
        self.dataDirectory = dataDirectory
        self.logger = logger
        self.certificate = certificate
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        let replicaCertificates = try topology.replicaCertificates()
        let crypto = Ed25519ProtocolCrypto(signingKey: nil, replicaKeys: replicaCertificates.map(\.ed25519PublicKey))
        configuration = try topology.configuration()
        let profile = ProtectionProfile.profile(for: topology.protectionLevel)
        security = SecurityMonitor(configuration: configuration, crypto: crypto, profile: profile, tickMicroseconds: UInt64(topology.timeouts.tickMilliseconds) * 1000)
        context = try ZMQContext(ioThreads: 1)
        // Consumers of the event stream present a client, admin or monitor key.
        let consumers = try topology.observerCertificates()
        let log = logger
        authenticator = try ZAPAuthenticator(
            context: context, allowlist: [EventsDomain.name: Set(consumers.map(\.curvePublicKey))],
            onDenial: { denial in
                log.warning("event stream refused a connection with an unknown CURVE key", metadata: ["denial": "\(denial)"])
            })
        let securityLog = try SecurityLog(directory: dataDirectory + "/security-log", signing: certificate.signing, macKey: SecurityLog.macKey(for: certificate))
        journal = try EventJournal(
            log: securityLog, swarmID: topology.swarmID, node: "monitor", context: context,
            publishEndpoint: "tcp://\(topology.events.host):\(topology.events.publishPort)",
            catchupEndpoint: "tcp://\(topology.events.host):\(topology.events.catchupPort)",
            curve: (certificate.curve.secretKey.copyBytes(), certificate.curve.publicKey))
        try journal.record(MonitorEvents.started(topology, configuration: configuration))
        subscriber = try context.makeSocket(.sub)
        try subscriber.setLinger(milliseconds: 0)
        try subscriber.setReceiveHighWaterMark(100_000)
        // No tap part is larger than a protocol frame (plus its small header): a bigger one
        // from a Byzantine replica's tap ends that connection in libzmq, unread.
        try subscriber.setMaxMessageSize(bytes: Int64(configuration.wireLimits.maxFrameBytes + (64 << 10)))
        try subscriber.subscribe(prefix: TapTopic.prefix)
        let secret = certificate.curve.secretKey.copyBytes()
        try ZMQCurve.configureCurveClient(subscriber, secretKey: secret, publicKey: certificate.curve.publicKey, serverKey: replicaCertificates[0].curvePublicKey)
        if let via {
            // Through a monitor proxy (`swarmbft monitor-proxy`), which serves with the monitor's key.
            try subscriber.setCurveServerKey(try topology.monitorCertificate().curvePublicKey)
            try subscriber.connect(via)
        } else {
            for replica in topology.replicas {
                try subscriber.setCurveServerKey(replicaCertificates[Int(replica.id)].curvePublicKey)
                try subscriber.connect("tcp://\(replica.host):\(replica.monitorPort)")
            }
        }
    }

    deinit {
        try? journal.flush()
        journal.close()
        subscriber.close()
        authenticator.stop()
        context.terminate()
    }

    /// Runs until `stopping()` or `deadline`.
    public func run(until deadline: Date? = nil, stopping: () -> Bool) throws {
        var items = [PollItem(socket: subscriber, events: .pollIn), journal.pollItem]
        defer {
            try? journal.flush()
            writeStatus()
        }
        var nextTick = Date(), nextStatus = Date()
        while !stopping(), deadline.map({ Date() < $0 }) ?? true {
            _ = try ZMQ.poll(&items, timeoutMilliseconds: 100)
            try journal.service()
            // A bounded drain per poll: a flood on the taps must not keep the loop from
            // its deadline, its stop flag or the event stream.
            for _ in 0 ..< 4096 {
                guard let received = try subscriber.receivePeerMessage(maxFrames: 3) else { break }
                guard case let .frames(frames, _) = received else { malformed += 1; continue }
                if frames.count == 2 {
                    switch TapTopic(frames[0]) {
                    case .event?: try relay(topic: frames[0], json: frames[1])
                    case let .links(observer)?: links(observer: observer, json: frames[1])
                    default: malformed += 1
                    }
                    continue
                }
                guard let tapped = TapObservation(frames: frames), let message = try? WireCodec.decode(tapped.frame) else {
                    malformed += 1
                    continue
                }
                observed += 1
                tapLoss.observe(replica: tapped.replica, sequence: tapped.sequence)
                if case let .newView(newView) = message.payload, newView.view > announcedView {
                    announcedView = newView.view
                    try journal.record(MonitorEvents.viewChange(view: newView.view, primary: configuration.primary(of: newView.view), announcedBy: newView.sender))
                }
                let observation = Observation(observer: tapped.replica, outbound: tapped.outbound, peer: tapped.peer, timeMicroseconds: tapped.timeMicroseconds, message: message)
                for finding in security.observe(observation) { try handle(finding) }
            }
            let now = Date()
            if now >= nextTick {
                for finding in security.tick(nowMicroseconds: UInt64(now.timeIntervalSince1970 * 1_000_000)) { try handle(finding) }
                nextTick = now.addingTimeInterval(0.1)
            }
            for response in security.takeResponses() { try respond(response) }
            if now >= nextStatus {
                writeStatus()
                nextStatus = now.addingTimeInterval(1)
            }
        }
    }

    /// A replica's socket-monitor view of its links feeds the partition detector, besides
    /// the traffic gaps it sees on the taps.
    func links(observer: UInt32, json: [UInt8]) {
        guard configuration.isReplica(observer), let connectivity = try? JSONDecoder().decode(PeerConnectivity.self, from: Data(json)) else {
            malformed += 1
            return
        }
        let now = UInt64(Date().timeIntervalSince1970 * 1_000_000)
        for peer in connectivity.peers where configuration.isReplica(peer.id) {
            security.reportConnectivity(observer: observer, peer: peer.id, connected: peer.hearing, nowMicroseconds: now)
        }
    }

    /// A replica's own security event (quarantine, rate limit, control command, …), durable
    /// in its log, goes onto the stream too, saying which replica reported it.
    func relay(topic: [UInt8], json: [UInt8]) throws {
        guard let event = try? CloudEvent.decode(json), let severity = event.severityLevel, let original = try? JSONDecoder().decode(JSONValue.self, from: Data(json)) else {
            malformed += 1
            return
        }
        relayed += 1
        let reporter = event.source.split(separator: ":").last.map(String.init) ?? "replica"
        let summary = event.data["summary"]?.stringValue ?? event.data["message"]?.stringValue ?? event.shortType
        try journal.record(
            SecurityEvent(
                type: event.shortType, severity: severity, subject: event.subject, summary: "\(reporter): \(summary)", isFinding: event.data["class_uid"] != nil,
                details: ["reported_by": .string(reporter), "replica_event": original]))
    }

    /// One JSON line per finding in `findings.jsonl`, for tools that tail it.
    func appendFinding(_ fields: [String: String]) throws {
        var object = fields
        object["time"] = ISO8601DateFormatter().string(from: Date())
        let line = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) + Data("\n".utf8)
        let path = dataDirectory + "/findings.jsonl"
        if let handle = FileHandle(forWritingAtPath: path) {
            handle.seekToEndOfFile()
            handle.write(line)
            try handle.close()
        } else {
            try line.write(to: URL(fileURLWithPath: path))
        }
    }

    /// The response to proof: hand the evidence to every replica, which verifies it itself
    /// and quarantines the offender as its protection level says (ReplicaProtection).
    func handOver(_ evidence: Evidence, offender: UInt32) throws {
        // Once per offender: the first proof suffices for every replica to quarantine it.
        guard handedOver.insert(offender).inserted else { return }
        let answers = try responderClient().control([ControlFrames.evidence, evidence.first.frame, evidence.second.frame])
        let accepted = answers.filter(\.accepted).count
        try journal.record(
            MonitorEvents.evidenceHandedOver(offender: offender, accepted: accepted, replicas: answers.count, answers: answers.map { "replica \($0.replica): \($0.text)" }))
        logger.notice("evidence against replica \(offender) handed to the replicas: \(accepted) of \(answers.count) accepted")
    }

    func record(_ evidence: Evidence) throws {
        guard let slot = SignedSlot(evidence.first.payload) else { return }
        // One proof is enough; a flood of conflicting slots must not fill the disk.
        evidenceCount[slot.signer, default: 0] += 1
        guard evidenceCount[slot.signer]! <= Self.evidenceFilesPerReplica else {
            findingCount += 1
            return
        }
        let file = EvidenceFile(evidence, slot: slot)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let path = "\(dataDirectory)/evidence-r\(slot.signer)-\(slot.kind.description.lowercased())-v\(slot.view)-n\(slot.sequence).json"
        try encoder.encode(file).write(to: URL(fileURLWithPath: path))
        evidenceFiles.append(path)
        findings[slot.signer, default: []].append("equivocation")
        try appendFinding(["type": "equivocation", "replica": "\(slot.signer)", "evidence": path])
        try journal.record(MonitorEvents.equivocation(file, path: path))
        remember(
            MonitorStatus.FindingLine(
                time: ISO8601DateFormatter().string(from: Date()), type: "equivocation", replicas: [slot.signer], certainty: "proven",
                summary: "replica \(slot.signer) signed two different \(slot.kind) for view \(slot.view) sequence \(slot.sequence)", evidence: path))
        logger.warning("replica \(slot.signer) equivocated: two different \(slot.kind) for view \(slot.view) sequence \(slot.sequence); evidence in \(path)")
    }
}
