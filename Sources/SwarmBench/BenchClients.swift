import SwarmOrchestrator
import Foundation
import Histogram
import SwarmAuth
import SwarmClient
import SwarmCore
import SwarmMemory
import SwarmCrypto
import SwarmTopology
import SwarmWire
import ZeroMQ

/// What one lane of benchmark clients measured in the measurement window.
struct BenchLaneResult: Sendable {
    var latencyMicroseconds = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
    var completed = 0
    var completedDuringWarmup = 0
    var retransmissions = 0
    var timeouts = 0
    var invalidReplies = 0
    var mismatchedReplies = 0
    var errors: [String] = []
    var clientSignatures = 0
    var clientVerifications = 0
}

/// The schedule every lane follows, in monotonic nanoseconds.
struct BenchSchedule: Sendable {
    var startNanoseconds: UInt64
    var measureFromNanoseconds: UInt64
    var endNanoseconds: UInt64
}

func monotonicNanoseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
}

/// A lane: several closed-loop clients driven by one thread over one ZeroMQ context and
/// one CURVE connection per replica, shared by the lane's clients as agents behind one
/// gateway process would share it. Each client signs its own requests with its own key and
/// has one request outstanding; replies are told apart by the client key they name, which
/// is also how the replicas route them (by the connection a client's verified request last
/// came on). A result is accepted once q replicas sent the same one (ClientCore). A reply is
/// authenticated by the CURVE connection it arrived on — the replica's server key was
/// checked in the handshake, so a reply naming replica i on the connection to replica i
/// is from replica i — and its Ed25519 signature is checked only with `verifyReplies`
/// (docs/wire-protocol.md, 2.2). Sharing connections lets libzmq batch the messages of
/// many clients into one system call each way, which is most of what a wake-up costs.
final class BenchLane {
    /// One closed-loop client: the shared client rule plus its key and timing.
    struct Client {
        let signing: Ed25519.PrivateKey
        var core: ClientCore
        var key: ClientKey { core.key }
        var sentNanoseconds: UInt64 = 0
    }

    let topology: Topology
    let configuration: Configuration
    let verifier: Ed25519ProtocolCrypto
    let payloadBytes: Int
    let sendRule: ClientSendRule
    let verifyReplies: Bool
    let timeoutNanoseconds: UInt64
    let context: ZMQContext
    /// One DEALER per replica, indexed by replica id.
    var dealers: [ZMQSocket] = []
    var clients: [Client] = []
    var clientIndex: [ClientKey: Int] = [:]
    var result = BenchLaneResult()

    init(
        topology: Topology, connection: SecretCertificate, certificates: [SecretCertificate], payloadBytes: Int, sendRule: ClientSendRule = .primaryFirst,
        verifyReplies: Bool = false, retransmitMilliseconds: Int = 1_000, timeoutMilliseconds: Int = 10_000
    ) throws {
        precondition(!certificates.isEmpty, "a lane drives at least one client")
        self.topology = topology
        self.sendRule = sendRule
        self.verifyReplies = verifyReplies
        configuration = try topology.configuration()
        let replicaCertificates = try topology.replicaCertificates()
        verifier = Ed25519ProtocolCrypto(signingKey: nil, replicaKeys: replicaCertificates.map(\.ed25519PublicKey))
        self.payloadBytes = payloadBytes
        let retransmitNanoseconds = UInt64(retransmitMilliseconds) * 1_000_000
        timeoutNanoseconds = UInt64(timeoutMilliseconds) * 1_000_000
        context = try ZMQContext(ioThreads: 1)
        // Request ids start from the clock, as in SwarmClient, so a rerun with the same
        // keys against the same replicas is not taken for a replay.
        let firstRequestID = UInt64(Date().timeIntervalSince1970 * 1_000_000)
        // The connections authenticate with the gateway's CURVE key: the topology lists the
        // clients it may carry.
        for replica in topology.replicas {
            dealers.append(
                try replica.connectClientDealer(
                    context: context, serverKey: replicaCertificates[Int(replica.id)].curvePublicKey,
                    certificate: connection, maxFrameBytes: configuration.wireLimits.maxFrameBytes))
        }
        for certificate in certificates {
            let key = ClientKey(bytes: certificate.signing.publicKey.bytes)
            clientIndex[key] = clients.count
            let core = ClientCore(configuration: configuration, key: key, sendRule: sendRule, retransmitAfter: retransmitNanoseconds, firstRequestID: firstRequestID)
            clients.append(Client(signing: certificate.signing, core: core))
        }
    }

    deinit {
        for dealer in dealers { dealer.close() }
        context.terminate()
    }

