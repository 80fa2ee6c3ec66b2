import CSodium

/// The one place libsodium gets initialised.
///
/// `sodium_init` picks the fastest implementations for this CPU and opens the
/// system random source; every other libsodium call assumes it has run. Every
/// public entry point of SwarmCrypto calls `Sodium.initialize()` first, so no
/// caller can forget it. The work happens at most once per process: a `static
/// let` is initialised lazily under `swift_once`, which is thread-safe, and
/// later calls cost one atomic load.
public enum Sodium {
    /// Initialises libsodium if that has not happened yet. Safe to call from any
    /// thread, any number of times.
    public static func initialize() {
        _ = token
    }

    /// `sodium_init` returns 0 on first success, 1 if already initialised and -1
    /// if it cannot work (for example no random source). Without a random source
    /// no key can be generated safely, so that is a crash, not an error.
    private static let token: Void = {
        guard sodium_init() >= 0 else {
            fatalError("sodium_init failed: libsodium cannot run on this system (no secure random source?)")
        }
    }()
}

// libsodium takes `const unsigned char *`; it reads memory as plain bytes,
// which any initialised memory is, so binding raw pointers to `UInt8` here is
// sound. `nil` goes through for empty buffers, which libsodium accepts with a
// zero length.
// `keyBytes` is for parameters declared `nonnull`, which are always fixed-size
// keys and signatures and so never empty.
extension UnsafeRawBufferPointer {
    var cBytes: UnsafePointer<UInt8>? { baseAddress?.assumingMemoryBound(to: UInt8.self) }
    var keyBytes: UnsafePointer<UInt8> { baseAddress!.assumingMemoryBound(to: UInt8.self) }
}

extension UnsafeMutableRawBufferPointer {
    var cBytes: UnsafeMutablePointer<UInt8>? { baseAddress?.assumingMemoryBound(to: UInt8.self) }
    var keyBytes: UnsafeMutablePointer<UInt8> { baseAddress!.assumingMemoryBound(to: UInt8.self) }
}

extension Array where Element == UInt8 {
    /// Overwrites a temporary copy of secret material before it is dropped.
    mutating func zeroize() {
        withUnsafeMutableBytes { buffer in
            if let base = buffer.baseAddress { sodium_memzero(base, buffer.count) }
        }
    }
}

extension Sodium {
    /// The libsodium version this process runs with, e.g. "1.0.18".
    public static var versionString: String {
        initialize()
        return String(cString: sodium_version_string())
    }
}
