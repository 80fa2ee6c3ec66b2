import SwarmCrypto
import SwarmTopology
import ZeroMQ

extension Topology.ReplicaEntry {
    /// A DEALER connected to this replica's ROUTER as a client (docs/wire-protocol.md, 1):
    /// CURVE with the client's own key pair and the replica's CURVE public key as server key,
    /// frames bounded by the wire limit, no linger at close.
    public func connectClientDealer(context: ZMQContext, serverKey: [UInt8], certificate: SecretCertificate, maxFrameBytes: Int) throws -> ZMQSocket {
        let dealer = try context.makeSocket(.dealer)
        try dealer.setLinger(milliseconds: 0)
        try dealer.setMaxMessageSize(bytes: Int64(maxFrameBytes))
        try ZMQCurve.configureCurveClient(dealer, secretKey: certificate.curve.secretKey.copyBytes(), publicKey: certificate.curve.publicKey, serverKey: serverKey)
        try dealer.connect("tcp://\(host):\(routerPort)")
        return dealer
    }
}
