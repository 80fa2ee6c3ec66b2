import Foundation
import Testing
import SwarmCrypto
import SwarmEvents
import SwarmSecurityLog
import ZeroMQ
import SwarmTestKit

@Suite("Event stream: publish once durable, catch up from the log", .serialized)
struct StreamTests {
    struct Fixture {
        let context: ZMQContext
        let journal: EventJournal
        let endpoints: EventSubscriber.Endpoints
    }

    func fixture() throws -> Fixture {
        var settings = SecurityLog.Settings()
        settings.sync = false
        settings.batchEntries = 10
        settings.segmentEntries = 200
        let signing = try Ed25519.PrivateKey(seed: Blake2b.hash256(Array("stream".utf8)))
        let log = try SecurityLog(directory: TestKit.scratchPath("log"), signing: signing, macKey: Blake2b.hash256([1]), settings: settings)
        let context = try ZMQContext(ioThreads: 1)
        // Ports the kernel picks: other tests run clusters on fixed ranges at the same time.
        let journal = try EventJournal(
            log: log, swarmID: "swarm-1-abc", node: "monitor", context: context, publishEndpoint: "tcp://127.0.0.1:*", catchupEndpoint: "tcp://127.0.0.1:*", curve: nil)
        return Fixture(context: context, journal: journal, endpoints: journal.boundEndpoints)
    }

    func record(_ journal: EventJournal, _ range: Range<Int>) throws {
        for index in range { try journal.record(SecurityEvent(type: "synthetic", severity: .low, summary: "event \(index)")) }
    }

    /// Drives the journal and the subscriber on this thread until `count` events arrived.
    func collect(_ fixture: Fixture, _ subscriber: EventSubscriber, count: Int, whileRecording more: Range<Int>? = nil) throws -> [UInt64] {
        var sequences: [UInt64] = []
        var pending = more.map { Array($0) } ?? []
        let deadline = Date().addingTimeInterval(20)
        while sequences.count < count, Date() < deadline {
            if !pending.isEmpty {
                try record(fixture.journal, pending[0] ..< pending[0] + min(25, pending.count))
                pending.removeFirst(min(25, pending.count))
            } else {
                try fixture.journal.flush()
            }
            try fixture.journal.service()
            while let delivered = try subscriber.next(timeoutMilliseconds: 2) {
                sequences.append(delivered.sequence)
                try fixture.journal.service()
            }
        }
        return sequences
    }

    @Test("A late joiner catches up 2,500 logged events, in order, across several replies")
    func lateJoiner() throws {
        let fixture = try fixture()
        defer { fixture.journal.close(); fixture.context.terminate() }
        try record(fixture.journal, 0 ..< 2500)
        try fixture.journal.flush()
        let subscriber = try EventSubscriber(context: fixture.context, endpoints: fixture.endpoints, curve: nil, from: 0)
        defer { subscriber.close() }
        let sequences = try collect(fixture, subscriber, count: 2500)
        #expect(sequences == Array(0 ..< 2500))
        #expect(subscriber.catchups >= 3, "2,500 events need at least three replies of \(CatchupProtocol.batchLimit)")
    }

    @Test("Catching up while events keep coming live: every event once, in order")
    func catchupUnderLoad() throws {
        let fixture = try fixture()
        defer { fixture.journal.close(); fixture.context.terminate() }
        try record(fixture.journal, 0 ..< 700)
        try fixture.journal.flush()
        let subscriber = try EventSubscriber(context: fixture.context, endpoints: fixture.endpoints, curve: nil, from: 300)
        defer { subscriber.close() }
        let sequences = try collect(fixture, subscriber, count: 1700, whileRecording: 700 ..< 2000)
        #expect(sequences == Array(300 ..< 2000))
    }

    @Test("A malformed catch-up request is answered with ERROR and counted, not crashed on")
    func malformedRequest() throws {
        let fixture = try fixture()
        defer { fixture.journal.close(); fixture.context.terminate() }
        let dealer = try fixture.context.makeSocket(.dealer)
        defer { dealer.close() }
        try dealer.setLinger(milliseconds: 0)
        try dealer.connect(fixture.endpoints.catchup)
        _ = try dealer.send([CatchupProtocol.since, Array("12abc".utf8)])
        var reply: [[UInt8]]?
        for _ in 0 ..< 200 where reply == nil {
            try fixture.journal.service()
            reply = try dealer.receiveMultipart(dontWait: true)
            usleep(10_000)
        }
        #expect(reply?.first == CatchupProtocol.error)
        #expect(fixture.journal.malformedRequests == 1)
    }
}
