import Foundation
import SwarmCrypto
import SwarmTopology
import SwarmWire
import ZeroMQ

extension SwarmClient {
    /// One replica's answer to a control frame.
    public struct ControlAnswer: Sendable {
        public var replica: ReplicaID
        public var accepted: Bool
        public var text: String
    }

    /// Sends the same control frames (`CONTROL …` or `EVIDENCE …`) to every replica and
    /// collects their answers; a replica that does not answer in time is reported so.
    public func control(_ frames: [[UInt8]], timeoutMilliseconds: Int = 3000) throws -> [ControlAnswer] {
        for dealer in dealers.values { _ = try dealer.send(frames, flags: .dontWait) }
        var answers: [ReplicaID: ControlAnswer] = [:]
        let deadline = Date().addingTimeInterval(Double(timeoutMilliseconds) / 1000)
        var items = dealers.keys.sorted().map { PollItem(socket: dealers[$0]!, events: .pollIn) }
        while answers.count < dealers.count, Date() < deadline {
            _ = try ZMQ.poll(&items, timeoutMilliseconds: 50)
            for (replica, dealer) in dealers where answers[replica] == nil {
                // Replies to requests of this client may still arrive; only answers count.
                for _ in 0 ..< 256 {
                    guard let received = try dealer.receivePeerMessage(maxFrames: 2) else { break }
                    guard case let .frames(reply, _) = received, reply.count == 2, reply[0] == ControlFrames.accepted || reply[0] == ControlFrames.refused else { continue }
                    answers[replica] = ControlAnswer(replica: replica, accepted: reply[0] == ControlFrames.accepted, text: String(decoding: reply[1], as: UTF8.self))
                }
            }
        }
        return dealers.keys.sorted().map { answers[$0] ?? ControlAnswer(replica: $0, accepted: false, text: "no answer within \(timeoutMilliseconds) ms") }
    }

    /// A control command signed with `signing` (an admin key, or the monitor's for suspicion).
    public static func controlCommand(_ kind: ControlCommand.Kind, target: ReplicaID = 0, view: ViewNumber = 0, cluster: ClusterBinding, signing: Ed25519.PrivateKey) -> [[UInt8]] {
        var command = ControlCommand(
            cluster: cluster, kind: kind, target: target, view: view, issuedAtMicroseconds: UInt64(Date().timeIntervalSince1970 * 1_000_000), nonce: SodiumRandom.bytes(16),
            signer: signing.publicKey.bytes)
        command.signature = signing.sign(command.signedBytes).bytes
        return [ControlFrames.control, command.encoded()]
    }
}
