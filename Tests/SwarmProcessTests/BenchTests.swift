import Foundation
import SwarmBench
import Testing
import SwarmClient
import SwarmNode
import SwarmTopology
import SwarmOrchestrator
import SwarmTestKit

extension ProcessSuites {
    /// [PROC] `swarmbft bench` and the `LocalMesh` under it, on real replica processes. They
    /// check that the figures are present and consistent, never how fast they are: speed is
    /// measured by the command on an idle machine (docs/benchmarks.md), not asserted here.
    @Suite("Benchmark and local mesh")
    struct BenchTests {
        @Test("bench --duration 2 --clients 4 --json prints one sane JSON object that echoes its parameters")
        func shortBenchJSON() throws {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: TestKit.swarmbftBinary())
            process.arguments = ["bench", "--replicas", "4", "--duration", "2", "--warmup", "1", "--clients", "4", "--payload", "64", "--json"]
            let output = Pipe()
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            try process.run()
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            // Exit 3 means the run reported problems (timeouts, view changes); the JSON is still
            // printed, and the problems must then be listed in it.
            #expect([0, 3].contains(process.terminationStatus), "bench exited \(process.terminationStatus)")
            let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any], "not one JSON object: \(String(decoding: data, as: UTF8.self))")

            let throughput = try #require(object["throughput_rps"] as? Double)
            #expect(throughput > 0)
            let latency = try #require(object["latency_ms"] as? [String: Double])
            let p50 = try #require(latency["p50"]), p90 = try #require(latency["p90"]), p99 = try #require(latency["p99"]), max = try #require(latency["max"])
            #expect(p50 > 0)
            #expect(p50 <= p90 && p90 <= p99 && p99 <= max, "percentiles out of order: \(latency)")
            #expect(try #require(object["crypto_bound_rps"] as? Double) > 0)
            #expect(try #require(object["mean_batch_size"] as? Double) >= 1)

            let parameters = try #require(object["parameters"] as? [String: Any])
            #expect(parameters["replicas"] as? Int == 4)
            #expect(parameters["clients"] as? Int == 4)
            #expect(parameters["payload_bytes"] as? Int == 64)
            #expect(parameters["duration_seconds"] as? Double == 2)

            let problems = try #require(object["problems"] as? [String: Any])
            if process.terminationStatus == 0 {
                #expect(problems["timeouts"] as? Int == 0)
                #expect(problems["invalid_replies"] as? Int == 0)
                #expect(problems["mismatched_replies"] as? Int == 0)
            }
            let processes = try #require(object["processes"] as? [[String: Any]])
            #expect(Set(processes.compactMap { $0["name"] as? String }) == ["replica-0", "replica-1", "replica-2", "replica-3", "bench"])
        }

        @Test("LocalMesh: 4 processes get ready, serve a client, survive kill -9 and restart of a backup, and stop on SIGTERM")
        func localMeshLifecycle() throws {
            let directory = TestKit.scratchPath("mesh")
            defer { try? FileManager.default.removeItem(atPath: directory) }
            var options = LocalMesh.Options()
            options.binaryPath = TestKit.swarmbftBinary()
            // Probed rather than taken from LocalCluster's counter: suites run in parallel, and
            // a range another cluster holds makes a replica fail to bind.
            options.basePort = try #require(LocalMesh.freeBasePort(candidates: stride(from: 61_000 - 400 * Int(getpid() % 20), to: 20_000, by: -400)))
            let mesh = try LocalMesh(directory: directory, options: options)
            try mesh.start()
            #expect(mesh.replicaIDs.allSatisfy { mesh.isRunning($0) && mesh.status(of: $0) != nil })

            let client = try SwarmClient(topology: mesh.topology, certificate: try mesh.clientCertificate(0))
            client.timeoutMilliseconds = 30_000
            #expect(try put(client, "before", "1").status == .ok)

            mesh.kill(2)
            #expect(!mesh.isRunning(2))
            #expect(try put(client, "while-down", "2").status == .ok)
            try mesh.restart(2)
            #expect(mesh.isRunning(2))
            #expect(try put(client, "after", "3").status == .ok)

            #expect(mesh.stop(), "a replica needed SIGKILL after SIGTERM; logs in \(directory)")
            #expect(mesh.replicaIDs.allSatisfy { mesh.exitStatus(of: $0) == 0 })
            #expect(mesh.replicaIDs.allSatisfy { (mesh.status(of: $0)?.lastExecuted ?? 0) > 0 || $0 == 2 })
            #expect(FileManager.default.fileExists(atPath: mesh.logPath(of: 2)))
        }
    }
}
