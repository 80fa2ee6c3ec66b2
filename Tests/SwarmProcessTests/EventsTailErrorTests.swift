import Foundation
import SwarmCrypto
import Testing
import ZeroMQ

extension ProcessSuites {
    /// Issue 15, finding 10: `events tail` with a refused key, a wrong topology or a stopped
    /// monitor hung silently (or exited 0 with nothing), and refusals were logged as
    /// decimal byte arrays.
    @Suite("events tail says why it hears nothing")
    struct EventsTailErrorTests {
        @Test("A key the monitor refuses: a non-zero exit naming the key; no monitor running: a non-zero exit after --connect-timeout")
        func refusedAndStopped() throws {
            let cluster = try LocalCluster()
            // No monitor yet: nothing answers.
            let silent = try LocalCluster.swarmbft(["events", "tail", "--topology", cluster.topologyPath, "--connect-timeout", "2", "--duration", "30"])
            #expect(silent.status != 0 && silent.output.contains("no answer from the event stream"), "\(silent)")

            let monitor = try cluster.startMonitor(seconds: 20)
            defer { if monitor.isRunning { monitor.terminate() } }
            let stranger = SecretCertificate.generate(name: "stranger")
            let paths = try CertificateFile.write(stranger, directory: cluster.directory + "/strangers")
            let refused = try LocalCluster.swarmbft(["events", "tail", "--topology", cluster.topologyPath, "--key", paths.secretPath, "--duration", "15"])
            let z85 = try Z85.encode(stranger.curve.publicKey)
            #expect(refused.status != 0 && refused.output.contains("refused this key") && refused.output.contains(z85), "\(refused)")
            // An allowlisted key on the same running monitor connects and waits quietly.
            let allowed = try LocalCluster.swarmbft(["events", "tail", "--topology", cluster.topologyPath, "--connect-timeout", "3", "--duration", "5"])
            #expect(allowed.status == 0, "\(allowed)")
            // The monitor's log names the refused key in Z85, not as decimal bytes.
            monitor.terminate()
            monitor.waitUntilExit()
            let log = (try? String(contentsOfFile: cluster.directory + "/monitor.log", encoding: .utf8)) ?? ""
            #expect(log.contains(z85) && !log.contains("publicKey: Optional(["), "the monitor's log: \(log.suffix(2_000))")
        }
    }
}
