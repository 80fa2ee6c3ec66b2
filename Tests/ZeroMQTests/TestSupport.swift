import Foundation
import Testing
@testable import ZeroMQ

/// Every receive in these tests gives up after this long, so a broken test fails instead
/// of hanging the suite.
let receiveTimeoutMilliseconds = 2000

/// Makes a socket the way every test needs it: LINGER 0 (so closing never waits on a dead
/// peer and the context can terminate) and finite send/receive timeouts.
func makeTestSocket(_ context: ZMQContext, _ type: SocketType) throws -> ZMQSocket {
    let socket = try context.makeSocket(type)
    try socket.setLinger(milliseconds: 0)
    try socket.setReceiveTimeout(milliseconds: receiveTimeoutMilliseconds)
    try socket.setSendTimeout(milliseconds: receiveTimeoutMilliseconds)
    return socket
}

/// An endpoint name unique to one test, for inproc transports and monitors.
func uniqueInproc(_ name: String) -> String {
    "inproc://\(name)-\(UUID().uuidString)"
}

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

/// Receives with a bounded poll; nil if nothing arrived within `timeoutMilliseconds`.
func receive(_ socket: ZMQSocket, timeoutMilliseconds: Int) throws -> [[UInt8]]? {
    var items = [PollItem(socket: socket, events: .pollIn)]
    guard try ZMQ.poll(&items, timeoutMilliseconds: timeoutMilliseconds) > 0 else { return nil }
    return try socket.receiveMultipart(dontWait: true)
}

/// Retries `condition` every 10 ms until it holds or `timeoutMilliseconds` passes.
func eventually(timeoutMilliseconds: Int = 3000, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(Double(timeoutMilliseconds) / 1000)
    while Date() < deadline {
        if condition() { return true }
        usleep(10_000)
    }
    return condition()
}

/// A value shared with callbacks that run on other threads (the ZAP handler's).
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func withLock<T>(_ body: (inout Value) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
    var current: Value { withLock { $0 } }
}

/// The fixed key pairs from libzmq's zmq_curve(7) man page, in Z85.
enum TestKeys {
    static let clientPublicZ85 = "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID"
    static let clientSecretZ85 = "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs"
    static let serverPublicZ85 = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"
    static let serverSecretZ85 = "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6"

    static var clientPublic: [UInt8] { try! ZMQ.z85Decode(clientPublicZ85) }
    static var clientSecret: [UInt8] { try! ZMQ.z85Decode(clientSecretZ85) }
    static var serverPublic: [UInt8] { try! ZMQ.z85Decode(serverPublicZ85) }
    static var serverSecret: [UInt8] { try! ZMQ.z85Decode(serverSecretZ85) }
}
