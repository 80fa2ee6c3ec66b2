import ArgumentParser
import Foundation
import Logging
import SwarmCrypto
import SwarmFaults
import SwarmNode
import SwarmTopology

/// Set by the SIGTERM/SIGINT handler; the node's loop polls it.
nonisolated(unsafe) var stopRequested: sig_atomic_t = 0

func installStopHandlers() {
    // A parent may have started us with these signals blocked (threads of libdispatch
    // block them, and the mask is inherited): unblock them, or SIGTERM would never arrive.
    var unblock = sigset_t()
    sigemptyset(&unblock)
    sigaddset(&unblock, SIGTERM)
    sigaddset(&unblock, SIGINT)
    pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
    signal(SIGTERM) { _ in stopRequested = 1 }
    signal(SIGINT) { _ in stopRequested = 1 }
    signal(SIGPIPE, SIG_IGN)
}

/// `swarmbft node`: runs one replica until SIGTERM, then drains and exits cleanly.
struct NodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "node", abstract: "Run one replica of a topology.")

    @Option(help: "Topology file.") var topology: String
    @Option(help: "This replica's id.") var replica: UInt32
    @Option(help: "Data directory (write-ahead log, status.json).") var dataDir: String
    @Option(help: "Log level: trace, debug, info, notice, warning, error.") var logLevel = "info"
    @Option(help: "Fault injection for test beds (needs test_mode: true): \(Misbehavior.names).") var misbehave: String?

    func run() throws {
        installStopHandlers()
        var logger = Logger(label: "swarmbft.replica-\(replica)")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        let loaded: Topology
        do { loaded = try Topology.load(path: topology) } catch { throw ValidationError("\(error)") }
        var misbehavior: Misbehavior?
        if let misbehave {
            guard let kind = Misbehavior(rawValue: misbehave) else { throw ValidationError("unknown --misbehave '\(misbehave)'; choose one of \(Misbehavior.names)") }
            misbehavior = kind
        }
        let node: ReplicaNode
        do {
            node = try ReplicaNode(topology: loaded, replica: replica, dataDirectory: dataDir, misbehavior: misbehavior, logger: logger) { stopRequested != 0 }
        } catch {
            logger.error("cannot start: \(error)")
            throw ExitCode(2)
        }
        try node.run()
    }
}

/// `swarmbft status`: a replica's view, sequences, peers and counters.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show a replica's status.")
    @Option(help: "Topology file.") var topology: String
    @Option(help: "Replica id.") var replica: UInt32
    @Option(help: "Client secret certificate to connect with (default: the topology's keys/client-0.key_secret).") var key: String?
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let loaded = try Topology.load(path: topology)
        let client = try makeClient(loaded, key: key)
        let text = try client.status(of: replica)
        if json { print(text); return }
        guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else { print(text); return }
        for key in [
            "replica", "view", "primary", "status", "last_executed", "stable_checkpoint", "state_digest", "pending_requests", "view_changes", "state_transfers",
            "equivocations_seen", "uptime_seconds",
        ] {
            print("\(key.padding(toLength: 20, withPad: " ", startingAt: 0)) \(object[key].map { "\($0)" } ?? "-")")
        }
        if let counters = object["counters"] as? [String: Any] {
            for (name, value) in counters.sorted(by: { $0.key < $1.key }) { print("\(name.padding(toLength: 20, withPad: " ", startingAt: 0)) \(value)") }
        }
        if let connectivity = object["connectivity"] as? [String: Any], let peers = connectivity["peers"] as? [[String: Any]] {
            for peer in peers {
                let id = peer["id"].map { "\($0)" } ?? "?"
                let hearing = (peer["hearing"] as? Bool) == true ? "hearing" : "NOT hearing"
                let reaching = (peer["reaching"] as? Bool) == true ? "reaching" : "NOT reaching"
                print("peer \(id)".padding(toLength: 21, withPad: " ", startingAt: 0) + "\(hearing), \(reaching), \(peer["disconnects"] ?? 0) disconnects")
            }
            print(
                "router               accepted \(connectivity["router_accepted"] ?? 0), disconnects \(connectivity["router_disconnects"] ?? 0), handshake failures \(connectivity["handshake_failures"] ?? 0)"
            )
        }
        if let dropped = object["dropped"] as? [String: Any], !dropped.isEmpty {
            print("dropped              " + dropped.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
        }
    }
}
