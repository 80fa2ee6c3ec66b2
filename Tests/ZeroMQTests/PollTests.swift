import Foundation
import Testing
@testable import ZeroMQ

@Suite("Polling")
struct PollTests {
    @Test("poll reports pollIn on the socket with a pending message only, and 0 on timeout")
    func readinessAndTimeout() throws {
        let context = try ZMQContext()
        defer { context.terminate() }
        let endpointA = uniqueInproc("poll-a")
        let endpointB = uniqueInproc("poll-b")
        let pullA = try makeTestSocket(context, .pull)
        defer { pullA.close() }
        let pullB = try makeTestSocket(context, .pull)
        defer { pullB.close() }
        let push = try makeTestSocket(context, .push)
        defer { push.close() }
        try pullA.bind(endpointA)
        try pullB.bind(endpointB)
        try push.connect(endpointB)

        var items = [PollItem(socket: pullA, events: .pollIn), PollItem(socket: pullB, events: .pollIn)]
        let started = Date()
        #expect(try ZMQ.poll(&items, timeoutMilliseconds: 100) == 0)
        #expect(Date().timeIntervalSince(started) >= 0.09)
        #expect(items[0].returnedEvents.isEmpty && items[1].returnedEvents.isEmpty)

        try push.send([bytes("ready")])
        #expect(try ZMQ.poll(&items, timeoutMilliseconds: receiveTimeoutMilliseconds) == 1)
        #expect(items[0].returnedEvents.isEmpty)
        #expect(items[1].returnedEvents.contains(.pollIn))
        #expect(try pullB.events.contains(.pollIn))
        #expect(try pullB.receiveMultipart(dontWait: true) == [bytes("ready")])
        #expect(try !pullB.events.contains(.pollIn))
    }

    @Test("pollOut is ready on a connected PUSH and the socket exposes a file descriptor")
    func pollOutAndFileDescriptor() throws {
        let context = try ZMQContext()
        defer { context.terminate() }
        let endpoint = uniqueInproc("pollout")
        let pull = try makeTestSocket(context, .pull)
        defer { pull.close() }
        let push = try makeTestSocket(context, .push)
        defer { push.close() }
        try pull.bind(endpoint)
        try push.connect(endpoint)
        var items = [PollItem(socket: push, events: [.pollIn, .pollOut])]
        #expect(try ZMQ.poll(&items, timeoutMilliseconds: receiveTimeoutMilliseconds) == 1)
        #expect(items[0].returnedEvents == .pollOut)
        #expect(try push.fileDescriptor >= 0)
    }

    @Test("a plain file descriptor can be polled next to sockets")
    func fileDescriptorItem() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        var items = [PollItem(fileDescriptor: fds[0], events: .pollIn)]
        #expect(try ZMQ.poll(&items, timeoutMilliseconds: 0) == 0)
        var byte: UInt8 = 1
        #expect(write(fds[1], &byte, 1) == 1)
        #expect(try ZMQ.poll(&items, timeoutMilliseconds: receiveTimeoutMilliseconds) == 1)
        #expect(items[0].returnedEvents.contains(.pollIn))
    }
}
