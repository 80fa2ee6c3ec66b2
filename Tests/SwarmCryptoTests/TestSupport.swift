import SwarmCrypto
import Testing

/// Bytes from hex written across several lines: whitespace is ignored so long
/// vectors can be pasted as the RFCs print them.
func hex(_ text: String) -> [UInt8] {
    let compact = String(text.filter { !$0.isWhitespace })
    do {
        return try bytes(fromHex: compact)
    } catch {
        Issue.record("bad hex in a test vector: \(error)")
        return []
    }
}

/// `bytes` with bit `bit` (0 = least significant bit of byte 0) flipped.
func flipping(bit: Int, of bytes: [UInt8]) -> [UInt8] {
    var copy = bytes
    copy[bit / 8] ^= UInt8(1) << UInt8(bit % 8)
    return copy
}
