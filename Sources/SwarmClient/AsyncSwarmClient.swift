import Dispatch
import SwarmCore
import SwarmMemory
import SwarmCrypto
import SwarmTopology
import SwarmWire

/// async/await access to a `SwarmClient`: the client and its sockets live on one private
/// serial queue (one owner thread, as libzmq requires); calls from any task are queued.
public final class AsyncSwarmClient: @unchecked Sendable {
    private let queue = DispatchQueue(label: "swarmbft.client")
    private let client: SwarmClient

    public init(topology: Topology, certificate: SecretCertificate) throws {
        client = try SwarmClient(topology: topology, certificate: certificate)
    }

    public var key: ClientKey { client.key }

    public func execute(_ operation: MemoryOperation) async throws -> MemoryResult {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try self.client.execute(operation) }) }
        }
    }

    public func submit(_ operation: [UInt8]) async throws -> [UInt8] {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try self.client.submit(operation) }) }
        }
    }

    public func setTimeout(milliseconds: Int) {
        queue.sync { client.timeoutMilliseconds = milliseconds }
    }
}
