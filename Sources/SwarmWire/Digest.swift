/// A 32-byte digest (BLAKE2b-256 in production).
///
/// Stored as four words so that comparing and hashing digests, which the core does on
/// every vote, costs no heap allocation.
public struct Digest: Hashable, Sendable, Comparable, CustomStringConvertible {
    public static let byteCount = 32
    public static let zero = Digest(words: (0, 0, 0, 0))

    @usableFromInline var w0: UInt64
    @usableFromInline var w1: UInt64
    @usableFromInline var w2: UInt64
    @usableFromInline var w3: UInt64

    init(words: (UInt64, UInt64, UInt64, UInt64)) {
        (w0, w1, w2, w3) = words
    }

    /// Builds a digest from exactly 32 bytes; the caller guarantees the length.
    public init(bytes: some Collection<UInt8>) {
        precondition(bytes.count == Digest.byteCount, "a digest is 32 bytes")
        var words: [UInt64] = [0, 0, 0, 0]
        for (index, byte) in bytes.enumerated() {
            words[index / 8] = (words[index / 8] << 8) | UInt64(byte)
        }
        (w0, w1, w2, w3) = (words[0], words[1], words[2], words[3])
    }

    public var bytes: [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(32)
        for word in [w0, w1, w2, w3] {
            for shift in stride(from: 56, through: 0, by: -8) {
                out.append(UInt8(truncatingIfNeeded: word >> UInt64(shift)))
            }
        }
        return out
    }

    public static func < (lhs: Digest, rhs: Digest) -> Bool {
        (lhs.w0, lhs.w1, lhs.w2, lhs.w3) < (rhs.w0, rhs.w1, rhs.w2, rhs.w3)
    }

    /// The first eight hex digits: enough to tell digests apart in logs and traces.
    public var description: String {
        let prefix = String(w0 >> 32, radix: 16)
        return String(repeating: "0", count: 8 - prefix.count) + prefix
    }

    public var hex: String {
        bytes.map { byte in
            let digits = String(byte, radix: 16)
            return byte < 16 ? "0" + digits : digits
        }.joined()
    }
}
