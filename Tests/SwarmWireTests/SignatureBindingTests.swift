import Testing
import SwarmAuth
import SwarmCore
import SwarmCrypto
import SwarmWire

/// ACCEPTANCE 6: every signature covers cluster id, configuration epoch, view, sequence,
/// phase, digest and sender; a signature moved onto an edited field never verifies.
@Suite("Signature binding (ACCEPTANCE 6)")
struct SignatureBindingTests {
    let keys = (0 ..< 4).map { try! Ed25519.PrivateKey(seed: Blake2b.hash256(Array("binding-\($0)".utf8))) }
    let cluster = ClusterBinding(clusterName: "binding", epoch: 3)
    var crypto: Ed25519ProtocolCrypto { Ed25519ProtocolCrypto(signingKey: keys[1], replicaKeys: keys.map(\.publicKey)) }

    func signed(_ payload: Payload, cluster: ClusterBinding? = nil) -> SignedMessage {
        SignedMessage.sign(payload, cluster: cluster ?? self.cluster) { keys[1].sign($0).bytes }
    }

    /// The original signature attached to an edited message.
    func moved(_ original: SignedMessage, to payload: Payload, cluster: ClusterBinding? = nil) -> SignedMessage {
        SignedMessage.withSignature(payload, cluster: cluster ?? self.cluster, signature: Array(original.signature))
    }

    @Test func prepareBindsEveryField() {
        let vote = Vote(sender: 1, view: 5, sequence: 42, digest: Digest(bytes: [UInt8](repeating: 7, count: 32)))
        let original = signed(.prepare(vote))
        #expect(crypto.verify(original))
        var edits: [(String, SignedMessage)] = []
        var v = vote; v.view = 6; edits.append(("view", moved(original, to: .prepare(v))))
        v = vote; v.sequence = 43; edits.append(("sequence", moved(original, to: .prepare(v))))
        v = vote; v.digest = .zero; edits.append(("digest", moved(original, to: .prepare(v))))
        v = vote; v.sender = 2; edits.append(("sender", moved(original, to: .prepare(v))))
        edits.append(("phase", moved(original, to: .commit(vote))))
        edits.append(("cluster id", moved(original, to: .prepare(vote), cluster: ClusterBinding(clusterName: "other", epoch: 3))))
        edits.append(("epoch", moved(original, to: .prepare(vote), cluster: ClusterBinding(clusterName: "binding", epoch: 4))))
        for (field, edited) in edits {
            #expect(!crypto.verify(edited), "a signature moved onto an edited \(field) verified")
        }
    }

    @Test func prePrepareAndCheckpointBindTheirFields() {
        let prePrepare = PrePrepare(sender: 1, view: 2, sequence: 3, digest: .zero, batch: [])
        let original = signed(.prePrepare(prePrepare))
        #expect(crypto.verify(original))
        var edited = prePrepare; edited.sequence = 4
        #expect(!crypto.verify(moved(original, to: .prePrepare(edited))))
        let checkpoint = Checkpoint(sender: 1, sequence: 16, stateDigest: .zero)
        let signedCheckpoint = signed(.checkpoint(checkpoint))
        #expect(crypto.verify(signedCheckpoint))
        var otherCheckpoint = checkpoint; otherCheckpoint.stateDigest = Digest(bytes: [UInt8](repeating: 1, count: 32))
        #expect(!crypto.verify(moved(signedCheckpoint, to: .checkpoint(otherCheckpoint))))
    }

    @Test("A message signed by one replica does not verify as another's")
    func senderIsTheKey() {
        let vote = Vote(sender: 2, view: 0, sequence: 1, digest: .zero)
        // Signed with replica 1's key but claiming replica 2.
        #expect(!crypto.verify(signed(.prepare(vote))))
    }

    @Test("Non-canonical S, truncated signatures and small-order keys are rejected")
    func strictVerification() {
        let vote = Vote(sender: 1, view: 0, sequence: 1, digest: .zero)
        let original = signed(.prepare(vote))
        // S + ℓ, little-endian, on the second half of the signature.
        let order: [UInt8] = [
            0xED, 0xD3, 0xF5, 0x5C, 0x1A, 0x63, 0x12, 0x58, 0xD6, 0x9C, 0xF7, 0xA2, 0xDE, 0xF9, 0xDE, 0x14,
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
        ]
        var signature = Array(original.signature)
        var carry = 0
        for index in 0 ..< 32 {
            let sum = Int(signature[32 + index]) + Int(order[index]) + carry
            signature[32 + index] = UInt8(sum & 0xFF)
            carry = sum >> 8
        }
        #expect(!crypto.verify(SignedMessage.withSignature(.prepare(vote), cluster: cluster, signature: signature)))
        // Truncated: a frame whose signature is short no longer decodes as the same message.
        let truncated = Array(original.frame.dropLast())
        if let decoded = try? WireCodec.decode(truncated) { #expect(!crypto.verify(decoded)) }
        // A small-order public key (the identity point) as a replica's key.
        let identity = try! Ed25519.PublicKey(bytes: [1] + [UInt8](repeating: 0, count: 31))
        let weak = Ed25519ProtocolCrypto(signingKey: nil, replicaKeys: [identity, identity, identity, identity])
        let forged = SignedMessage.withSignature(.prepare(vote), cluster: cluster, signature: [1] + [UInt8](repeating: 0, count: 63))
        #expect(!weak.verify(forged))
    }

    @Test("A client request verifies only under the key that names the client")
    func clientRequest() {
        let client = try! Ed25519.PrivateKey(seed: [UInt8](repeating: 9, count: 32))
        let request = ClientRequest(client: ClientKey(bytes: client.publicKey.bytes), requestID: 1, operation: [1, 2, 3])
        let message = SignedMessage.sign(.request(request), cluster: cluster) { client.sign($0).bytes }
        #expect(crypto.verify(message))
        var changed = request; changed.operation = [1, 2, 4]
        #expect(!crypto.verify(moved(message, to: .request(changed))))
        var replayed = request; replayed.requestID = 2
        #expect(!crypto.verify(moved(message, to: .request(replayed))))
    }
}
