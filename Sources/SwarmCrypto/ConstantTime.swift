import CSodium

/// Compares two byte strings in time that depends only on their length, never
/// on where they first differ, so a MAC or token check leaks nothing through timing.
///
/// Lengths are public (a MAC has a fixed size), so different lengths return
/// `false` at once.
public func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    guard !a.isEmpty else { return true }
    Sodium.initialize()
    return a.withUnsafeBytes { left in
        b.withUnsafeBytes { right in
            sodium_memcmp(left.baseAddress!, right.baseAddress!, left.count) == 0
        }
    }
}
