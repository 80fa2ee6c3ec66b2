#if canImport(Glibc)
    import Glibc
#endif
import Foundation
import SwarmCore
import SwarmCrypto
import SwarmTopology
import SwarmFaults

/// Why the local mesh could not be started or used.
public struct LocalMeshError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A replica group of real `swarmbft node` processes on this host, with CURVE and the ZAP
/// allowlists exactly as in production: the building block of `swarmbft bench`, the
/// process tests, and (later) `swarmbft up`.
///
/// Lifecycle: `init` writes keys and `topology.yaml` into `directory` (through
/// `TopologyGenerator`, the same code as `swarmbft topology init`); `start()` spawns one
/// process per replica and returns once every replica has written its `status.json`;
/// `stop()` sends SIGTERM to every replica, waits `stopGraceSeconds`, then SIGKILLs what
/// is left. Single replicas can be killed, stopped and restarted.
///
/// Not thread-safe: one thread owns a mesh. A mesh that is deinitialised kills what is
/// still running (SIGKILL), so a failing caller never leaves processes behind.
public final class LocalMesh {
    public struct Options: Sendable {
        public var replicaCount = 4
        /// See `TopologyGenerator.basePort`: the mesh occupies basePort ... basePort + 301.
        public var basePort = 7100
        /// Client certificates to create (`keys/client-N.key_secret`, allowlisted).
        public var clientCount = 1
        public var testMode = false
        public var protectionLevel = ProtectionLevel.standard
        /// The swarm id of the generated topology (default: a fresh swarm-<ms>-<rand>).
        public var swarmID: String?
        public var timeouts = Topology.Timeouts()
        /// nil keeps the topology default.
        public var maxBatchRequests: Int?
        /// A gateway certificate carrying every client identity (`TopologyGenerator.gateway`).
        public var gateway = false
        /// The replicas get SIGTERM when this process dies (`ParentWatch`). Only for a
        /// mesh started and restarted from one long-lived thread: the kernel signals when
        /// the thread that spawned the child ends, not the process.
        public var dieWithParent = false
        /// Per replica, the `--misbehave` kind (needs `testMode`).
        public var misbehavior: [Int: Misbehavior] = [:]
        public var logLevel = "warning"
        /// The `swarmbft` executable; nil: the running process's own (/proc/self/exe),
        /// which is right when the caller is the `swarmbft` command itself.
        public var binaryPath: String?
        /// How long `start()` waits for every replica's first status.json.
        public var startTimeoutSeconds = 20.0
        /// How long `stop` waits after SIGTERM before SIGKILL.
        public var stopGraceSeconds = 5.0

        public init() {}
    }

    public let directory: String
    public let options: Options
    public let topology: Topology
    public var topologyPath: String { directory + "/topology.yaml" }
    public let binaryPath: String
    private var processes: [Int: Process] = [:]

    /// Generates the topology and keys in `directory` (created if missing). Starts nothing.
    public init(directory: String, options: Options = Options()) throws {
        self.directory = directory
        self.options = options
        binaryPath = try options.binaryPath ?? Self.runningExecutable()
        guard FileManager.default.isExecutableFile(atPath: binaryPath) else { throw LocalMeshError("\(binaryPath) is not an executable") }
        if !options.misbehavior.isEmpty, !options.testMode { throw LocalMeshError("misbehaving replicas need testMode") }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var generator = TopologyGenerator()
        generator.replicaCount = options.replicaCount
        generator.basePort = options.basePort
        generator.clientCount = options.clientCount
        generator.protectionLevel = options.protectionLevel
        generator.swarmID = options.swarmID
        generator.testMode = options.testMode
        generator.timeouts = options.timeouts
        generator.maxBatchRequests = options.maxBatchRequests
        generator.gateway = options.gateway
        topology = try generator.write(to: directory)
    }

