import Foundation
import Logging
import SwarmCrypto
import SwarmTopology
import ZeroMQ

/// `swarmbft monitor-proxy`: one fan-in from every replica's tap serving many monitors.
/// XSUB connects to the taps (as the monitor would, CURVE with the monitor's key); XPUB
/// serves monitors (CURVE server with the monitor's key, ZAP domain `swarmbft-monitor`:
/// client, admin and monitor keys); an optional capture PUB copies every message (for a
/// recorder). libzmq's `zmq_proxy_steerable` moves the messages and the subscriptions;
/// the calling thread only steers it (TERMINATE at the stop signal).
public final class MonitorProxy {
    let context: ZMQContext
    let authenticator: ZAPAuthenticator
    let topology: Topology
    let certificate: SecretCertificate
    let publishEndpoint: String
    let captureEndpoint: String?
    static let controlEndpoint = "inproc://swarmbft-monitor-proxy-control"

    public init(topology: Topology, certificate: SecretCertificate, publishEndpoint: String, captureEndpoint: String?, logger: Logger) throws {
        self.topology = topology
        self.certificate = certificate
        self.publishEndpoint = publishEndpoint
        self.captureEndpoint = captureEndpoint
        context = try ZMQContext(ioThreads: 1)
        // It republishes the taps: the same readers as a tap (issue 15, finding 6).
        let monitors = try topology.tapReaderCertificates()
        authenticator = try ZAPAuthenticator(
            context: context, allowlist: [MeshDomain.monitor: Set(monitors.map(\.curvePublicKey))],
            onDenial: { denial in
                logger.warning("monitor proxy refused a connection with an unknown CURVE key", metadata: ["denial": "\(denial)"])
            })
    }

    deinit {
        authenticator.stop()
        context.terminate()
    }

    /// Runs the proxy until `stopping()`; returns after the proxy thread has closed its sockets.
    public func run(stopping: () -> Bool) throws {
        let failure = LockedBox<(any Error)?>(nil)
        let finished = DispatchSemaphore(value: 0)
        let ready = DispatchSemaphore(value: 0)
        let replicaKeys = try topology.replicaCertificates().map(\.curvePublicKey)
        let secret = certificate.curve.secretKey.copyBytes(), publicKey = certificate.curve.publicKey
        let (context, topology, publishEndpoint, captureEndpoint) = (self.context, self.topology, self.publishEndpoint, self.captureEndpoint)
        // The proxy's sockets are created, used and closed on its own thread (libzmq
        // sockets are not thread-safe).
        Thread.detachNewThread {
            defer { finished.signal() }
            do {
                let frontend = try context.makeSocket(.xsub), backend = try context.makeSocket(.xpub), control = try context.makeSocket(.pair)
                let capture = try captureEndpoint.map { _ in try context.makeSocket(.pub) }
                defer { for socket in [frontend, backend, control] + (capture.map { [$0] } ?? []) { socket.close() } }
                for socket in [frontend, backend, control] + (capture.map { [$0] } ?? []) { try socket.setLinger(milliseconds: 0) }
                try ZMQCurve.configureCurveClient(frontend, secretKey: secret, publicKey: publicKey, serverKey: replicaKeys[0])
                for replica in topology.replicas {
                    try frontend.setCurveServerKey(replicaKeys[Int(replica.id)])
                    try frontend.connect("tcp://\(replica.host):\(replica.monitorPort)")
                }
                try ZMQCurve.configureCurveServer(backend, secretKey: secret, publicKey: publicKey, zapDomain: MeshDomain.monitor)
                try backend.setSendHighWaterMark(100_000)
                try backend.bind(publishEndpoint)
                if let capture, let captureEndpoint {
                    try ZMQCurve.configureCurveServer(capture, secretKey: secret, publicKey: publicKey, zapDomain: MeshDomain.monitor)
                    try capture.bind(captureEndpoint)
                }
                try control.bind(Self.controlEndpoint)
                ready.signal()
                try ZMQ.proxySteerable(frontend: frontend, backend: backend, capture: capture, control: control)
            } catch {
                failure.value = error
                ready.signal()
            }
        }
        ready.wait()
        if let error = failure.value { throw error }
        let steer = try context.makeSocket(.pair)
        defer { steer.close() }
        try steer.connect(Self.controlEndpoint)
        while !stopping() { usleep(100_000) }
        _ = try steer.send([Array("TERMINATE".utf8)])
        finished.wait()
        if let error = failure.value { throw error }
    }
}

/// A value shared between the steering thread and the proxy thread.
final class LockedBox<Value>: @unchecked Sendable {
    let lock = NSLock()
    var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}
