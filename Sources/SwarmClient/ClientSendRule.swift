/// Where a client sends a request the first time (docs/wire-protocol.md, 2.1). Either way
/// a retransmission goes to every replica, so that a primary that ignores a request is
/// replaced: the backups forward it and start their timers (section 2.5).
public enum ClientSendRule: String, Codable, Sendable, CaseIterable {
    /// Every replica at once. Costs n messages and n − 1 forwards per request, and gives
    /// every replica a route for its reply and a timer on the primary from the start.
    case all
    /// The primary of the view the client last saw in a reply (the PBFT paper's client,
    /// section 2.1); a client's first request still goes to every replica, so each has a
    /// route for its replies.
    case primaryFirst = "primary"
}
