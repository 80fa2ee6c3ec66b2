/// Identifiers from the PBFT paper (Castro and Liskov, OSDI '99, section 4).

/// A replica's index in the configuration, 0 ..< n.
public typealias ReplicaID = UInt32
/// A view number v; the primary of view v is replica v mod n.
public typealias ViewNumber = UInt64
/// A sequence number n assigned by the primary to a batch.
public typealias SequenceNumber = UInt64

/// A client is named by its Ed25519 public key, so that a request proves its origin.
public struct ClientKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    public static let byteCount = 32
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) {
        precondition(bytes.count == ClientKey.byteCount, "a client key is 32 bytes")
        self.bytes = bytes
    }

    public static func < (lhs: ClientKey, rhs: ClientKey) -> Bool {
        lhs.bytes.lexicographicallyPrecedes(rhs.bytes)
    }

    public var description: String {
        bytes.prefix(4).map { byte in
            let digits = String(byte, radix: 16)
            return byte < 16 ? "0" + digits : digits
        }.joined()
    }
}

/// What every signature binds besides the message itself: which cluster and which
/// configuration epoch the message belongs to. A message from another cluster or epoch
/// never verifies, because these bytes are inside the signed frame.
public struct ClusterBinding: Hashable, Sendable {
    public static let maxClusterIDBytes = 64
    public let clusterID: [UInt8]
    public let epoch: UInt64

    public init(clusterID: [UInt8], epoch: UInt64) {
        precondition(clusterID.count <= ClusterBinding.maxClusterIDBytes, "cluster id longer than 64 bytes")
        self.clusterID = clusterID
        self.epoch = epoch
    }

    public init(clusterName: String, epoch: UInt64) {
        self.init(clusterID: Array(clusterName.utf8), epoch: epoch)
    }
}
