import SwarmCore
import SwarmWire

/// One message as a replica's monitor tap reports it (docs/wire-protocol.md, "Monitoring
/// bus"): which replica saw it, whether it was going out or coming in, the peer on the
/// other end, and the observer's clock. The monitor core takes time only from here and
/// from `tick(nowMicroseconds:)`, never from a clock of its own, so the simulator can
/// feed it logical time and a run replays exactly.
public struct Observation: Sendable {
    public enum Direction: UInt8, Sendable {
        case inbound = 0
        case outbound = 1
    }

    /// The replica whose tap published the observation.
    public var observer: ReplicaID
    public var direction: Direction
    /// The replica on the other end; nil when the tap could not name one (a broadcast
    /// going out, or a message relayed from a client).
    public var peer: ReplicaID?
    public var timeMicroseconds: UInt64
    public var message: SignedMessage

    public init(observer: ReplicaID, direction: Direction, peer: ReplicaID?, timeMicroseconds: UInt64, message: SignedMessage) {
        self.observer = observer
        self.direction = direction
        self.peer = peer
        self.timeMicroseconds = timeMicroseconds
        self.message = message
    }

    /// The tap encodes "all or unknown" as 0xFFFFFFFF.
    public static let anyPeerWire = UInt32.max

    public init(observer: UInt32, outbound: Bool, peer: UInt32, timeMicroseconds: UInt64, message: SignedMessage) {
        self.init(
            observer: ReplicaID(observer), direction: outbound ? .outbound : .inbound, peer: peer == Observation.anyPeerWire ? nil : ReplicaID(peer),
            timeMicroseconds: timeMicroseconds, message: message)
    }
}
