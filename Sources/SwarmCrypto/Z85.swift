/// Z85, ZeroMQ's printable encoding of binary keys (ZeroMQ RFC 32/Z85), in Swift.
///
/// Implemented here rather than through libzmq's `zmq_z85_*` so that
/// certificate files can be read and written without linking libzmq: every
/// 4 bytes, read as a big-endian 32-bit number, become 5 base-85 digits, most
/// significant first. Keys are 32 bytes, so their Z85 form has 40 characters.
public enum Z85 {
    /// The 85 digits in value order, as RFC 32 lists them.
    private static let alphabet: [UInt8] = Array(
        "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#".utf8)

    /// Value of each ASCII character, or `nil` for a character outside the alphabet.
    private static let values: [UInt8?] = {
        var table = [UInt8?](repeating: nil, count: 128)
        for (value, character) in alphabet.enumerated() {
            table[Int(character)] = UInt8(value)
        }
        return table
    }()

    /// Encodes `bytes` as Z85 text.
    ///
    /// - Throws: `CryptoError` `.invalidLength` unless the length is a multiple
    ///   of 4; RFC 32 has no padding, so other lengths cannot be encoded.
    public static func encode(_ bytes: [UInt8]) throws -> String {
        guard bytes.count % 4 == 0 else {
            throw CryptoError(
                code: .invalidLength,
                message: "Z85 encodes a multiple of 4 bytes, not \(bytes.count)")
        }
        return String(decoding: encodeBytes(bytes), as: UTF8.self)
    }

    /// The encoding as ASCII bytes, so a secret key's text form can be wiped
    /// after use (a `String` cannot be). `bytes.count` MUST be a multiple of 4.
    static func encodeBytes(_ bytes: [UInt8]) -> [UInt8] {
        precondition(bytes.count % 4 == 0, "Z85 encodes a multiple of 4 bytes")
        var text = [UInt8](repeating: 0, count: bytes.count / 4 * 5)
        var index = 0
        while index < bytes.count {
            var value =
                UInt32(bytes[index]) << 24 | UInt32(bytes[index + 1]) << 16
                | UInt32(bytes[index + 2]) << 8 | UInt32(bytes[index + 3])
            let groupStart = index / 4 * 5
            for position in stride(from: 4, through: 0, by: -1) {
                text[groupStart + position] = alphabet[Int(value % 85)]
                value /= 85
            }
            index += 4
        }
        return text
    }

    /// Decodes Z85 text.
    ///
    /// - Throws: `CryptoError` `.invalidLength` unless the length is a multiple
    ///   of 5; `.invalidEncoding` for a character outside the Z85 alphabet, or a
    ///   group of 5 digits whose value exceeds 2³² − 1 (such as `#####`), which
    ///   no 4 bytes encode to and a lenient decoder would silently wrap.
    public static func decode(_ text: String) throws -> [UInt8] {
        let characters = Array(text.utf8)
        guard characters.count % 5 == 0 else {
            throw CryptoError(
                code: .invalidLength,
                message: "Z85 text has a multiple of 5 characters, not \(characters.count)")
        }
        var bytes = [UInt8]()
        bytes.reserveCapacity(characters.count / 5 * 4)
        var index = 0
        while index < characters.count {
            var value: UInt64 = 0
            for offset in 0 ..< 5 {
                let character = characters[index + offset]
                guard character < 128, let digit = values[Int(character)] else {
                    throw CryptoError(
                        code: .invalidEncoding,
                        message: "Z85 text has a character outside the alphabet at offset \(index + offset)")
                }
                value = value * 85 + UInt64(digit)
            }
            guard value <= UInt64(UInt32.max) else {
                throw CryptoError(
                    code: .invalidEncoding,
                    message: "Z85 group at offset \(index) exceeds 2^32 - 1")
            }
            bytes.append(UInt8(truncatingIfNeeded: value >> 24))
            bytes.append(UInt8(truncatingIfNeeded: value >> 16))
            bytes.append(UInt8(truncatingIfNeeded: value >> 8))
            bytes.append(UInt8(truncatingIfNeeded: value))
            index += 5
        }
        return bytes
    }
}
