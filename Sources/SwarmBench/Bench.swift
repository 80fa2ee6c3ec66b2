import SwarmOrchestrator
import Foundation
import Histogram
import SwarmCrypto
import SwarmTopology

/// `swarmbft bench`: a local mesh of real replica processes, closed-loop clients, and the
/// figures of docs/benchmarks.md.
public enum Bench {
    /// Runs one benchmark; `progress` receives human-readable steps (stderr in the CLI).
    public static func run(_ options: BenchOptions, progress: (String) -> Void = { _ in }) throws -> BenchResult {
        try options.validate()
        let cores = ProcessInfo.processInfo.activeProcessorCount
        // Measured before the mesh starts, so the replicas do not slow the measurement.
        progress("measuring Ed25519 sign and verify on this machine")
        let requestFrameBytes = options.payloadBytes + 160
        let cost = CryptoBound.measure(messageBytes: requestFrameBytes)

        let directory = options.directory ?? NSTemporaryDirectory() + "swarmbft-bench-\(getpid())-\(UInt32.random(in: 0 ... .max))"
        defer { if options.directory == nil { try? FileManager.default.removeItem(atPath: directory) } }
        var meshOptions = LocalMesh.Options()
        meshOptions.replicaCount = options.replicas
        meshOptions.clientCount = options.clients
        if let basePort = options.basePort {
            meshOptions.basePort = basePort
        } else {
            // Start from the process id so parallel runs spread out; skip ranges in use.
            let first = Int(getpid() % 90)
            let candidates = (0 ..< 90).map { 25_000 + (first + $0) % 90 * 400 }
            guard let free = LocalMesh.freeBasePort(candidates: candidates) else { throw LocalMeshError("no free range of 302 ports between 25000 and 61000 on 127.0.0.1") }
            meshOptions.basePort = free
        }
        meshOptions.maxBatchRequests = options.maxBatchRequests
        // Each lane carries many clients on one connection: the topology lists a gateway
        // for them (a client's own connection carries only its own identity).
        meshOptions.gateway = true
        meshOptions.dieWithParent = true
        meshOptions.binaryPath = options.binaryPath
        // Generous: a replica may run under a profiler (valgrind starts slowly and needs
        // time to write its profile after SIGTERM).
        meshOptions.startTimeoutSeconds = 90
        meshOptions.stopGraceSeconds = 30
        progress("starting \(options.replicas) replicas in \(directory) (ports \(meshOptions.basePort) ...)")
        let mesh = try LocalMesh(directory: directory, options: meshOptions)
        try mesh.start()
        var uncleanStops = 0
        defer { if mesh.replicaIDs.contains(where: mesh.isRunning) { mesh.stop() } }

        let topology = mesh.topology
        let certificates = try (0 ..< options.clients).map { try mesh.clientCertificate($0) }
        let gateway = try mesh.gatewayCertificate()
        let laneCount = min(options.lanes, options.clients)
        let lanes = try (0 ..< laneCount).map { lane in
            try BenchLane(
                topology: topology, connection: gateway, certificates: stride(from: lane, to: options.clients, by: laneCount).map { certificates[$0] },
                payloadBytes: options.payloadBytes,
                sendRule: options.sendRule, verifyReplies: options.verifyReplies)
        }
        let start = monotonicNanoseconds() + 200_000_000
        let schedule = BenchSchedule(
            startNanoseconds: start,
            measureFromNanoseconds: start + UInt64(options.warmupSeconds * 1e9),
            endNanoseconds: start + UInt64((options.warmupSeconds + options.durationSeconds) * 1e9))
        progress("running \(options.clients) clients: \(options.warmupSeconds) s warm-up, \(options.durationSeconds) s measured")
        let results = LaneResults()
        let threads = lanes.enumerated().map { index, lane in
            let box = LaneBox(lane: lane)
            let thread = Thread {
                box.lane.run(schedule)
                results.store(index, box.lane.result)
            }
            thread.stackSize = 1 << 20
            return thread
        }
        for thread in threads { thread.start() }

        sleep(untilNanoseconds: schedule.measureFromNanoseconds)
        let pids = mesh.replicaIDs.map { mesh.processID(of: $0) }
        let cpuBefore = pids.map { ProcessCPU.seconds(of: $0) } + [ProcessCPU.seconds(of: nil)]
        sleep(untilNanoseconds: schedule.endNanoseconds)
        let cpuAfter = pids.map { ProcessCPU.seconds(of: $0) } + [ProcessCPU.seconds(of: nil)]
        let lanesDone = results.wait(count: laneCount, timeoutSeconds: 15)

        if !mesh.stop() { uncleanStops += 1 }
        let statuses = mesh.replicaIDs.compactMap { mesh.status(of: $0) }
        var merged = BenchLaneResult()
        for result in results.all {
            merged.latencyMicroseconds.add(result.latencyMicroseconds)
            merged.completed += result.completed
            merged.retransmissions += result.retransmissions
            merged.timeouts += result.timeouts
            merged.invalidReplies += result.invalidReplies
            merged.mismatchedReplies += result.mismatchedReplies
            merged.errors += result.errors
        }
        if !lanesDone { merged.errors.append("\(laneCount - results.all.count) client lanes did not finish") }
        for replica in mesh.replicaIDs where mesh.exitStatus(of: replica).map({ $0 != 0 }) ?? false {
            merged.errors.append("replica \(replica) exited with status \(mesh.exitStatus(of: replica)!)")
        }
        if statuses.count < options.replicas { merged.errors.append("only \(statuses.count) of \(options.replicas) replicas left a final status") }

        return summarise(
            options: options, merged: merged, statuses: statuses, cpuBefore: cpuBefore, cpuAfter: cpuAfter,
            cost: cost, cores: cores, uncleanStops: uncleanStops, checkpointInterval: Double(topology.checkpointInterval))
    }

