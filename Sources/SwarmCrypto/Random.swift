import CSodium

/// Randomness from libsodium (`getrandom(2)` on Linux), for keys, nonces and
/// jitter. Not for the protocol core or the simulator, which must stay
/// deterministic and draw from a seeded generator instead.
public enum SodiumRandom {
    /// `count` bytes from the operating system's secure random source.
    public static func bytes(_ count: Int) -> [UInt8] {
        precondition(count >= 0, "SodiumRandom.bytes count must not be negative")
        Sodium.initialize()
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            if let base = buffer.baseAddress {
                randombytes_buf(base, count)
            }
            initialized = count
        }
    }

    /// A uniform value in `0..<upperBound`, without the modulo bias of
    /// `random() % upperBound` (`randombytes_uniform` rejects and redraws).
    /// Returns 0 when `upperBound` is below 2, as libsodium does.
    public static func uniform(_ upperBound: UInt32) -> UInt32 {
        Sodium.initialize()
        return randombytes_uniform(upperBound)
    }
}
