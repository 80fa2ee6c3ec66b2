import Foundation
import SwarmWire
import ZeroMQ

/// The replica's monitor tap: a PUB socket that carries a copy of every protocol message
/// the replica sends or receives, so that any number of security monitors can watch all
/// traffic without touching the consensus path (docs/wire-protocol.md, "Monitoring bus").
///
///     frames = topic "tap/<replica>/<in|out>"  meta  original signed frame
///     meta   = replica:u32 direction:u8 (0 in, 1 out) peer:u32 (0xFFFFFFFF: all or unknown) time_us:u64 sequence:u64
///
/// The tap never blocks consensus: it sends with DONTWAIT. A PUB drops at a subscriber's
/// high-water mark without telling the sender, so `dropped` counts only sends that
/// failed outright; the sequence number lets each subscriber count what it missed.
final class MonitorTap {
    static let anyPeer = UInt32.max
    let socket: ZMQSocket
    let replica: UInt32
    var published = 0
    var dropped = 0
    /// Observations published since this replica started (1, 2, ...): the tap's sequence.
    private(set) var observationSequence: UInt64 = 0
    /// Built once: the tap sees every message, and formatting a topic string per message
    /// showed in the replica profile.
    private let topicIn: [UInt8]
    private let topicOut: [UInt8]

    init(socket: ZMQSocket, replica: UInt32) {
        self.socket = socket
        self.replica = replica
        topicIn = Array("tap/\(replica)/in".utf8)
        topicOut = Array("tap/\(replica)/out".utf8)
    }

    func publish(_ frame: [UInt8], outbound: Bool, peer: UInt32 = MonitorTap.anyPeer) {
        // Counted before the send: a send that fails, or a message the PUB drops at a
        // subscriber's high-water mark, leaves a gap that subscriber can count.
        observationSequence += 1
        var meta = ByteWriter(capacity: TapObservation.metaBytes)
        meta.u32(replica)
        meta.u8(outbound ? 1 : 0)
        meta.u32(peer)
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        meta.u64(UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000)
        meta.u64(observationSequence)
        if (try? socket.send([outbound ? topicOut : topicIn, meta.bytes, frame], flags: .dontWait)) == true {
            published += 1
        } else {
            dropped += 1
        }
    }
}

extension MonitorTap {
    /// A security event of this replica (a CloudEvent, durable in its security log):
    /// `"tap/<replica>/event" <json>`. Monitors relay these to the event stream.
    func publishEvent(_ json: [UInt8]) {
        if (try? socket.send([Array("tap/\(replica)/event".utf8), json], flags: .dontWait)) == true { published += 1 } else { dropped += 1 }
    }
}

extension MonitorTap {
    /// What this replica's socket monitors say of its links, once a second:
    /// `"tap/<replica>/links" <PeerConnectivity JSON>`, for the monitor's partition detector.
    func publishLinks(_ connectivity: PeerConnectivity) {
        guard let json = try? JSONEncoder().encode(connectivity) else { return }
        if (try? socket.send([Array("tap/\(replica)/links".utf8), Array(json)], flags: .dontWait)) == true { published += 1 } else { dropped += 1 }
    }
}

/// One observation from a tap, as a monitor decodes it.
public struct TapObservation: Sendable {
    public var replica: UInt32
    public var outbound: Bool
    public var peer: UInt32
    public var timeMicroseconds: UInt64
    /// The tap's own count of observations, from 1 when the replica starts: a subscriber
    /// that sees it jump has lost the observations in between.
    public var sequence: UInt64
    public var frame: [UInt8]

    /// replica:u32 direction:u8 peer:u32 time_us:u64 sequence:u64
    public static let metaBytes = 25

    public init?(frames: [[UInt8]]) {
        guard frames.count == 3, frames[1].count == Self.metaBytes else { return nil }
        var reader = ByteReader(frames[1])
        guard let replica = try? reader.u32("replica"), let direction = try? reader.u8("direction"), direction <= 1,
              let peer = try? reader.u32("peer"), let time = try? reader.u64("time"), let sequence = try? reader.u64("sequence") else { return nil }
        self.replica = replica
        outbound = direction == 1
        self.peer = peer
        timeMicroseconds = time
        self.sequence = sequence
        frame = frames[2]
    }
}
