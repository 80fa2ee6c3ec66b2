import ArgumentParser
import SwarmCore
import SwarmMemory
import SwarmCrypto
import SwarmWire

/// `swarmbft wire-vectors`: the test vectors of docs/wire-protocol.md, computed by the
/// real encoder and signer, so the document can be checked against the code.
struct WireVectorsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wire-vectors",
        abstract: "Print the wire-protocol test vectors (fixed keys, exact bytes in hex)."
    )

    /// The fixed inputs of the vectors.
    static let clientSeed = (0 ..< 32).map { UInt8($0) }
    static let replicaSeed = (0 ..< 32).map { UInt8(0x20 + $0) }
    static let cluster = ClusterBinding(clusterName: "swarmbft-4", epoch: 1)

    func run() throws {
        let client = try Ed25519.PrivateKey(seed: Self.clientSeed)
        let replica = try Ed25519.PrivateKey(seed: Self.replicaSeed)
        let operation = MemoryOperation.put(namespace: Array("agents".utf8), key: Array("plan".utf8), value: Array("step 1".utf8)).encoded()
        let request = SignedMessage.sign(.request(ClientRequest(client: ClientKey(bytes: client.publicKey.bytes), requestID: 1, operation: operation)), cluster: Self.cluster) {
            client.sign($0).bytes
        }
        let result = MemoryResult(status: .ok, version: 1).encoded()
        let reply = SignedMessage.sign(.reply(Reply(sender: 0, view: 0, client: ClientKey(bytes: client.publicKey.bytes), requestID: 1, result: result)), cluster: Self.cluster) {
            replica.sign($0).bytes
        }
        let curveSecret = try Z85.decode("D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs")
        let curve = try Curve.KeyPair(secretKey: curveSecret)
        let lines: [(String, String)] = [
            ("client_ed25519_seed", hexString(Self.clientSeed)),
            ("client_ed25519_public", hexString(client.publicKey.bytes)),
            ("client_curve_secret_z85", "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs"),
            ("client_curve_public_z85", try Z85.encode(curve.publicKey)),
            ("replica0_ed25519_seed", hexString(Self.replicaSeed)),
            ("replica0_ed25519_public", hexString(replica.publicKey.bytes)),
            ("cluster_id", "swarmbft-4"),
            ("epoch", "1"),
            ("operation_put", hexString(operation)),
            ("request_signed_bytes", hexString(Array(request.signedBytes))),
            ("request_signature", hexString(Array(request.signature))),
            ("request_frame", hexString(request.frame)),
            ("result_ok_v1", hexString(result)),
            ("reply_frame", hexString(reply.frame)),
        ]
        for (name, value) in lines { print("\(name) = \(value)") }
    }
}
