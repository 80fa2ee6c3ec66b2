import Foundation
import Testing
@testable import ZeroMQ

@Suite("Steerable proxy")
struct ProxyTests {
    @Test("messages cross the proxy and TERMINATE on the control socket ends it")
    func proxyForwardsAndTerminates() throws {
        let context = try ZMQContext()
        defer { context.terminate() }
        let frontend = uniqueInproc("proxy-front")
        let backend = uniqueInproc("proxy-back")
        let control = uniqueInproc("proxy-control")
        let result = Locked<String?>(nil)
        let finished = DispatchSemaphore(value: 0)

        // The proxy's sockets are created, used and closed on the proxy thread only.
        Thread.detachNewThread {
            defer { finished.signal() }
            do {
                let pull = try makeTestSocket(context, .pull)
                defer { pull.close() }
                let push = try makeTestSocket(context, .push)
                defer { push.close() }
                let steer = try makeTestSocket(context, .pair)
                defer { steer.close() }
                try pull.bind(frontend)
                try push.bind(backend)
                try steer.bind(control)
                try ZMQ.proxySteerable(frontend: pull, backend: push, control: steer)
                result.withLock { $0 = "terminated" }
            } catch {
                result.withLock { $0 = "\(error)" }
            }
        }

        // inproc allows connect before bind, so no start-up handshake is needed.
        let sender = try makeTestSocket(context, .push)
        defer { sender.close() }
        let receiver = try makeTestSocket(context, .pull)
        defer { receiver.close() }
        let steer = try makeTestSocket(context, .pair)
        defer { steer.close() }
        try sender.connect(frontend)
        try receiver.connect(backend)
        try steer.connect(control)

        try sender.send([bytes("through"), []])
        #expect(try receive(receiver, timeoutMilliseconds: receiveTimeoutMilliseconds) == [bytes("through"), []])
        try steer.send([bytes("TERMINATE")])
        #expect(finished.wait(timeout: .now() + 5) == .success)
        #expect(result.current == "terminated")
    }
}
