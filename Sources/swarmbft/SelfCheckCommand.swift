import ArgumentParser
import SwarmCrypto
import ZeroMQ

/// `swarmbft selfcheck`: proves on this machine that the two C libraries work as the
/// design needs: versions, CURVE support, an authenticated CURVE handshake through a ZAP
/// allowlist, a refused unknown key, and an Ed25519 round trip.
struct SelfCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "selfcheck",
        abstract: "Check libzmq, libsodium, CURVE with a ZAP allowlist, and Ed25519."
    )

    func run() throws {
        let version = ZMQ.version
        print("libzmq     \(version.major).\(version.minor).\(version.patch)")
        print("libsodium  \(Sodium.versionString)")
        let curve = ZMQ.has("curve")
        print("CURVE      \(curve ? "supported" : "MISSING")")
        guard curve else { throw ExitCode(1) }

        let signer = Ed25519.PrivateKey.generate()
        let message = Array("swarmbft selfcheck".utf8)
        let signature = signer.sign(message)
        let verified = Ed25519.verify(signature, of: message, by: signer.publicKey)
        let tampered = Ed25519.verify(signature, of: message + [0], by: signer.publicKey)
        print("Ed25519    sign/verify \(verified && !tampered ? "ok" : "FAILED")")
        guard verified, !tampered else { throw ExitCode(1) }

        let (allowed, refused) = try curveHandshake()
        print("CURVE+ZAP  allowlisted key \(allowed ? "delivered" : "FAILED"), unknown key \(refused ? "refused" : "ACCEPTED")")
        guard allowed, refused else { throw ExitCode(1) }
        print("selfcheck passed")
    }

    /// A ROUTER with a ZAP allowlist of one client key, then one listed and one unlisted
    /// DEALER; returns whether the listed one got through and the unlisted one did not.
    func curveHandshake() throws -> (Bool, Bool) {
        let context = try ZMQContext()
        let server = try ZMQ.curveKeyPair(), good = try ZMQ.curveKeyPair(), bad = try ZMQ.curveKeyPair()
        let authenticator = try ZAPAuthenticator(context: context, allowlist: ["selfcheck": [good.publicKey]])
        defer { authenticator.stop(); context.terminate() }
        let router = try context.makeSocket(.router)
        defer { router.close() }
        try router.setLinger(milliseconds: 0)
        try router.setReceiveTimeout(milliseconds: 1500)
        try ZMQCurve.configureCurveServer(router, secretKey: server.secretKey, publicKey: server.publicKey, zapDomain: "selfcheck")
        try router.bind("tcp://127.0.0.1:*")
        let endpoint = try router.lastEndpoint

        func attempt(_ keys: (publicKey: [UInt8], secretKey: [UInt8])) throws -> Bool {
            let dealer = try context.makeSocket(.dealer)
            defer { dealer.close() }
            try dealer.setLinger(milliseconds: 0)
            try ZMQCurve.configureCurveClient(dealer, secretKey: keys.secretKey, publicKey: keys.publicKey, serverKey: server.publicKey)
            try dealer.connect(endpoint)
            _ = try dealer.send([Array("ping".utf8)])
            do {
                let frames = try router.receiveMultipart()
                return frames?.last == Array("ping".utf8)
            } catch let error as ZMQError where error.isAgain {
                return false
            }
        }
        let allowed = try attempt(good)
        let refused = try !attempt(bad)
        return (allowed, refused)
    }
}
