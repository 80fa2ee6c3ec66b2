import Foundation
import SwarmClient
import SwarmCore
import SwarmMemory
import SwarmCrypto
import SwarmTopology
import SwarmWire

/// A small swarm of agents writing to the shared memory: each agent is a thread with its
/// own client key, putting a key every `intervalMilliseconds` and waiting for f + 1
/// matching replies. It gives `up` and `deploy` traffic to protect and to measure.
public final class AgentWorkload: @unchecked Sendable {
    let lock = NSLock()
    var committed = 0
    var failed = 0
    var running = true
    var threads: [Thread] = []

    public init() {}

    public func start(topology: Topology, certificates: [SecretCertificate], intervalMilliseconds: Int) {
        for (index, certificate) in certificates.enumerated() {
            let thread = Thread { [self] in
                guard let client = try? SwarmClient(topology: topology, certificate: certificate) else {
                    self.lock.withLock { self.failed += 1 }
                    return
                }
                client.timeoutMilliseconds = 5_000
                var counter = 0
                while self.lock.withLock({ self.running }) {
                    let operation = MemoryOperation.put(namespace: Array("agents".utf8), key: Array("agent-\(index)/\(counter % 64)".utf8), value: Array("step \(counter)".utf8))
                    let ok = (try? client.execute(operation))?.status == .ok
                    self.lock.withLock { if ok { self.committed += 1 } else { self.failed += 1 } }
                    counter += 1
                    if intervalMilliseconds > 0 { usleep(UInt32(intervalMilliseconds) * 1000) }
                }
            }
            thread.name = "agent-\(index)"
            threads.append(thread)
            thread.start()
        }
    }

    /// Committed and failed operations so far.
    public var counts: (committed: Int, failed: Int) { lock.withLock { (committed, failed) } }

    public func stop() {
        lock.withLock { running = false }
    }
}
