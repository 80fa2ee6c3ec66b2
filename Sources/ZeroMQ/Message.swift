import CZeroMQ

/// A `zmq_msg_t` at a stable heap address.
///
/// `zmq_msg_t` imports as a 64-byte tuple. libzmq keeps pointers into it (small messages
/// live inside it), so it MUST NOT be copied or moved while initialised; a Swift value
/// would be copied freely. This wrapper is `~Copyable` and owns one heap allocation, so
/// the C struct never moves and is closed exactly once.
struct Message: ~Copyable {
    let pointer: UnsafeMutablePointer<zmq_msg_t>

    init() {
        // libzmq declares zmq_msg_t pointer-aligned (64 on some ABIs); allocate with the
        // larger of that and 16 so the raw storage satisfies either.
        let raw = UnsafeMutableRawPointer.allocate(
            byteCount: MemoryLayout<zmq_msg_t>.size,
            alignment: max(16, MemoryLayout<zmq_msg_t>.alignment)
        )
        pointer = raw.bindMemory(to: zmq_msg_t.self, capacity: 1)
        // zmq_msg_init cannot fail: it only zeroes the struct.
        zmq_msg_init(pointer)
    }

    deinit {
        zmq_msg_close(pointer)
        UnsafeMutableRawPointer(pointer).deallocate()
    }

    /// A copy of the frame's bytes. The copy is what makes the frame safe to keep after
    /// the next receive reuses this message.
    var bytes: [UInt8] {
        let size = zmq_msg_size(pointer)
        guard size > 0, let data = zmq_msg_data(pointer) else { return [] }
        return Array(UnsafeRawBufferPointer(start: data, count: size))
    }

    /// Whether more frames of the same message follow this one.
    var more: Bool { zmq_msg_more(pointer) != 0 }

    /// A metadata property of the connection the frame came on (`zmq_msg_gets`), such as
    /// "User-Id": what the ZAP handler answered for the peer's key. nil when the frame has
    /// none (a ROUTER's routing-id frame is made locally and carries no metadata).
    func property(_ name: String) -> String? {
        name.withCString { zmq_msg_gets(pointer, $0) }.map { String(cString: $0) }
    }
}
