import SwarmCrypto
import SwarmWire

/// Who may do what on a replica's sockets, beyond the CURVE allowlist: which identities a
/// connection may sign requests for, and who may read the taps (issue 15, findings 3, 5
/// and 6).
extension Topology {
    /// A connection allowed to carry requests signed by identities other than its own: a
    /// bench driver or an agent gateway multiplexing many agents on one CURVE connection.
    /// The topology lists what it may carry; nothing else may.
    public struct GatewayEntry: Codable, Sendable, Equatable {
        /// The gateway's public certificate: its CURVE key authenticates the connection.
        public var certificate: String
        /// A directory of public certificates whose Ed25519 identities it may carry.
        public var identities: String

        public init(certificate: String, identities: String) {
            self.certificate = certificate
            self.identities = identities
        }
    }

    /// The gateways' public certificates, in topology order.
    public func gatewayCertificates() throws -> [PublicCertificate] {
        try gateways.enumerated().map { index, gateway in
            do { return try CertificateFile.readPublic(path: resolve(gateway.certificate)) } catch {
                throw TopologyError("gateways[\(index)].certificate: \(error)")
            }
        }
    }

    /// Who may subscribe to a replica's tap: the monitor and the `tap_readers` directory.
    /// The tap carries every request's operation and value, so a client must not read
    /// another client's data there (finding 6: one client read another's API key).
    public func tapReaderCertificates() throws -> [PublicCertificate] {
        try [monitorCertificate()] + (tapReaders.map { try publicCertificates(in: $0, field: "tap_readers") } ?? [])
    }

    /// Which identities each connection may carry, from the client and admin certificates
    /// (each its own: an admin's quarantine and release are ordered requests) and the
    /// gateways (what they list).
    public func clientBinding() throws -> ClientBinding {
        var binding = ClientBinding()
        for certificate in try clientCertificates() + adminCertificates() {
            try binding.allow(connection: certificate.curvePublicKey, toCarry: ClientKey(bytes: certificate.ed25519PublicKey.bytes))
        }
        for (index, gateway) in try gatewayCertificates().enumerated() {
            let carried = try publicCertificates(in: gateways[index].identities, field: "gateways[\(index)].identities")
            for certificate in carried {
                try binding.allow(connection: gateway.curvePublicKey, toCarry: ClientKey(bytes: certificate.ed25519PublicKey.bytes))
            }
        }
        return binding
    }

    /// Every identity whose requests a replica orders: the client certificates and every
    /// identity a gateway lists. A request (or a PRE-PREPARE's batch) from anyone else is
    /// refused by the core, so neither a client nor a Byzantine primary can fill the client
    /// table with fresh identities (finding 3).
    public func registeredClients() throws -> Set<ClientKey> {
        try clientBinding().registered
    }
}
