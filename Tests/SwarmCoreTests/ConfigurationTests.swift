import Testing
import SwarmCore

@Suite("Configuration arithmetic")
struct ConfigurationTests {
    /// f = ⌊(n − 1) / 3⌋ and q = ⌈(n + f + 1) / 2⌉ for n = 4 … 13.
    @Test(arguments: [
        (4, 1, 3), (5, 1, 4), (6, 1, 4), (7, 2, 5), (8, 2, 6), (9, 2, 6),
        (10, 3, 7), (11, 3, 8), (12, 3, 8), (13, 4, 9),
    ])
    func table(n: Int, f: Int, q: Int) throws {
        let configuration = try Configuration(replicaCount: n)
        #expect(configuration.faultTolerance == f)
        #expect(configuration.quorum == q)
        #expect(configuration.weakQuorum == f + 1)
        // Any two quorums share at least f + 1 replicas, so at least one correct one.
        #expect(2 * q - n >= f + 1)
        // f silent replicas cannot stop progress.
        #expect(q <= n - f)
    }

    @Test("n = 9 refuses a quorum of 5 and explains why")
    func nineRefusesFive() {
        #expect {
            try Configuration(replicaCount: 9, quorum: 5)
        } throws: { error in
            let text = String(describing: error)
            return text.contains("q = ⌈(n + f + 1) / 2⌉ = 6") && text.contains("overlap in 2q − n = 1")
        }
    }

    @Test("A larger f than n allows is refused")
    func tooManyFaults() {
        #expect(throws: ConfigurationError.self) { try Configuration(replicaCount: 9, faultTolerance: 3) }
        #expect(throws: ConfigurationError.self) { try Configuration(replicaCount: 3) }
    }

    @Test("Bad windows and batch limits are refused")
    func bounds() {
        #expect(throws: ConfigurationError.self) { try Configuration(replicaCount: 4, checkpointInterval: 10, watermarkWindow: 15) }
        #expect(throws: ConfigurationError.self) { try Configuration(replicaCount: 4, maxBatchRequests: 0) }
        #expect(throws: ConfigurationError.self) { try Configuration(replicaCount: 4, requestTimeoutTicks: 0) }
    }

    @Test func primaryRotates() throws {
        let configuration = try Configuration(replicaCount: 4)
        #expect((0 ..< 8).map { configuration.primary(of: $0) } == [0, 1, 2, 3, 0, 1, 2, 3])
    }
}
