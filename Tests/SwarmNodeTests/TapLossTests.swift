import Testing
@testable import SwarmNode
import SwarmTopology
import SwarmWire
import SwarmMonitor
import ZeroMQ

@Suite("Tap sequence numbers and the monitor's loss count")
struct TapLossTests {
    @Test("Gaps in a tap's sequence are counted per replica; a late join and a restarted replica are not losses")
    func gaps() {
        var loss = TapLoss()
        for sequence: UInt64 in [100, 101, 102, 106, 107] { loss.observe(replica: 1, sequence: sequence) }
        #expect(loss.lost[1] == 3, "103, 104 and 105 were missed; joining at 100 lost nothing")
        for sequence: UInt64 in [1, 2, 4] { loss.observe(replica: 1, sequence: sequence) }
        #expect(loss.lost[1] == 4, "a restart counts from 1 again; 3 was missed after it")
        for sequence: UInt64 in [1, 2, 3] { loss.observe(replica: 2, sequence: sequence) }
        #expect(loss.lost[2] == nil && loss.total == 4)
    }

    @Test("What MonitorTap publishes decodes as a TapObservation with consecutive sequence numbers")
    func tapRoundTrip() throws {
        let context = try ZMQContext()
        defer { context.terminate() }
        let publisher = try context.makeSocket(.pub)
        defer { publisher.close() }
        try publisher.setLinger(milliseconds: 0)
        let subscriber = try context.makeSocket(.sub)
        defer { subscriber.close() }
        try subscriber.setLinger(milliseconds: 0)
        try publisher.bind("inproc://tap-round-trip")
        try subscriber.subscribe(prefix: Array("tap/".utf8))
        try subscriber.connect("inproc://tap-round-trip")
        let tap = MonitorTap(socket: publisher, replica: 3)
        var first: TapObservation?
        for _ in 0 ..< 200 where first == nil {
            tap.publish([9, 9], outbound: true, peer: 1)
            var items = [PollItem(socket: subscriber, events: .pollIn)]
            if try ZMQ.poll(&items, timeoutMilliseconds: 10) > 0, let frames = try subscriber.receiveMultipart(dontWait: true) {
                first = TapObservation(frames: frames)
            }
        }
        let joined = try #require(first, "the subscriber never joined")
        #expect(joined.replica == 3 && joined.outbound && joined.peer == 1 && joined.frame == [9, 9])
        tap.publish([7], outbound: false)
        var next: TapObservation?
        var items = [PollItem(socket: subscriber, events: .pollIn)]
        while next?.frame != [7], try ZMQ.poll(&items, timeoutMilliseconds: 2000) > 0, let frames = try subscriber.receiveMultipart(dontWait: true) {
            next = TapObservation(frames: frames)
        }
        #expect(next?.sequence == tap.observationSequence && next?.outbound == false && next?.peer == MonitorTap.anyPeer)
        #expect(TapObservation(frames: [Array("tap/3/in".utf8), [UInt8](repeating: 0, count: 17), [1]]) == nil, "the old 17-byte meta is refused")
    }
}
