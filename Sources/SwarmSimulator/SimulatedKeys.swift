import SwarmAuth
import SwarmCore
import SwarmCrypto
import SwarmWire

/// Keys for a simulated cluster and its clients, derived from fixed labels so that every
/// run is reproducible. Two flavours share one interface: real Ed25519 (the production
/// `Ed25519ProtocolCrypto`) and a cheap deterministic test signer (a keyed BLAKE2b MAC),
/// which sweeps use for speed; every sweep runs a slice with real Ed25519.
public struct SimulatedKeys: Sendable {
    public enum Scheme: String, Sendable { case ed25519, test }

    public let scheme: Scheme
    let replicaSigners: [Ed25519.PrivateKey]
    let clientSigners: [Ed25519.PrivateKey]
    public let clientKeys: [ClientKey]
    let testSecrets: TestSecrets

    public init(scheme: Scheme, replicaCount: Int, clientCount: Int) {
        self.scheme = scheme
        func seed(_ label: String, _ index: Int) -> [UInt8] { Blake2b.hash256(Array("swarmbft-sim-\(label)-\(index)".utf8)) }
        switch scheme {
        case .ed25519:
            replicaSigners = (0 ..< replicaCount).map { try! Ed25519.PrivateKey(seed: seed("replica", $0)) }
            clientSigners = (0 ..< clientCount).map { try! Ed25519.PrivateKey(seed: seed("client", $0)) }
            clientKeys = clientSigners.map { ClientKey(bytes: $0.publicKey.bytes) }
        case .test:
            replicaSigners = []
            clientSigners = []
            clientKeys = (0 ..< clientCount).map { ClientKey(bytes: seed("client-id", $0)) }
        }
        testSecrets = TestSecrets(
            replicas: (0 ..< replicaCount).map { seed("replica-secret", $0) },
            clients: Dictionary(uniqueKeysWithValues: clientKeys.enumerated().map { ($1, seed("client-secret", $0)) }))
    }

    /// The crypto replica `id` runs with (twins share it: same key, same identity).
    public func crypto(for id: ReplicaID) -> any ProtocolCrypto {
        switch scheme {
        case .ed25519: Ed25519ProtocolCrypto(signingKey: replicaSigners[Int(id)], replicaKeys: replicaSigners.map(\.publicKey))
        case .test: TestProtocolCrypto(signer: .replica(id), secrets: testSecrets)
        }
    }

    /// A verifier with no signing key, for clients and checkers.
    public var verifier: any ProtocolCrypto {
        switch scheme {
        case .ed25519: Ed25519ProtocolCrypto(signingKey: nil, replicaKeys: replicaSigners.map(\.publicKey))
        case .test: TestProtocolCrypto(signer: nil, secrets: testSecrets)
        }
    }

    public func signRequest(_ request: ClientRequest, client index: Int, cluster: ClusterBinding) -> SignedMessage {
        SignedMessage.sign(.request(request), cluster: cluster) { bytes in
            switch scheme {
            case .ed25519: clientSigners[index].sign(bytes).bytes
            case .test: TestProtocolCrypto.mac(secret: testSecrets.clients[clientKeys[index]]!, bytes)
            }
        }
    }
}

struct TestSecrets: Sendable {
    var replicas: [[UInt8]]
    var clients: [ClientKey: [UInt8]]
}

/// The cheap test signer: a keyed BLAKE2b-256 MAC padded to 64 bytes. It goes through the
/// same `ProtocolCrypto` interface as Ed25519, so the core cannot tell them apart.
struct TestProtocolCrypto: ProtocolCrypto {
    enum Signer: Sendable { case replica(ReplicaID) }
    let signer: Signer?
    let secrets: TestSecrets

    static func mac(secret: [UInt8], _ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        Blake2b.mac256(key: secret, message: Array(bytes)) + [UInt8](repeating: 0x5A, count: 32)
    }

    func digest(_ bytes: UnsafeRawBufferPointer) -> Digest {
        Digest(bytes: Blake2b.hash256(bytes))
    }

    func sign(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        guard case let .replica(id) = signer else { preconditionFailure("a verifier cannot sign") }
        return Self.mac(secret: secrets.replicas[Int(id)], bytes)
    }

    func verify(_ message: SignedMessage) -> Bool {
        let secret: [UInt8]?
        if case let .request(request) = message.payload {
            secret = secrets.clients[request.client]
        } else if let sender = message.payload.replicaSender, Int(sender) < secrets.replicas.count {
            secret = secrets.replicas[Int(sender)]
        } else {
            secret = nil
        }
        guard let secret else { return false }
        return message.withSignedBytes { Self.mac(secret: secret, $0) } == Array(message.signature)
    }
}
