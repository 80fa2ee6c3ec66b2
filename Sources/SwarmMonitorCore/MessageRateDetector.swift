import SwarmCore
import SwarmWire

/// The rate half of flooding detection (the far-future half is `FloodingDetector`): per
/// link, as the receiving replica's tap saw it, how many distinct messages the sending
/// replica signed within a window, and how often one identical frame came again. A
/// correct replica's traffic is bounded by the protocol — a few votes per batch,
/// retransmission every `retransmitTicks` — so a rate far above that is suspicious, but
/// only suspicious: a burst of honest catch-up traffic can be large too.
///
/// Counted from inbound observations only, so a Byzantine replica cannot hide its
/// flood by lying on its own tap. Bounded: one window per link, each holding at most the
/// threshold's worth of fingerprints.
public struct MessageRateDetector: Sendable {
    struct Link: Hashable {
        var receiver: ReplicaID
        var sender: ReplicaID
    }

    struct Window {
        var startMicroseconds: UInt64
        var distinct = Set<UInt64>()
        var repeats: [UInt64: Int] = [:]
    }

    let configuration: Configuration
    let windowMicroseconds: UInt64
    let maxMessages: Int
    let maxRepeats: Int
    var windows: [Link: Window] = [:]
    var namedRate = Set<ReplicaID>()
    var namedRepeats = Set<ReplicaID>()

    public init(configuration: Configuration, windowMicroseconds: UInt64, maxMessages: Int, maxRepeats: Int) {
        precondition(windowMicroseconds > 0 && maxMessages > 0 && maxRepeats > 0)
        self.configuration = configuration
        self.windowMicroseconds = windowMicroseconds
        self.maxMessages = maxMessages
        self.maxRepeats = maxRepeats
    }

    /// FNV-1a over the signature: two frames with the same signature are the same message
    /// (Ed25519 signatures are deterministic and bind every byte of the frame).
    static func fingerprint(_ message: SignedMessage) -> UInt64 {
        var value: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in message.signature { value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return value
    }

    public mutating func observe(_ observation: Observation) -> [Finding] {
        guard observation.direction == .inbound, let sender = observation.peer, configuration.isReplica(sender),
            observation.message.payload.replicaSender == sender
        else { return [] }
        let link = Link(receiver: observation.observer, sender: sender)
        let now = observation.timeMicroseconds
        var window = windows[link] ?? Window(startMicroseconds: now)
        if now >= window.startMicroseconds + windowMicroseconds { window = Window(startMicroseconds: now) }
        defer { windows[link] = window }
        let print = MessageRateDetector.fingerprint(observation.message)
        var findings: [Finding] = []
        if window.distinct.count <= maxMessages, window.distinct.insert(print).inserted, window.distinct.count > maxMessages, namedRate.insert(sender).inserted {
            findings.append(.excessiveRate(replica: sender, messages: window.distinct.count, windowMicroseconds: windowMicroseconds))
        }
        if window.repeats.count < maxMessages || window.repeats[print] != nil {
            window.repeats[print, default: 0] += 1
            if window.repeats[print]! > maxRepeats, namedRepeats.insert(sender).inserted {
                findings.append(.repeatedContent(replica: sender, repeats: window.repeats[print]!, windowMicroseconds: windowMicroseconds))
            }
        }
        return findings
    }
}
