#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writing a whole buffer to a descriptor and making it durable: the one loop the
/// write-ahead log, the security log, the JSON-lines sink and certificate files share.
/// `write(2)` may write less than asked and may be interrupted (EINTR) — neither is a
/// failure, and a loop that treats them as one loses or truncates a record.
public enum DurableWrite {
    /// Writes all of `bytes` at the descriptor's offset. Returns 0, or the errno of the
    /// failure (EIO for a write that makes no progress).
    public static func writeFully(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) -> Int32 {
        var offset = 0
        while offset < bytes.count {
            let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                return errno
            }
            guard written > 0 else { return EIO }
            offset += written
        }
        return 0
    }

    public static func writeFully(_ descriptor: Int32, _ bytes: [UInt8]) -> Int32 {
        bytes.withUnsafeBytes { writeFully(descriptor, $0) }
    }

    /// fsync(2), retried on EINTR. Returns 0 or the errno of the failure.
    public static func sync(_ descriptor: Int32) -> Int32 {
        while fsync(descriptor) != 0 {
            if errno == EINTR { continue }
            return errno
        }
        return 0
    }

    /// The text of an errno, for error messages.
    public static func describe(_ code: Int32) -> String { String(cString: strerror(code)) }
}
