import CZeroMQ

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Receiving. Frames come back as fresh `[UInt8]` copies; the `zmq_msg_t` used to read
/// them lives on the heap (see `Message`) and is closed before these calls return.
///
/// Return contract: `nil` only when `dontWait` was asked and nothing was waiting
/// (`EAGAIN`). Every other failure throws ``ZMQError``: an expired
/// ``setReceiveTimeout(milliseconds:)`` throws with ``ZMQError/isAgain``, a signal with
/// ``ZMQError/isInterrupted`` (retry), context shutdown with ``ZMQError/isTerminated``.
extension ZMQSocket {
    /// Receives one whole message (every frame up to the one without `more`).
    ///
    /// `maxFrames` bounds how many frames one message may carry; a longer message is read
    /// to its end and discarded, then `EMSGSIZE` is thrown. Sockets facing untrusted peers
    /// SHOULD pass a bound (``setMaxMessageSize(bytes:)`` bounds each frame, not their
    /// number).
    public func receiveMultipart(dontWait: Bool = false, maxFrames: Int = Int.max) throws -> [[UInt8]]? {
        try receiveMessage(dontWait: dontWait, maxFrames: maxFrames, userID: false)?.frames
    }

    /// ``receiveMultipart(dontWait:maxFrames:)``, and the "User-Id" the ZAP handler gave the
    /// connection the message came on (the last frame's; nil without ZAP). With
    /// ``ZAPAuthenticator`` it is the Z85 form of the peer's CURVE public key, so a server
    /// can tell which allowlisted key sent each message.
    public func receiveMultipartWithUserID(dontWait: Bool = false, maxFrames: Int = Int.max) throws -> (frames: [[UInt8]], userID: String?)? {
        try receiveMessage(dontWait: dontWait, maxFrames: maxFrames, userID: true)
    }

    /// Both of the above. The user id is read only when asked for: a property lookup and a
    /// string per message would otherwise land on every receive, the mesh's votes included.
    private func receiveMessage(dontWait: Bool, maxFrames: Int, userID wantsUserID: Bool) throws -> (frames: [[UInt8]], userID: String?)? {
        precondition(maxFrames > 0, "maxFrames must be positive")
        let message = Message()
        guard try receiveFrame(into: message, dontWait: dontWait, isFirst: true) else { return nil }
        var frames: [[UInt8]] = [message.bytes]
        var overflow = false
        while message.more {
            _ = try receiveFrame(into: message, dontWait: false, isFirst: false)
            if frames.count < maxFrames {
                frames.append(message.bytes)
            } else {
                overflow = true
            }
        }
        if overflow {
            throw ZMQError(errno: EMSGSIZE, operation: "receiveMultipart(more than \(maxFrames) frames)")
        }
        return (frames, wantsUserID ? message.property("User-Id") : nil)
    }

    /// Receives a single frame, blocking (up to the receive timeout). If the message has
    /// more frames, ``hasMoreFrames`` is true and the next call returns the next one.
    public func receive() throws -> [UInt8] {
        let message = Message()
        _ = try receiveFrame(into: message, dontWait: false, isFirst: true)
        return message.bytes
    }

    /// Receives a single frame without blocking; `nil` if none is waiting.
    public func receive(dontWait: Bool) throws -> [UInt8]? {
        let message = Message()
        guard try receiveFrame(into: message, dontWait: dontWait, isFirst: true) else { return nil }
        return message.bytes
    }

    /// The one place that calls `zmq_msg_recv`. Later frames of a message are already
    /// queued when the first arrives (delivery is atomic), so they are read blocking and
    /// `EINTR` on them is retried rather than leaving a message half read.
    private func receiveFrame(into message: borrowing Message, dontWait: Bool, isFirst: Bool) throws -> Bool {
        let raw = live("receive")
        let flags: Int32 = dontWait ? ZMQ_DONTWAIT : 0
        while true {
            if zmq_msg_recv(message.pointer, raw, flags) >= 0 { return true }
            let error = ZMQError.last("zmq_msg_recv")
            if error.isAgain && dontWait && isFirst { return false }
            if error.isInterrupted && !isFirst { continue }
            throw error
        }
    }
}
