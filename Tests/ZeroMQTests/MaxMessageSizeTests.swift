import Foundation
import Testing
@testable import ZeroMQ

@Suite("Bounds")
struct MaxMessageSizeTests {
    @Test("a frame above the receiver's MAXMSGSIZE is never delivered; the peer is dropped and a small message after reconnect arrives")
    func oversizedFrameDropped() throws {
        let context = try ZMQContext()
        defer { context.terminate() }
        let pull = try makeTestSocket(context, .pull)
        defer { pull.close() }
        try pull.setMaxMessageSize(bytes: 1024)
        let monitor = try pull.monitor(endpoint: uniqueInproc("maxmsgsize"), events: [.handshakeSucceeded, .disconnected])
        defer { monitor.close() }
        try pull.bind("tcp://127.0.0.1:*")

        let push = try makeTestSocket(context, .push)
        defer { push.close() }
        try push.setReconnectInterval(milliseconds: 50)
        try push.connect(try pull.lastEndpoint)
        #expect(try monitor.waitFor(timeoutMilliseconds: 3000) { $0.kind == .handshakeSucceeded } != nil)

        try push.send([Array(repeating: 0xAB, count: 4096)])
        #expect(try monitor.waitFor(timeoutMilliseconds: 3000) { $0.kind == .disconnected } != nil)

        // Sent on the new connection the pusher makes after being dropped.
        try push.send([bytes("small")])
        let received = try receive(pull, timeoutMilliseconds: 3000)
        #expect(received == [bytes("small")])
        #expect(try receive(pull, timeoutMilliseconds: 100) == nil)
    }
}
