/// One message read from a peer that may be hostile (``ZMQSocket/receivePeerMessage(maxFrames:userID:)``).
public enum PeerMessage: Sendable, Equatable {
    /// Its frames, and the ZAP "User-Id" of the connection it came on when asked for.
    case frames([[UInt8]], userID: String?)
    /// A message of this many frames, more than the reader allows: read to its end and
    /// discarded, for the caller to count and drop.
    case tooManyFrames(Int)
}
