import CZeroMQ

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// libzmq's own Z85, kept internal: the wrapper needs it only where libzmq speaks text
/// (`zmq_curve_keypair`, the ZAP user id). The project's one Z85 codec is
/// `SwarmCrypto.Z85`; a differential test (BasicsTests) holds the two to the same output.
extension ZMQ {
    /// Encodes `data` as Z85 (ZeroMQ RFC 32), the text form libzmq uses for CURVE keys.
    ///
    /// Z85 works on 4-byte groups; any other length is rejected with `EINVAL` rather than
    /// padded, because a padded key would silently be a different key.
    static func z85Encode(_ data: [UInt8]) throws -> String {
        guard data.count % 4 == 0 else {
            throw ZMQError(errno: EINVAL, operation: "z85Encode(\(data.count) bytes, not a multiple of 4)")
        }
        // 5 characters per 4 bytes, plus the terminating NUL libzmq writes.
        var text = [CChar](repeating: 0, count: data.count / 4 * 5 + 1)
        let result = data.withUnsafeBufferPointer { bytes in
            zmq_z85_encode(&text, bytes.baseAddress, bytes.count)
        }
        guard result != nil else { throw ZMQError.last("zmq_z85_encode") }
        return String(decoding: text.prefix(data.count / 4 * 5).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Decodes Z85 text (length a multiple of 5) into bytes; characters outside the Z85
    /// alphabet are rejected with `EINVAL`.
    static func z85Decode(_ text: String) throws -> [UInt8] {
        let characters = Array(text.utf8)
        guard characters.count % 5 == 0 else {
            throw ZMQError(errno: EINVAL, operation: "z85Decode(\(characters.count) characters, not a multiple of 5)")
        }
        // Z85 is printable ASCII only. Anything else is refused here, before libzmq sees
        // it: an embedded NUL would otherwise end the C string early and libzmq would
        // decode a prefix, leaving the rest of `bytes` silently zero.
        guard characters.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw ZMQError(errno: EINVAL, operation: "z85Decode(non-ASCII input)")
        }
        // libzmq refuses the empty string; it is the encoding of no bytes.
        guard !characters.isEmpty else { return [] }
        var bytes = [UInt8](repeating: 0, count: characters.count / 5 * 4)
        let result = text.withCString { cString in
            zmq_z85_decode(&bytes, cString)
        }
        guard result != nil else { throw ZMQError(errno: EINVAL, operation: "zmq_z85_decode") }
        return bytes
    }
}
