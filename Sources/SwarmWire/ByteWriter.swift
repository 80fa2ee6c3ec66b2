/// Appends fixed-width big-endian integers and length-prefixed byte strings.
///
/// There is exactly one encoding per value (fixed widths, explicit lengths, booleans as
/// 0 or 1), which is what makes the encoding canonical: equal messages have equal bytes.
public struct ByteWriter: Sendable {
    public private(set) var bytes: [UInt8]

    public init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public mutating func u8(_ value: UInt8) { bytes.append(value) }

    public mutating func bool(_ value: Bool) { bytes.append(value ? 1 : 0) }

    public mutating func u16(_ value: UInt16) {
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
        bytes.append(UInt8(truncatingIfNeeded: value))
    }

    public mutating func u32(_ value: UInt32) {
        for shift in stride(from: 24, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift)))
        }
    }

    public mutating func u64(_ value: UInt64) {
        for shift in stride(from: 56, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
        }
    }

    public mutating func raw(_ value: some Collection<UInt8>) { bytes.append(contentsOf: value) }

    public mutating func digest(_ value: Digest) {
        u64(value.w0); u64(value.w1); u64(value.w2); u64(value.w3)
    }

    /// A byte string with a 32-bit length prefix.
    public mutating func lengthPrefixed(_ value: some Collection<UInt8>) {
        precondition(value.count <= Int(UInt32.max), "byte string longer than 4 GiB")
        u32(UInt32(value.count))
        bytes.append(contentsOf: value)
    }
}
