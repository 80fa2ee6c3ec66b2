#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Configures sockets for CURVE (ZeroMQ RFC 26) the way SwarmBFT requires: servers always
/// authenticate clients through ZAP, and fail closed when no ZAP handler is running.
///
/// Both helpers MUST be called before `bind` / `connect`: libzmq reads security options
/// when a connection is set up, not later. Both check that the public key belongs to the
/// secret key, because a mismatched pair fails every handshake with no useful error.
///
/// Named `ZMQCurve`, not `Curve`, because SwarmCrypto already exports `Curve` (its key
/// pairs) and the node imports both modules.
public enum ZMQCurve {
    /// Makes `socket` a CURVE server: `ZMQ_CURVE_SERVER`, its key pair, `ZMQ_ZAP_DOMAIN`
    /// and `ZMQ_ZAP_ENFORCE_DOMAIN = 1`.
    ///
    /// Enforcing the domain is what makes a missing ZAP handler a refusal rather than an
    /// "accept everyone, encrypted" (libzmq's legacy fallback). The ``ZAPAuthenticator``
    /// for the socket's context MUST be started before the socket binds.
    public static func configureCurveServer(
        _ socket: ZMQSocket,
        secretKey: [UInt8],
        publicKey: [UInt8],
        zapDomain: String
    ) throws {
        guard !zapDomain.isEmpty, zapDomain.utf8.count <= 254 else {
            throw ZMQError(errno: EINVAL, operation: "configureCurveServer(ZAP domain must be 1...254 bytes)")
        }
        try checkKeyPair(secretKey: secretKey, publicKey: publicKey, operation: "configureCurveServer")
        try socket.setCurveServer(true)
        try socket.setCurveSecretKey(secretKey)
        try socket.setCurvePublicKey(publicKey)
        try socket.setZAPDomain(zapDomain)
        try socket.setZAPEnforceDomain(true)
    }

    /// Makes `socket` a CURVE client of the server whose public key is `serverKey`.
    public static func configureCurveClient(
        _ socket: ZMQSocket,
        secretKey: [UInt8],
        publicKey: [UInt8],
        serverKey: [UInt8]
    ) throws {
        try checkKeyPair(secretKey: secretKey, publicKey: publicKey, operation: "configureCurveClient")
        guard serverKey.count == ZMQ.curveKeyLength else {
            throw ZMQError(errno: EINVAL, operation: "configureCurveClient(server key of \(serverKey.count) bytes)")
        }
        try socket.setCurveServer(false)
        try socket.setCurveSecretKey(secretKey)
        try socket.setCurvePublicKey(publicKey)
        try socket.setCurveServerKey(serverKey)
    }

    private static func checkKeyPair(secretKey: [UInt8], publicKey: [UInt8], operation: String) throws {
        guard publicKey.count == ZMQ.curveKeyLength else {
            throw ZMQError(errno: EINVAL, operation: "\(operation)(public key of \(publicKey.count) bytes)")
        }
        guard try ZMQ.curvePublic(secretKey: secretKey) == publicKey else {
            throw ZMQError(errno: EINVAL, operation: "\(operation)(public key does not belong to the secret key)")
        }
    }
}
