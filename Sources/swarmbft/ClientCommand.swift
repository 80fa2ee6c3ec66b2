import ArgumentParser
import Foundation
import SwarmClient
import SwarmCore
import SwarmMemory
import SwarmCrypto
import SwarmTopology

func makeClient(_ topology: Topology, key: String?) throws -> SwarmClient {
    let path = key ?? topology.resolve("keys/client-0.key_secret")
    let certificate: SecretCertificate
    do { certificate = try CertificateFile.readSecret(path: path) } catch { throw ValidationError("client certificate: \(error)") }
    return try SwarmClient(topology: topology, certificate: certificate)
}

/// `swarmbft client`: operations on the swarm memory, answered on q matching replies.
struct ClientCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "client",
        abstract: "Operate on the swarm memory through the replica group.",
        subcommands: [Put.self, Get.self, Delete.self, CompareAndSet.self, List.self, Submit.self, Load.self]
    )

    struct Common: ParsableArguments {
        @Option(help: "Topology file.") var topology: String
        @Option(help: "Client secret certificate (default: keys/client-0.key_secret beside the topology).") var key: String?
        @Option(help: "Namespace.") var namespace = "default"
        @Flag(help: "Print JSON.") var json = false
        @Option(help: "Timeout in milliseconds.") var timeoutMs = 10_000

        func client() throws -> SwarmClient {
            let client = try makeClient(try Topology.load(path: topology), key: key)
            client.timeoutMilliseconds = timeoutMs
            return client
        }

        func show(_ result: MemoryResult) throws {
            if json {
                let entries = result.entries.map { "{\"key\":\(quote($0.key)),\"version\":\($0.version),\"value\":\(quote($0.value))}" }
                print("{\"status\":\"\(result.status)\",\"version\":\(result.version),\"value\":\(quote(result.value)),\"entries\":[\(entries.joined(separator: ","))]}")
            } else {
                print("\(result.status) version \(result.version)\(result.value.isEmpty ? "" : ": " + String(decoding: result.value, as: UTF8.self))")
                for entry in result.entries { print("  \(String(decoding: entry.key, as: UTF8.self)) v\(entry.version) = \(String(decoding: entry.value, as: UTF8.self))") }
            }
            if result.status != .ok && result.status != .notFound { throw ExitCode(1) }
        }

        func quote(_ bytes: [UInt8]) -> String {
            let text = String(decoding: bytes, as: UTF8.self)
            let data = try? JSONSerialization.data(withJSONObject: [text], options: [.fragmentsAllowed])
            return data.flatMap { String(data: $0, encoding: .utf8) }.map { String($0.dropFirst().dropLast()) } ?? "\"\""
        }
    }

    struct Put: ParsableCommand {
        @OptionGroup var common: Common
        @Argument var key: String
        @Argument var value: String
        func run() throws { try common.show(common.client().execute(.put(namespace: Array(common.namespace.utf8), key: Array(key.utf8), value: Array(value.utf8)))) }
    }

    struct Get: ParsableCommand {
        @OptionGroup var common: Common
        @Argument var key: String
        func run() throws { try common.show(common.client().execute(.get(namespace: Array(common.namespace.utf8), key: Array(key.utf8)))) }
    }

    struct Delete: ParsableCommand {
        @OptionGroup var common: Common
        @Argument var key: String
        func run() throws { try common.show(common.client().execute(.delete(namespace: Array(common.namespace.utf8), key: Array(key.utf8)))) }
    }

    struct CompareAndSet: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "cas")
        @OptionGroup var common: Common
        @Argument var key: String
        @Argument(help: "Expected version (0: the key must be absent).") var expectedVersion: UInt64
        @Argument var value: String
        func run() throws {
            try common.show(
                common.client().execute(.compareAndSet(namespace: Array(common.namespace.utf8), key: Array(key.utf8), expectedVersion: expectedVersion, value: Array(value.utf8))))
        }
    }

    struct List: ParsableCommand {
        @OptionGroup var common: Common
        @Option(help: "Key prefix.") var prefix = ""
        @Option(help: "At most this many entries.") var limit: UInt16 = 100
        func run() throws { try common.show(common.client().execute(.list(namespace: Array(common.namespace.utf8), prefix: Array(prefix.utf8), limit: limit))) }
    }

    /// A raw operation, in hex; prints the agreed result in hex (or decoded with --memory).
    struct Submit: ParsableCommand {
        @OptionGroup var common: Common
        @Argument(help: "The operation bytes in hex.") var operationHex: String
        func run() throws {
            let operation: [UInt8]
            do { operation = try bytes(fromHex: operationHex) } catch { throw ValidationError("operation is not hex: \(error)") }
            let result = try common.client().submit(operation)
            if let decoded = try? MemoryResult.decode(result) { try common.show(decoded) } else { print(hexString(result)) }
        }
    }

    /// Sequential load for tests and smoke checks: N puts, each answered by f + 1 replicas.
    struct Load: ParsableCommand {
        @OptionGroup var common: Common
        @Option(help: "Number of requests.") var requests = 1000
        @Option(help: "Bytes of each value; with --distinct-keys this fills the memory (default: a short text).") var valueBytes: Int?
        @Flag(help: "Write request i under key-i, so that the state grows with every request (default: 100 keys, overwritten).") var distinctKeys = false
        func run() throws {
            if let valueBytes, valueBytes < 0 || valueBytes > MemoryLimits.standard.maxValueBytes {
                throw ValidationError("--value-bytes must be between 0 and \(MemoryLimits.standard.maxValueBytes)")
            }
            let client = try common.client()
            let started = Date()
            for index in 0 ..< requests {
                let key = Array("key-\(distinctKeys ? index : index % 100)".utf8)
                let value = valueBytes.map { [UInt8](repeating: UInt8(truncatingIfNeeded: index), count: $0) } ?? Array("value-\(index)".utf8)
                let result = try client.execute(.put(namespace: Array(common.namespace.utf8), key: key, value: value))
                guard result.status == .ok else { throw ValidationError("request \(index): \(result.status)") }
            }
            let seconds = Date().timeIntervalSince(started)
            print("\(requests) requests in \(String(format: "%.2f", seconds)) s (\(String(format: "%.0f", Double(requests) / seconds)) requests/s, sequential)")
        }
    }
}