    static func summarise(
        options: BenchOptions, merged: BenchLaneResult, statuses: [NodeStatus], cpuBefore: [Double?], cpuAfter: [Double?],
        cost: (signMicroseconds: Double, verifyMicroseconds: Double), cores: Int, uncleanStops: Int, checkpointInterval: Double
    ) -> BenchResult {
        let window = options.durationSeconds
        let completed = merged.completed
        let histogram = merged.latencyMicroseconds
        func milliseconds(_ microseconds: UInt64) -> Double { Double(microseconds) / 1_000 }
        let latency =
            histogram.totalCount == 0
            ? BenchResult.Latency(p50: 0, p90: 0, p99: 0, max: 0, mean: 0)
            : BenchResult.Latency(
                p50: milliseconds(histogram.valueAtPercentile(50)), p90: milliseconds(histogram.valueAtPercentile(90)),
                p99: milliseconds(histogram.valueAtPercentile(99)), max: milliseconds(histogram.max), mean: histogram.mean / 1_000)
        // All replicas execute the same batches; the one that executed most saw them all.
        let busiest = statuses.max { $0.counters.executedRequests < $1.counters.executedRequests }
        let batches = busiest?.executedBatches ?? 0
        let meanBatch = batches > 0 ? Double(busiest!.counters.executedRequests) / Double(batches) : 0
        var processes: [BenchResult.ProcessCost] = []
        for index in cpuBefore.indices {
            let name = index < options.replicas ? "replica-\(index)" : "bench"
            guard let before = cpuBefore[index], let after = cpuAfter[index] else { continue }
            let seconds = after - before
            processes.append(.init(name: name, cpuSeconds: seconds, cpuMicrosecondsPerRequest: completed > 0 ? seconds * 1e6 / Double(completed) : 0))
        }
        let cpuTotal = processes.map(\.cpuSeconds).reduce(0, +)
        let bound = CryptoBound(
            signMicroseconds: cost.signMicroseconds, verifyMicroseconds: cost.verifyMicroseconds, replicas: options.replicas,
            meanBatch: max(meanBatch, 1), checkpointInterval: checkpointInterval,
            clientVerifiesReplies: options.verifyReplies, cores: cores)
        let throughput = Double(completed) / window
        let problems = BenchResult.Problems(
            timeouts: merged.timeouts, retransmissions: merged.retransmissions, invalidReplies: merged.invalidReplies,
            mismatchedReplies: merged.mismatchedReplies, uncleanStops: uncleanStops,
            viewChanges: statuses.map(\.viewChanges).max() ?? 0,
            rateLimited: statuses.map { $0.rateLimitedByPeer.values.reduce(0, +) }.reduce(0, +), messages: merged.errors)
        return BenchResult(
            parameters: options, completedRequests: completed, windowSeconds: window, throughputRps: throughput, latencyMs: latency,
            meanBatchSize: meanBatch, processes: processes, cpuMicrosecondsPerRequest: completed > 0 ? cpuTotal * 1e6 / Double(completed) : 0,
            coresBusy: cpuTotal / window, crypto: bound, cryptoBoundRps: bound.boundRequestsPerSecond,
            ratioToCryptoBound: throughput / bound.boundRequestsPerSecond,
            cryptoShareOfCPU: completed > 0 && cpuTotal > 0 ? bound.cpuMicrosecondsPerRequest / (cpuTotal * 1e6 / Double(completed)) : 0,
            problems: problems,
            machine: .init(cores: cores, cpuModel: cpuModel()))
    }

    static func sleep(untilNanoseconds deadline: UInt64) {
        while true {
            let now = monotonicNanoseconds()
            guard now < deadline else { return }
            usleep(UInt32(min(deadline - now, 100_000_000) / 1_000))
        }
    }

    static func cpuModel() -> String {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
            let colon = line.firstIndex(of: ":")
        else { return "unknown" }
        return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }
}

/// Hands a lane to its thread; the lane is used by that thread only from then on.
private final class LaneBox: @unchecked Sendable {
    let lane: BenchLane
    init(lane: BenchLane) { self.lane = lane }
}

/// Collects the lanes' results from their threads.
private final class LaneResults: @unchecked Sendable {
    private let condition = NSCondition()
    private var results: [Int: BenchLaneResult] = [:]

    func store(_ index: Int, _ result: BenchLaneResult) {
        condition.lock()
        results[index] = result
        condition.broadcast()
        condition.unlock()
    }

    func wait(count: Int, timeoutSeconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        condition.lock()
        defer { condition.unlock() }
        while results.count < count {
            if !condition.wait(until: deadline) { return results.count >= count }
        }
        return true
    }

    var all: [BenchLaneResult] {
        condition.lock()
        defer { condition.unlock() }
        return results.keys.sorted().map { results[$0]! }
    }
}
