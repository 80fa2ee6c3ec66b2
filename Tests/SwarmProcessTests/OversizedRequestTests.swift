import Foundation
import SwarmClient
import Testing

extension ProcessSuites {
    /// Issue 15, finding 10: an operation over 64 KiB got no reply at all (the REQUEST does
    /// not decode at any replica) although docs/wire-protocol.md §4 promised status 4.
    @Suite("Oversized operations")
    struct OversizedRequestTests {
        @Test("A value over the memory's limit gets status 4 from q replicas; an operation over the REQUEST limit is refused by the client, not left to time out")
        func oversized() throws {
            let cluster = try LocalCluster()
            try cluster.startAll()
            let client = try cluster.client()
            let overValue = String(repeating: "v", count: 20 << 10)
            let result = try put(client, "big", overValue)
            #expect(result.status == .tooLarge)
            client.timeoutMilliseconds = 20_000
            let overRequest = String(repeating: "w", count: 70 << 10)
            #expect { _ = try put(client, "bigger", overRequest) } throws: { error in
                (error as? ClientError)?.code == .tooLarge && "\(error)".contains("65536")
            }
            // The client is still usable afterwards.
            #expect(try put(client, "small", "ok").status == .ok)
        }
    }
}
