import Foundation
import SwarmTopology
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
    static let anyPeer = TapObservation.anyPeer
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
        topicIn = TapTopic.observation(replica: replica, outbound: false).bytes
        topicOut = TapTopic.observation(replica: replica, outbound: true).bytes
    }

    func publish(_ frame: [UInt8], outbound: Bool, peer: UInt32 = MonitorTap.anyPeer) {
        // Counted before the send: a send that fails, or a message the PUB drops at a
        // subscriber's high-water mark, leaves a gap that subscriber can count.
        observationSequence += 1
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let meta = TapObservation.meta(
            replica: replica, outbound: outbound, peer: peer, timeMicroseconds: UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000, sequence: observationSequence)
        if (try? socket.send([outbound ? topicOut : topicIn, meta, frame], flags: .dontWait)) == true {
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
        if (try? socket.send([TapTopic.event(replica: replica).bytes, json], flags: .dontWait)) == true { published += 1 } else { dropped += 1 }
    }
}

extension MonitorTap {
    /// What this replica's socket monitors say of its links, once a second:
    /// `"tap/<replica>/links" <PeerConnectivity JSON>`, for the monitor's partition detector.
    func publishLinks(_ connectivity: PeerConnectivity) {
        guard let json = try? JSONEncoder().encode(connectivity) else { return }
        if (try? socket.send([TapTopic.links(replica: replica).bytes, Array(json)], flags: .dontWait)) == true { published += 1 } else { dropped += 1 }
    }
}
