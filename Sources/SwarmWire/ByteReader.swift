/// Reads what `ByteWriter` writes, refusing anything short, long or out of bounds with a
/// `WireError`. It never traps on input: every index is checked before use.
public struct ByteReader: Sendable {
    public let bytes: [UInt8]
    public private(set) var offset: Int
    let end: Int

    public init(_ bytes: [UInt8], offset: Int = 0, end: Int? = nil) {
        self.bytes = bytes
        self.offset = offset
        self.end = end ?? bytes.count
    }

    public var remaining: Int { end - offset }
    public var isAtEnd: Bool { offset == end }

    mutating func need(_ count: Int, _ what: StaticString) throws(WireError) {
        guard count >= 0, remaining >= count else {
            throw WireError(.truncated, "\(what): needs \(count) bytes, \(remaining) left at offset \(offset)")
        }
    }

    public mutating func u8(_ what: StaticString) throws(WireError) -> UInt8 {
        try need(1, what)
        defer { offset += 1 }
        return bytes[offset]
    }

    public mutating func bool(_ what: StaticString) throws(WireError) -> Bool {
        switch try u8(what) {
        case 0: return false
        case 1: return true
        case let other: throw WireError(.invalidValue, "\(what): boolean must be 0 or 1, got \(other)")
        }
    }

    public mutating func u16(_ what: StaticString) throws(WireError) -> UInt16 {
        try need(2, what)
        defer { offset += 2 }
        return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    public mutating func u32(_ what: StaticString) throws(WireError) -> UInt32 {
        try need(4, what)
        var value: UInt32 = 0
        for index in offset ..< offset + 4 { value = value << 8 | UInt32(bytes[index]) }
        offset += 4
        return value
    }

    public mutating func u64(_ what: StaticString) throws(WireError) -> UInt64 {
        try need(8, what)
        var value: UInt64 = 0
        for index in offset ..< offset + 8 { value = value << 8 | UInt64(bytes[index]) }
        offset += 8
        return value
    }

    public mutating func digest(_ what: StaticString) throws(WireError) -> Digest {
        try need(Digest.byteCount, what)
        let words = (try u64(what), try u64(what), try u64(what), try u64(what))
        return Digest(words: words)
    }

    public mutating func raw(_ count: Int, _ what: StaticString) throws(WireError) -> [UInt8] {
        try need(count, what)
        defer { offset += count }
        return Array(bytes[offset ..< offset + count])
    }

    /// A 32-bit length-prefixed byte string no longer than `limit`; the limit is checked
    /// before anything is allocated.
    public mutating func lengthPrefixed(limit: Int, _ what: StaticString) throws(WireError) -> [UInt8] {
        let count = Int(try u32(what))
        guard count <= limit else {
            throw WireError(.lengthOverLimit, "\(what): \(count) bytes, limit \(limit)")
        }
        return try raw(count, what)
    }

    /// A count that bounds a following list; checked against `limit` and against the bytes
    /// left (each element needs at least `minimumElementBytes`), so a forged count cannot
    /// make the decoder reserve memory it will never fill.
    public mutating func count(limit: Int, minimumElementBytes: Int, _ what: StaticString) throws(WireError) -> Int {
        let count = Int(try u32(what))
        guard count <= limit else {
            throw WireError(.countOverLimit, "\(what): \(count) elements, limit \(limit)")
        }
        guard count * minimumElementBytes <= remaining else {
            throw WireError(.truncated, "\(what): \(count) elements cannot fit in \(remaining) bytes")
        }
        return count
    }
}
