import Foundation
import Logging
import SwarmAuth
import SwarmCore
import SwarmCrypto
import SwarmMonitorCore
import SwarmNode
import SwarmWire
import ZeroMQ

/// The monitor shell: SUB-connects to every replica's tap (broker-free, CURVE with a key
/// on the topology's allowlist), feeds the pure detector, and writes each finding as an
/// evidence file in its data directory. One thread owns the sockets.
public final class MonitorService {
    let topology: Topology
    let dataDirectory: String
    let logger: Logger
    let context: ZMQContext
    let subscriber: ZMQSocket
    var detector: EquivocationDetector
    var flooding: FloodingDetector
    /// Findings per replica, for status and tests.
    public private(set) var findings: [UInt32: [String]] = [:]
    public private(set) var observed = 0
    public private(set) var malformed = 0
    public private(set) var evidenceFiles: [String] = []

    public init(topology: Topology, certificate: SecretCertificate, dataDirectory: String, logger: Logger) throws {
        self.topology = topology
        self.dataDirectory = dataDirectory
        self.logger = logger
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        let replicaCertificates = try topology.replicaCertificates()
        let crypto = Ed25519ProtocolCrypto(signingKey: nil, replicaKeys: replicaCertificates.map(\.ed25519PublicKey))
        detector = EquivocationDetector(crypto: crypto)
        flooding = FloodingDetector(configuration: try topology.configuration(), crypto: crypto)
        context = try ZMQContext(ioThreads: 1)
        subscriber = try context.makeSocket(.sub)
        try subscriber.setLinger(milliseconds: 0)
        try subscriber.setReceiveHighWaterMark(100_000)
        try subscriber.subscribe(prefix: Array("tap/".utf8))
        let secret = certificate.curve.secretKey.copyBytes()
        try ZMQCurve.configureCurveClient(subscriber, secretKey: secret, publicKey: certificate.curve.publicKey, serverKey: replicaCertificates[0].curvePublicKey)
        for replica in topology.replicas {
            try subscriber.setCurveServerKey(replicaCertificates[Int(replica.id)].curvePublicKey)
            try subscriber.connect("tcp://\(replica.host):\(replica.monitorPort)")
        }
    }

    deinit {
        subscriber.close()
        context.terminate()
    }

    /// Runs until `stopping()` or `deadline`.
    public func run(until deadline: Date? = nil, stopping: () -> Bool) throws {
        var items = [PollItem(socket: subscriber, events: .pollIn)]
        while !stopping(), deadline.map({ Date() < $0 }) ?? true {
            _ = try ZMQ.poll(&items, timeoutMilliseconds: 100)
            while let frames = try subscriber.receiveMultipart(dontWait: true, maxFrames: 3) {
                guard let observation = TapObservation(frames: frames), let message = try? WireCodec.decode(observation.frame) else {
                    malformed += 1
                    continue
                }
                observed += 1
                for finding in detector.observe(message) + flooding.observe(message) {
                    switch finding {
                    case let .equivocation(evidence):
                        try record(evidence)
                    case let .flooding(replica, count):
                        findings[replica, default: []].append("flooding")
                        try appendFinding(["type": "flooding", "replica": "\(replica)", "far_future_messages": "\(count)"])
                        logger.warning("replica \(replica) is flooding: \(count) validly signed messages far beyond the watermarks")
                    default:
                        // Findings of the newer detectors (issue 5), logged generically until the shell runs SecurityMonitor.
                        try appendFinding(["type": finding.name, "certainty": finding.certainty.rawValue, "replicas": finding.accused.map(String.init).joined(separator: ",")])
                        logger.warning("\(finding.certainty.rawValue) \(finding.name): \(finding)")
                    }
                }
            }
        }
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

    func record(_ evidence: Evidence) throws {
        guard let slot = SignedSlot(evidence.first.payload) else { return }
        let file = EvidenceFile(evidence, slot: slot)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let path = "\(dataDirectory)/evidence-r\(slot.signer)-\(slot.kind.description.lowercased())-v\(slot.view)-n\(slot.sequence).json"
        try encoder.encode(file).write(to: URL(fileURLWithPath: path))
        evidenceFiles.append(path)
        findings[slot.signer, default: []].append("equivocation")
        try appendFinding(["type": "equivocation", "replica": "\(slot.signer)", "evidence": path])
        logger.warning("replica \(slot.signer) equivocated: two different \(slot.kind) for view \(slot.view) sequence \(slot.sequence); evidence in \(path)")
    }
}
