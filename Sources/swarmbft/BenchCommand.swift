import ArgumentParser
import Foundation
import SwarmClient
import SwarmCore
import SwarmBench
import SwarmOrchestrator

/// `swarmbft bench`: throughput and latency of a local mesh, against the cost of its
/// cryptography (docs/benchmarks.md).
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench", abstract: "Benchmark a local mesh of replica processes with closed-loop signed clients.")

    @Option(help: "Replicas (n ≥ 4).") var replicas = 4
    @Option(help: "Closed-loop clients, one request outstanding each.") var clients = 32
    @Option(help: "Bytes of the value each request writes.") var payload = 64
    @Option(help: "Seconds measured.") var duration = 30.0
    @Option(help: "Seconds run before measuring.") var warmup = 3.0
    @Option(help: "Threads driving the clients.") var lanes = 2
    @Option(help: "Where a client sends a request first: primary (the PBFT client; its first request and retransmissions go to all) or all (every replica, every time).")
    var sendTo = "primary"
    @Flag(help: "Clients also verify each reply's Ed25519 signature (by default the CURVE connection authenticates it).") var verifyReplies = false
    @Option(help: "First port of the mesh (default: derived from the process id).") var basePort: Int?
    @Option(help: "Largest batch the primary proposes (default: the topology's).") var maxBatch: Int?
    @Option(help: "Directory for the mesh (kept afterwards; default: a temporary one, removed).") var directory: String?
    @Option(help: "The swarmbft executable the replicas run (default: this one); for comparing builds or profiling under a wrapper.") var binary: String?
    @Flag(help: "Print one JSON object.") var json = false

    func run() throws {
        var options = BenchOptions()
        options.replicas = replicas
        options.clients = clients
        options.payloadBytes = payload
        options.durationSeconds = duration
        options.warmupSeconds = warmup
        options.lanes = lanes
        guard let rule = ClientSendRule(rawValue: sendTo) else { throw ValidationError("--send-to must be all or primary") }
        options.sendRule = rule
        options.verifyReplies = verifyReplies
        options.basePort = basePort
        options.maxBatchRequests = maxBatch
        options.directory = directory
        options.binaryPath = binary
        do { try options.validate() } catch { throw ValidationError("\(error)") }
        let result = try Bench.run(options) { step in
            FileHandle.standardError.write(Data("bench: \(step)\n".utf8))
        }
        print(json ? try result.json() : result.text())
        // A run with errors still prints its figures, but says so by its exit status.
        if result.problems.any { throw ExitCode(3) }
    }
}
