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
    /// Receives one whole message (every frame up to the one without `more`), with no
    /// bound on the number of frames: for peers this process trusts (its own sockets,
    /// tests). A socket facing peers that may be hostile reads with
    /// ``receivePeerMessage(maxFrames:userID:)``.
    public func receiveMultipart(dontWait: Bool = false) throws -> [[UInt8]]? {
        guard case let .frames(frames, _)? = try receiveMessage(dontWait: dontWait, maxFrames: Int.max, userID: false) else { return nil }
        return frames
    }

    /// ``receiveMultipart(dontWait:)``, and the "User-Id" the ZAP handler gave the
    /// connection the message came on (the last frame's; nil without ZAP). With
    /// ``ZAPAuthenticator`` it is the Z85 form of the peer's CURVE public key, so a server
    /// can tell which allowlisted key sent each message.
    public func receiveMultipartWithUserID(dontWait: Bool = false) throws -> (frames: [[UInt8]], userID: String?)? {
        guard case let .frames(frames, userID)? = try receiveMessage(dontWait: dontWait, maxFrames: Int.max, userID: true) else { return nil }
        return (frames, userID)
    }

    /// The one receive for sockets facing peers that may be hostile (issue 15, finding 1:
    /// a 4-frame message from any allowlisted client ended a replica when a longer message
    /// was an error). Never blocks; `nil` when nothing is waiting. A message of more than
    /// `maxFrames` frames is read to its end, discarded and returned as
    /// ``PeerMessage/tooManyFrames(_:)`` for the caller to count: what a peer sends is
    /// never an error of this process. It throws only for this socket's own failures
    /// (context terminated, socket closed). Each frame's size is bounded by
    /// ``setMaxMessageSize(bytes:)``, their number here, so one message holds at most
    /// `maxFrames` frames in memory.
    public func receivePeerMessage(maxFrames: Int, userID: Bool = false) throws -> PeerMessage? {
        try receiveMessage(dontWait: true, maxFrames: maxFrames, userID: userID)
    }

    private func receiveMessage(dontWait: Bool, maxFrames: Int, userID wantsUserID: Bool) throws -> PeerMessage? {
        precondition(maxFrames > 0, "maxFrames must be positive")
        let message = Message()
        guard try receiveFrame(into: message, dontWait: dontWait, isFirst: true) else { return nil }
        var frames: [[UInt8]] = [message.bytes]
        var count = 1
        while message.more {
            _ = try receiveFrame(into: message, dontWait: false, isFirst: false)
            count += 1
            if count <= maxFrames { frames.append(message.bytes) }
        }
        guard count <= maxFrames else { return .tooManyFrames(count) }
        return .frames(frames, userID: wantsUserID ? message.property("User-Id") : nil)
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
            // A signal before anything was read, when the caller asked not to wait, is
            // "nothing yet": it polls again (SIGTERM is handled by the caller's flag).
            if error.isInterrupted && dontWait && isFirst { return false }
            if error.isInterrupted && !isFirst { continue }
            throw error
        }
    }
}
