import CSodium

/// Secret bytes (private keys, seeds) in a heap buffer that is wiped with
/// `sodium_memzero` when the last reference goes away.
///
/// A Swift `[UInt8]` can be copied, resized and freed by the runtime without
/// ever being cleared, so secrets would linger in freed memory. This class owns
/// one fixed allocation instead, never copies it implicitly, and clears it in
/// `deinit` (`sodium_memzero` is not optimised away, unlike a plain loop).
///
/// `@unchecked Sendable`: after initialisation the contents are only read,
/// except by `zeroize()`, which callers MUST NOT run while another thread still
/// reads the buffer.
public final class SecureBytes: @unchecked Sendable, CustomStringConvertible {
    private let pointer: UnsafeMutableRawPointer
    /// The number of secret bytes held.
    public let count: Int

    /// A buffer of `count` zero bytes, to be filled by libsodium.
    public init(count: Int) {
        precondition(count >= 0, "SecureBytes count must not be negative")
        Sodium.initialize()
        self.count = count
        // Allocate at least one byte so the pointer is always valid for C calls.
        pointer = UnsafeMutableRawPointer.allocate(byteCount: Swift.max(count, 1), alignment: 16)
        pointer.initializeMemory(as: UInt8.self, repeating: 0, count: Swift.max(count, 1))
    }

    /// A buffer holding a copy of `bytes`. The caller remains responsible for the
    /// source array, which this cannot wipe.
    public convenience init(copying bytes: [UInt8]) {
        self.init(count: bytes.count)
        bytes.withUnsafeBytes { source in
            if let base = source.baseAddress {
                pointer.copyMemory(from: base, byteCount: source.count)
            }
        }
    }

    deinit {
        zeroize()
        pointer.deallocate()
    }

    /// Lends the bytes read-only for the duration of `body`. The pointer MUST NOT escape.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: pointer, count: count))
    }

    /// Lends the bytes for writing; only SwarmCrypto fills secrets (key generation).
    func withUnsafeMutableBytes<R>(_ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeMutableRawBufferPointer(start: pointer, count: count))
    }

    /// A plain copy of the secret, for tests and for serialisation into files.
    /// The copy is an ordinary array that nothing wipes: keep its life short.
    public func copyBytes() -> [UInt8] {
        [UInt8](UnsafeRawBufferPointer(start: pointer, count: count))
    }

    /// Overwrites the secret with zeros now, instead of waiting for `deinit`
    /// (which calls this too). MUST NOT race with readers on other threads.
    public func zeroize() {
        sodium_memzero(pointer, Swift.max(count, 1))
    }

    /// Never prints the secret, so a stray `print` or log line cannot leak it.
    public var description: String {
        "SecureBytes(\(count) bytes, redacted)"
    }
}
