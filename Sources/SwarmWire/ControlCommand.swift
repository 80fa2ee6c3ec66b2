/// An out-of-band command to a replica, sent on its ROUTER as `"CONTROL" <bytes>` and
/// signed with an Ed25519 key the replica authorises: an admin key (`admin_keys`) for
/// every command, the monitor's key (`events.certificate`) for `suspectPrimary` only.
///
///     control = "SBFT-CONTROL-1" cluster_len:u8 cluster epoch:u64 command:u8 target:u32
///               view:u64 issued_at_us:u64 nonce:16 signer:32 signature:64
///
/// The signature covers every byte before it, so a command cannot be moved to another
/// cluster, epoch, replica or view; `issued_at_us` and the nonce let a replica refuse
/// replays (a window of minutes, and the nonces seen in it).
public struct ControlCommand: Sendable, Equatable {
    public enum Kind: UInt8, Sendable, CaseIterable {
        case quarantine = 1, release = 2, viewChange = 3, suspectPrimary = 4

        public var name: String {
            switch self {
            case .quarantine: "quarantine"
            case .release: "release"
            case .viewChange: "view-change"
            case .suspectPrimary: "suspect-primary"
            }
        }
    }

    public static let domain = Array("SBFT-CONTROL-1".utf8)
    public var cluster: ClusterBinding
    public var kind: Kind
    /// The replica concerned (quarantine, release); ignored otherwise.
    public var target: ReplicaID
    /// The view concerned (suspect-primary); ignored otherwise.
    public var view: ViewNumber
    public var issuedAtMicroseconds: UInt64
    public var nonce: [UInt8]
    public var signer: [UInt8]
    public var signature: [UInt8]

    public init(
        cluster: ClusterBinding, kind: Kind, target: ReplicaID = 0, view: ViewNumber = 0, issuedAtMicroseconds: UInt64, nonce: [UInt8], signer: [UInt8], signature: [UInt8] = []
    ) {
        precondition(nonce.count == 16 && signer.count == 32, "a nonce is 16 bytes and a signer key 32")
        self.cluster = cluster
        self.kind = kind
        self.target = target
        self.view = view
        self.issuedAtMicroseconds = issuedAtMicroseconds
        self.nonce = nonce
        self.signer = signer
        self.signature = signature
    }

    /// The bytes the signature covers.
    public var signedBytes: [UInt8] {
        var writer = ByteWriter(capacity: 160)
        writer.raw(Self.domain)
        writer.u8(UInt8(cluster.clusterID.count))
        writer.raw(cluster.clusterID)
        writer.u64(cluster.epoch)
        writer.u8(kind.rawValue)
        writer.u32(target)
        writer.u64(view)
        writer.u64(issuedAtMicroseconds)
        writer.raw(nonce)
        writer.raw(signer)
        return writer.bytes
    }

    public func encoded() -> [UInt8] { signedBytes + signature }

    public static func decode(_ bytes: [UInt8]) throws(WireError) -> ControlCommand {
        var reader = ByteReader(bytes)
        guard try reader.raw(domain.count, "control domain") == domain else { throw WireError(.badMagic, "not a control command") }
        let clusterLength = Int(try reader.u8("cluster length"))
        guard clusterLength > 0, clusterLength <= ClusterBinding.maxClusterIDBytes else { throw WireError(.lengthOverLimit, "cluster id") }
        let clusterID = try reader.raw(clusterLength, "cluster id")
        let epoch = try reader.u64("epoch")
        guard let kind = Kind(rawValue: try reader.u8("command")) else { throw WireError(.invalidValue, "unknown control command") }
        let command = ControlCommand(
            cluster: ClusterBinding(clusterID: clusterID, epoch: epoch), kind: kind,
            target: try reader.u32("target"), view: try reader.u64("view"),
            issuedAtMicroseconds: try reader.u64("issued at"), nonce: try reader.raw(16, "nonce"),
            signer: try reader.raw(32, "signer"), signature: try reader.raw(64, "signature")
        )
        guard reader.isAtEnd else { throw WireError(.trailingBytes, "after a control command") }
        return command
    }
}

/// The ROUTER frames besides protocol messages: the status request, a command, or
/// equivocation evidence that anyone may hand a replica (it proves itself).
public enum ControlFrames {
    /// Sent alone on a ROUTER connection, it asks for the replica's status as JSON (the
    /// schema is `NodeStatus`, SwarmTopology).
    public static let statusRequest = Array("STATUS".utf8)
    public static let control = Array("CONTROL".utf8)
    /// `"EVIDENCE" <first signed frame> <second signed frame>`
    public static let evidence = Array("EVIDENCE".utf8)
    public static let accepted = Array("OK".utf8)
    public static let refused = Array("REFUSED".utf8)
}
