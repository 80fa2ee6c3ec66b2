import Testing
@testable import SwarmNode
import SwarmTopology
import SwarmWire
import SwarmAuth
import SwarmCore
import SwarmCrypto
import SwarmWire

@Suite("Verification on both cores")
struct ParallelVerifierTests {
    let keys = (0 ..< 4).map { _ in Ed25519.PrivateKey.generate() }
    let cluster = ClusterBinding(clusterName: "verify", epoch: 1)

    func crypto() -> Ed25519ProtocolCrypto { Ed25519ProtocolCrypto(signingKey: nil, replicaKeys: keys.map(\.publicKey)) }

    func vote(_ sender: Int, _ sequence: UInt64) -> SignedMessage {
        SignedMessage.sign(.prepare(Vote(sender: ReplicaID(sender), view: 0, sequence: sequence, digest: .zero)), cluster: cluster) { keys[sender].sign($0).bytes }
    }

    @Test("Pre-verified frames are remembered; forged ones never are, and still fail verification")
    func cacheOnlyHoldsValidFrames() {
        let verified = VerifiedFrames()
        let good = (1 ... 20).map { vote(Int($0) % 4, $0) }
        let forged = SignedMessage.withSignature(.prepare(Vote(sender: 1, view: 0, sequence: 99, digest: .zero)), cluster: cluster, signature: [UInt8](repeating: 3, count: 64))
        verified.preverify(good + [forged], with: crypto())
        #expect(good.allSatisfy { verified.contains($0.frame) })
        #expect(!verified.contains(forged.frame))
        let cached = CachedProtocolCrypto(base: crypto(), verified: verified)
        #expect(!cached.verify(forged))
        #expect(good.allSatisfy { cached.verify($0) })
    }

    @Test("The cache is bounded")
    func bounded() {
        let verified = VerifiedFrames(capacity: 8)
        let messages = (1 ... 20).map { vote(0, UInt64($0)) }
        for message in messages { verified.insert(message.frame) }
        #expect(messages.filter { verified.contains($0.frame) }.count == 8)
        #expect(verified.contains(messages.last!.frame) && !verified.contains(messages.first!.frame))
    }
}
