import CZeroMQ

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension ZMQ {
    /// The length of a raw CURVE (Curve25519) key, public or secret.
    public static let curveKeyLength = 32

    /// Generates a CURVE key pair with libzmq's own generator (`zmq_curve_keypair`), so
    /// the target needs no libsodium import. Keys are returned raw (32 bytes each).
    public static func curveKeyPair() throws -> (publicKey: [UInt8], secretKey: [UInt8]) {
        var publicText = [CChar](repeating: 0, count: 41)
        var secretText = [CChar](repeating: 0, count: 41)
        guard zmq_curve_keypair(&publicText, &secretText) == 0 else {
            throw ZMQError.last("zmq_curve_keypair")
        }
        defer { zeroize(&secretText) }
        return (try z85Decode(text(publicText)), try z85Decode(text(secretText)))
    }

    /// Derives the public key of a raw 32-byte CURVE secret key (`zmq_curve_public`).
    public static func curvePublic(secretKey: [UInt8]) throws -> [UInt8] {
        guard secretKey.count == curveKeyLength else {
            throw ZMQError(errno: EINVAL, operation: "curvePublic(secret key of \(secretKey.count) bytes)")
        }
        var secretText = Array(try z85Encode(secretKey).utf8CString)
        defer { zeroize(&secretText) }
        var publicText = [CChar](repeating: 0, count: 41)
        guard zmq_curve_public(&publicText, secretText) == 0 else {
            throw ZMQError.last("zmq_curve_public")
        }
        return try z85Decode(text(publicText))
    }

    /// Overwrites a temporary copy of secret material. Best effort only: Swift may have
    /// made other copies, but this one at least does not outlive its use.
    private static func zeroize(_ buffer: inout [CChar]) {
        for index in buffer.indices { buffer[index] = 0 }
    }

    /// The text of a NUL-terminated C buffer that libzmq filled in.
    private static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
