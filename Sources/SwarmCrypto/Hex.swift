/// Lower-case hexadecimal, for keys in certificate files, logs and tests.
///
/// Written by hand rather than with `String(format:)` so that it needs no
/// Foundation and stays cheap on logging paths.
public func hexString(_ bytes: [UInt8]) -> String {
    String(decoding: hexBytes(bytes), as: UTF8.self)
}

/// The hex digits as ASCII bytes, so the text form of a secret can be wiped
/// after use (a `String` cannot be).
func hexBytes(_ bytes: [UInt8]) -> [UInt8] {
    let digits: [UInt8] = Array("0123456789abcdef".utf8)
    var utf8 = [UInt8]()
    utf8.reserveCapacity(bytes.count * 2)
    for byte in bytes {
        utf8.append(digits[Int(byte >> 4)])
        utf8.append(digits[Int(byte & 0x0f)])
    }
    return utf8
}

/// Parses hexadecimal (upper or lower case, no separators, no `0x` prefix).
///
/// - Throws: `CryptoError` `.invalidLength` for an odd number of digits,
///   `.invalidEncoding` for any character that is not a hex digit.
public func bytes(fromHex text: String) throws -> [UInt8] {
    let utf8 = Array(text.utf8)
    guard utf8.count % 2 == 0 else {
        throw CryptoError(code: .invalidLength, message: "hex text has an odd number of characters (\(utf8.count))")
    }
    var result = [UInt8]()
    result.reserveCapacity(utf8.count / 2)
    var index = 0
    while index < utf8.count {
        guard let high = hexValue(utf8[index]), let low = hexValue(utf8[index + 1]) else {
            throw CryptoError(code: .invalidEncoding, message: "hex text has a non-hex character near offset \(index)")
        }
        result.append(high << 4 | low)
        index += 2
    }
    return result
}

private func hexValue(_ character: UInt8) -> UInt8? {
    switch character {
    case UInt8(ascii: "0") ... UInt8(ascii: "9"): return character - UInt8(ascii: "0")
    case UInt8(ascii: "a") ... UInt8(ascii: "f"): return character - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A") ... UInt8(ascii: "F"): return character - UInt8(ascii: "A") + 10
    default: return nil
    }
}