    deinit {
        for process in processes.values where process.isRunning {
            Glibc.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// The path of this process's executable.
    public static func runningExecutable() throws -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard count > 0 else { throw LocalMeshError("cannot read /proc/self/exe; pass Options.binaryPath") }
        return String(decoding: buffer[0 ..< count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// A base port whose whole range (base ... base + 301) is free on 127.0.0.1 now,
    /// trying `candidates` in order; nil if none is. Other meshes (tests, other users) on
    /// the same host would otherwise make a replica fail to bind.
    public static func freeBasePort(candidates: some Sequence<Int>) -> Int? {
        candidates.first { base in (base ... base + 301).allSatisfy(portIsFree) }
    }

    static func portIsFree(_ port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    // MARK: Paths

    public var replicaIDs: Range<Int> { 0 ..< options.replicaCount }
    public func dataDirectory(of replica: Int) -> String { directory + "/data-\(replica)" }
    /// Standard output and error of the replica's processes, appended across restarts.
    public func logPath(of replica: Int) -> String { directory + "/node-\(replica).log" }
    public func statusPath(of replica: Int) -> String { dataDirectory(of: replica) + "/status.json" }
    public func clientSecretPath(_ index: Int) -> String { directory + "/keys/client-\(index).key_secret" }

    public func clientCertificate(_ index: Int) throws -> SecretCertificate {
        try CertificateFile.readSecret(path: clientSecretPath(index))
    }

    /// The gateway's secret certificate (with `Options.gateway`).
    public func gatewayCertificate() throws -> SecretCertificate {
        try CertificateFile.readSecret(path: directory + "/keys/gateway-0.key_secret")
    }

    // MARK: Processes

    /// Spawns every replica and waits until each has written its status.json.
    public func start() throws {
        for replica in replicaIDs where !isRunning(replica) { try spawn(replica) }
        try waitUntilReady(replicaIDs)
    }

    /// Starts (or restarts) one replica and waits for its status.json. Its write-ahead log
    /// is kept, so a restarted replica recovers from it.
    public func restart(_ replica: Int) throws {
        if isRunning(replica) { stop(replica) }
        try spawn(replica)
        try waitUntilReady([replica])
    }

    private func spawn(_ replica: Int) throws {
        guard replicaIDs.contains(replica) else { throw LocalMeshError("no replica \(replica) in a mesh of \(options.replicaCount)") }
        try FileManager.default.createDirectory(atPath: dataDirectory(of: replica), withIntermediateDirectories: true)
        // A status.json left by an earlier run must not count as "ready".
        try? FileManager.default.removeItem(atPath: statusPath(of: replica))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binaryPath)
        process.arguments =
            ["node", "--topology", topologyPath, "--replica", "\(replica)", "--data-dir", dataDirectory(of: replica), "--log-level", options.logLevel]
            + (options.misbehavior[replica].map { ["--misbehave", $0.rawValue] } ?? [])
        let log = try Self.appendHandle(logPath(of: replica))
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        if options.dieWithParent { process.environment = ParentWatch.childEnvironment() }
        try process.run()
        processes[replica] = process
    }

    private static func appendHandle(_ path: String) throws -> FileHandle {
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        guard let handle = FileHandle(forWritingAtPath: path) else { throw LocalMeshError("cannot open \(path)") }
        handle.seekToEndOfFile()
        return handle
    }

    /// Waits until each listed replica has written status.json; fails early, naming the
    /// replica and its log, if one exits.
    public func waitUntilReady(_ replicas: some Sequence<Int>) throws {
        let deadline = Date().addingTimeInterval(options.startTimeoutSeconds)
        var waiting = Set(replicas)
        while !waiting.isEmpty {
            for replica in waiting {
                if FileManager.default.fileExists(atPath: statusPath(of: replica)) { waiting.remove(replica); continue }
                if let process = processes[replica], !process.isRunning {
                    // The log's last lines go into the error: a temporary mesh directory
                    // may be gone by the time someone reads it.
                    let tail = log(of: replica).split(separator: "\n").suffix(3).joined(separator: " | ")
                    throw LocalMeshError("replica \(replica) exited with status \(process.terminationStatus) before it was ready (\(logPath(of: replica)): \(tail))")
                }
            }
            if waiting.isEmpty { break }
            guard Date() < deadline else {
                throw LocalMeshError("replicas \(waiting.sorted()) wrote no status.json within \(options.startTimeoutSeconds) s; see their logs in \(directory)")
            }
            usleep(50_000)
        }
    }

    public func isRunning(_ replica: Int) -> Bool { processes[replica]?.isRunning ?? false }
    public func processID(of replica: Int) -> pid_t? { isRunning(replica) ? processes[replica]?.processIdentifier : nil }

    /// The exit status of a replica that has exited; nil while it runs or was never started.
    public func exitStatus(of replica: Int) -> Int32? {
        guard let process = processes[replica], !process.isRunning else { return nil }
        return process.terminationStatus
    }

    /// Sends a signal (SIGKILL to crash, SIGSTOP/SIGCONT to pause) without waiting.
    public func signal(_ replica: Int, _ signal: Int32) {
        guard let pid = processID(of: replica) else { return }
        Glibc.kill(pid, signal)
    }

    /// Crashes a replica (SIGKILL) and waits for it to be gone.
    public func kill(_ replica: Int) {
        guard let process = processes[replica], process.isRunning else { return }
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Stops one replica cleanly: SIGTERM (it syncs its log and writes its final status),
    /// then SIGKILL after the grace period. Returns true if it exited on SIGTERM.
    @discardableResult
    public func stop(_ replica: Int) -> Bool {
        stop([replica])
    }

    /// Stops every running replica cleanly, all at once; true if all exited on SIGTERM.
    @discardableResult
    public func stop() -> Bool {
        stop(Array(replicaIDs))
    }

    private func stop(_ replicas: [Int]) -> Bool {
        let running = replicas.compactMap { processes[$0] }.filter(\.isRunning)
        for process in running { Glibc.kill(process.processIdentifier, SIGTERM) }
        let deadline = Date().addingTimeInterval(options.stopGraceSeconds)
        while running.contains(where: \.isRunning), Date() < deadline { usleep(20_000) }
        var clean = true
        for process in running where process.isRunning {
            clean = false
            Glibc.kill(process.processIdentifier, SIGKILL)
        }
        for process in running { process.waitUntilExit() }
        return clean
    }

    // MARK: Status

    /// The replica's last status.json (rewritten every second, and at a clean stop).
    public func status(of replica: Int) -> NodeStatus? {
        guard let data = FileManager.default.contents(atPath: statusPath(of: replica)) else { return nil }
        return try? JSONDecoder().decode(NodeStatus.self, from: data)
    }

    public func log(of replica: Int) -> String {
        (try? String(contentsOfFile: logPath(of: replica), encoding: .utf8)) ?? ""
    }
}