    /// The benchmark operation: a put of `payloadBytes` bytes under the client's own key,
    /// so that every request writes and replicas cannot answer from a cache.
    func operation(for index: Int) -> [UInt8] {
        var value = [UInt8](repeating: 0, count: payloadBytes)
        withUnsafeBytes(of: clients[index].core.nextRequestID.bigEndian) { bytes in
            for (offset, byte) in bytes.enumerated() where offset < value.count { value[offset] = byte }
        }
        return MemoryOperation.put(namespace: Array("bench".utf8), key: Array("client-\(index)".utf8), value: value).encoded()
    }

    func issue(_ index: Int, now: UInt64) {
        let signing = clients[index].signing
        let cluster = configuration.cluster
        let output = clients[index].core.submit(operation: operation(for: index), now: now) { request in
            SignedMessage.sign(.request(request), cluster: cluster) { signing.sign($0).bytes }
        }
        result.clientSignatures += 1
        clients[index].sentNanoseconds = now
        send(output)
    }

    func send(_ output: ClientCore.Output?) {
        guard case let .send(message, targets)? = output else { return }
        for target in targets {
            do { _ = try dealers[Int(target)].send([message.frame], flags: .dontWait) } catch { note("send: \(error)") }
        }
    }

    func note(_ error: String) {
        // A bounded list: the count of errors matters, and the first few say why.
        if result.errors.count < 20 { result.errors.append(error) }
    }

    /// Runs the closed loop until the schedule ends.
    func run(_ schedule: BenchSchedule) {
        var items = dealers.map { PollItem(socket: $0, events: .pollIn) }
        while monotonicNanoseconds() < schedule.startNanoseconds { usleep(1_000) }
        for index in clients.indices { issue(index, now: monotonicNanoseconds()) }
        var nextTimerCheck: UInt64 = 0
        while true {
            let now = monotonicNanoseconds()
            if now >= schedule.endNanoseconds { break }
            do { _ = try ZMQ.poll(&items, timeoutMilliseconds: 10) } catch { note("poll: \(error)"); break }
            for (replica, item) in items.enumerated() where item.returnedEvents.contains(.pollIn) {
                drain(dealers[replica], replica: ReplicaID(replica), schedule: schedule)
            }
            let later = monotonicNanoseconds()
            // Timers have a resolution of milliseconds: checking them on every wake-up
            // would cost more than the requests they watch.
            guard later >= nextTimerCheck else { continue }
            nextTimerCheck = later + 10_000_000
            for index in clients.indices {
                if later - clients[index].sentNanoseconds >= timeoutNanoseconds {
                    result.timeouts += 1
                    clients[index].core.abandon()
                    issue(index, now: later)
                } else if let retransmission = clients[index].core.tick(now: later) {
                    result.retransmissions += 1
                    send(retransmission)
                }
            }
        }
    }

    func drain(_ socket: ZMQSocket, replica: ReplicaID, schedule: BenchSchedule) {
        while true {
            let frames: [[UInt8]]
            do {
                guard let received = try socket.receivePeerMessage(maxFrames: 1) else { return }
                guard case let .frames(whole, _) = received else {
                    result.invalidReplies += 1
                    continue
                }
                frames = whole
            } catch { note("receive: \(error)"); return }
            guard frames.count == 1, let reply = try? WireCodec.decode(frames[0], limits: configuration.wireLimits),
                reply.cluster == configuration.cluster, case let .reply(body) = reply.payload
            else {
                result.invalidReplies += 1
                continue
            }
            // The connection is replica `replica`'s: the client rule refuses a reply naming
            // another sender, and drops replies to an earlier request unread (the f
            // slowest replicas), as SwarmClient does.
            guard let index = clientIndex[body.client] else { continue }
            let unauthenticBefore = clients[index].core.unauthenticReplies
            let accepted = clients[index].core.receive(body, connectedTo: replica) { [verifyReplies, verifier] in
                guard verifyReplies else { return true }
                result.clientVerifications += 1
                return verifier.verify(reply)
            }
            if body.sender != replica || clients[index].core.unauthenticReplies > unauthenticBefore {
                result.invalidReplies += 1
            }
            if case .accepted? = accepted {
                complete(index, schedule: schedule)
            } else if let replies = clients[index].core.pending?.replies,
                replies.count - replies.values.filter({ $0 == body.result }).count >= configuration.weakQuorum
            {
                result.mismatchedReplies += 1
            }
        }
    }

    func complete(_ index: Int, schedule: BenchSchedule) {
        let now = monotonicNanoseconds()
        let sent = clients[index].sentNanoseconds
        if now >= schedule.measureFromNanoseconds, now < schedule.endNanoseconds {
            // Throughput counts every completion in the window; latency only requests also
            // sent in it, so warm-up (connection setup) never shows in the percentiles.
            result.completed += 1
            if sent >= schedule.measureFromNanoseconds { _ = result.latencyMicroseconds.record((now - sent) / 1_000) }
        } else {
            result.completedDuringWarmup += 1
        }
        if now < schedule.endNanoseconds { issue(index, now: now) }
    }
}
