import SwarmOrchestrator
import Foundation
import SwarmCrypto

/// The cost of the Ed25519 operations one request needs in this design, measured on this
/// machine, and the throughput that cost alone allows on its cores.
///
/// Per request, with n replicas, f = ⌊(n−1)/3⌋, a mean batch of b requests and a
/// checkpoint every K batches (read from ReplicaNode, ParallelVerifier, SwarmClient and
/// the core's normal case):
///
///     signatures    = 1                       client signs its REQUEST
///                   + n                       every replica signs its REPLY
///                   + (1 + (n−1) + n) / b     PRE-PREPARE, the backups' PREPAREs, every COMMIT
///                   + n / (K·b)               CHECKPOINTs
///     verifications = n                       every replica verifies the REQUEST once (the
///                                             client sends it to all; the frame cache makes
///                                             the copy inside the PRE-PREPARE and the
///                                             backups' forwards free)
///                   + q                       the client verifies q matching REPLYs (a write
///                                             completes on q: Configuration.writeQuorum), only
///                                             if it checks reply signatures (by default the
///                                             CURVE connection authenticates a reply)
///                   + ((n−1) + (n−1)² + n(n−1)) / b
///                                             PRE-PREPARE at each backup; each PREPARE and
///                                             COMMIT at every other replica (PUB mesh)
///                   + n(n−1) / (K·b)          CHECKPOINTs
///
/// BLAKE2b digests, CURVE encryption and ZeroMQ framing are left out: the bound is what
/// the signatures alone permit, an upper limit for any implementation of this design.
public struct CryptoBound: Codable, Sendable {
    public var signMicroseconds: Double
    public var verifyMicroseconds: Double
    public var signaturesPerRequest: Double
    public var verificationsPerRequest: Double
    public var cpuMicrosecondsPerRequest: Double
    public var cores: Int
    public var boundRequestsPerSecond: Double

    enum CodingKeys: String, CodingKey {
        case signMicroseconds = "sign_us", verifyMicroseconds = "verify_us"
        case signaturesPerRequest = "signatures_per_request", verificationsPerRequest = "verifications_per_request"
        case cpuMicrosecondsPerRequest = "crypto_cpu_us_per_request", cores, boundRequestsPerSecond = "crypto_bound_rps"
    }

    /// Counts per request for the design described above.
    public static func operations(replicas n: Int, meanBatch b: Double, checkpointInterval k: Double, clientVerifiesReplies: Bool) -> (signatures: Double, verifications: Double) {
        let f = (n - 1) / 3
        let q = (n + f + 2) / 2  // ⌈(n + f + 1) / 2⌉
        let nd = Double(n), batch = max(b, 1)
        let signatures = 1 + nd + (1 + (nd - 1) + nd) / batch + nd / (k * batch)
        let verifications = nd + (clientVerifiesReplies ? Double(q) : 0) + ((nd - 1) + (nd - 1) * (nd - 1) + nd * (nd - 1)) / batch + nd * (nd - 1) / (k * batch)
        return (signatures, verifications)
    }

    public init(signMicroseconds: Double, verifyMicroseconds: Double, replicas: Int, meanBatch: Double, checkpointInterval: Double, clientVerifiesReplies: Bool, cores: Int) {
        self.signMicroseconds = signMicroseconds
        self.verifyMicroseconds = verifyMicroseconds
        let counts = Self.operations(replicas: replicas, meanBatch: meanBatch, checkpointInterval: checkpointInterval, clientVerifiesReplies: clientVerifiesReplies)
        signaturesPerRequest = counts.signatures
        verificationsPerRequest = counts.verifications
        cpuMicrosecondsPerRequest = counts.signatures * signMicroseconds + counts.verifications * verifyMicroseconds
        self.cores = cores
        boundRequestsPerSecond = Double(cores) * 1_000_000 / cpuMicrosecondsPerRequest
    }

    /// The fastest of several timed rounds of Ed25519 sign and verify over a message the
    /// size of a benchmark request, on one core. The fastest, not the median: on a shared
    /// machine other processes only ever add time, and the bound is about the operation.
    public static func measure(messageBytes: Int, rounds: Int = 9, operationsPerRound: Int = 300) -> (signMicroseconds: Double, verifyMicroseconds: Double) {
        let key = Ed25519.PrivateKey.generate()
        let message = SodiumRandom.bytes(messageBytes)
        let signature = key.sign(message)
        var signs: [Double] = [], verifies: [Double] = []
        var sink = 0
        for _ in 0 ..< rounds {
            var start = monotonicNanoseconds()
            for _ in 0 ..< operationsPerRound { sink &+= Int(key.sign(message).bytes[0]) }
            signs.append(Double(monotonicNanoseconds() - start) / 1_000 / Double(operationsPerRound))
            start = monotonicNanoseconds()
            for _ in 0 ..< operationsPerRound where Ed25519.verify(signature, of: message, by: key.publicKey) { sink &+= 1 }
            verifies.append(Double(monotonicNanoseconds() - start) / 1_000 / Double(operationsPerRound))
        }
        // The sink keeps the optimiser from removing the loops.
        if sink == Int.min { print(sink) }
        return (signs.min()!, verifies.min()!)
    }
}
