import CZeroMQ

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Flags for ``ZMQSocket/send(_:flags:)``.
public struct SendFlags: OptionSet, Sendable {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// Do not block: if the message cannot be queued now, the send returns `false`.
    public static let dontWait = SendFlags(rawValue: ZMQ_DONTWAIT)
    /// More frames of the same message follow this call (`ZMQ_SNDMORE`).
    public static let more = SendFlags(rawValue: ZMQ_SNDMORE)
}

/// Sending. All sends copy the caller's bytes into libzmq (`zmq_send`), so the caller's
/// buffers may be reused as soon as a send returns.
///
/// Return contract: `true` when queued; `false` only when `dontWait` was asked and the
/// socket could not queue the first frame (`EAGAIN`: high water mark reached, or no peer
/// yet). Every other failure throws ``ZMQError``, including `EAGAIN` from an expired
/// ``setSendTimeout(milliseconds:)`` and `EHOSTUNREACH` from a ROUTER with
/// ``setRouterMandatory(_:)``.
extension ZMQSocket {
    /// Sends `frames` as one message: `ZMQ_SNDMORE` on every frame but the last (and on
    /// the last too if `flags` contains ``SendFlags/more``, to continue the message in a
    /// later call). libzmq delivers a message atomically, all frames or none.
    ///
    /// `frames` MUST NOT be empty: a message has at least one frame (which may be empty).
    @discardableResult
    public func send(_ frames: [[UInt8]], flags: SendFlags = []) throws -> Bool {
        precondition(!frames.isEmpty, "a message has at least one frame")
        for (index, frame) in frames.enumerated() {
            let isLast = index == frames.count - 1
            let more = !isLast || flags.contains(.more)
            let sent = try frame.withUnsafeBytes { buffer in
                try sendRaw(buffer, more: more, dontWait: flags.contains(.dontWait), isFirst: index == 0)
            }
            if !sent { return false }
        }
        return true
    }

    /// Sends one frame; `more` marks that further frames of the same message follow.
    @discardableResult
    public func send(frame: [UInt8], more: Bool = false, dontWait: Bool = false) throws -> Bool {
        try frame.withUnsafeBytes { buffer in
            try sendRaw(buffer, more: more, dontWait: dontWait, isFirst: true)
        }
    }

    /// Sends one frame straight from caller-owned memory, without first building a
    /// `[UInt8]`. libzmq copies the bytes before returning, so `buffer` only has to stay
    /// valid for the duration of the call.
    @discardableResult
    public func sendUnsafe(_ buffer: UnsafeRawBufferPointer, more: Bool = false, dontWait: Bool = false) throws -> Bool {
        try sendRaw(buffer, more: more, dontWait: dontWait, isFirst: true)
    }

    /// The one place that calls `zmq_send`.
    ///
    /// Once the first frame of a message is queued, libzmq guarantees room for the rest
    /// (high water marks count whole messages), so `EAGAIN` on a later frame means
    /// something is badly wrong and throws rather than returning a half-sent `false`.
    /// `EINTR` on a later frame is retried for the same reason: giving up would leave a
    /// torn message queued on the socket.
    private func sendRaw(_ buffer: UnsafeRawBufferPointer, more: Bool, dontWait: Bool, isFirst: Bool) throws -> Bool {
        let raw = live("send")
        var flags: Int32 = 0
        if more { flags |= ZMQ_SNDMORE }
        if dontWait { flags |= ZMQ_DONTWAIT }
        // An empty Swift buffer may have a nil base address; libzmq memcpy()s from it, so
        // hand it a valid (unused) address instead.
        var placeholder: UInt8 = 0
        while true {
            let rc: Int32
            if let base = buffer.baseAddress {
                rc = zmq_send(raw, base, buffer.count, flags)
            } else {
                rc = zmq_send(raw, &placeholder, 0, flags)
            }
            if rc >= 0 { return true }
            let error = ZMQError.last("zmq_send")
            if error.isAgain && dontWait && isFirst { return false }
            if error.isInterrupted && !isFirst { continue }
            throw error
        }
    }
}
