import SwarmWire

/// Where a client sends a request the first time (docs/wire-protocol.md, 2.1). Either way
/// a retransmission goes to every replica, so that a primary that ignores a request is
/// replaced: the backups forward it and start their timers (section 2.5).
public enum ClientSendRule: String, Codable, Sendable, CaseIterable {
    /// Every replica at once. Costs n messages and n − 1 forwards per request, and gives
    /// every replica a route for its reply and a timer on the primary from the start.
    case all
    /// The primary of the view the client last saw in an accepted result (the PBFT
    /// paper's client, section 2.1). Over a transport that routes replies only to a peer
    /// that has sent (a ZeroMQ ROUTER), the client's first request still goes to every
    /// replica: see `ClientCore.introducesItself`.
    case primaryFirst = "primary"
}

/// The client's rule, pure (PBFT section 2.1; read-only requests section 4.1): request
/// ids, where a request goes first, when it is sent again, and when a result is
/// accepted. The production client, the benchmark's lanes and the simulator's clients
/// run this one rule, so the simulator checks the client that ships. Time is logical:
/// the caller ticks in whatever unit it likes (milliseconds, simulated time).
public struct ClientCore: Sendable {
    /// What the caller does.
    public enum Output: Equatable, Sendable {
        /// Send the signed request to these replicas.
        case send(SignedMessage, to: [ReplicaID])
        /// `needed` distinct replicas sent this result for the request.
        case accepted(requestID: UInt64, result: [UInt8], view: ViewNumber)
    }

    /// The one outstanding request.
    public struct Pending: Sendable {
        public let request: ClientRequest
        public let message: SignedMessage
        /// q matching replies: for a read-only request because its result was not
        /// ordered (section 5.1.3), for a write so that no later read-only request can
        /// miss it (`Configuration.writeQuorum`).
        public let needed: Int
        public fileprivate(set) var lastSend: UInt64
        /// One result per replica: a replica that answers twice is counted once, its
        /// latest answer kept.
        public fileprivate(set) var replies: [ReplicaID: [UInt8]] = [:]
    }

    public let configuration: Configuration
    public let key: ClientKey
    public let sendRule: ClientSendRule
    /// Whether the first request goes to every replica whatever the send rule, so each
    /// has a route back (a ROUTER socket can answer only a peer that has sent to it).
    /// The simulator's network needs no route and sets this false.
    public let introducesItself: Bool
    /// Time without a result after which the request is sent again, to every replica.
    public var retransmitAfter: UInt64 {
        didSet { precondition(retransmitAfter > 0, "a client must wait before it retransmits") }
    }
    public private(set) var nextRequestID: UInt64
    public private(set) var believedView: ViewNumber = 0
    /// Whether every replica has had a request from this client (a route for replies).
    public private(set) var introduced = false
    public private(set) var pending: Pending?
    /// Replies not counted: for another client or request, or naming a sender other
    /// than the replica whose connection delivered it.
    public private(set) var ignoredReplies = 0
    /// Replies for the pending request whose signature did not verify.
    public private(set) var unauthenticReplies = 0

    public init(
        configuration: Configuration, key: ClientKey, sendRule: ClientSendRule = .primaryFirst, introducesItself: Bool = true, retransmitAfter: UInt64, firstRequestID: UInt64 = 1
    ) {
        precondition(retransmitAfter > 0, "a client must wait before it retransmits")
        self.configuration = configuration
        self.key = key
        self.sendRule = sendRule
        self.introducesItself = introducesItself
        self.introduced = !introducesItself
        self.retransmitAfter = retransmitAfter
        self.nextRequestID = firstRequestID
    }

    /// The replica ids, in order.
    var everyReplica: [ReplicaID] { (0 ..< configuration.replicaCount).map { ReplicaID($0) } }

    /// Starts the next request; `sign` adds the client's signature. One request at a
    /// time (a closed loop): submitting while one is pending is a programmer error.
    public mutating func submit(operation: [UInt8], readOnly: Bool = false, now: UInt64, sign: (ClientRequest) -> SignedMessage) -> Output {
        precondition(pending == nil, "client \(key) submitted a request while request \(pending!.request.requestID) is pending")
        let request = ClientRequest(client: key, requestID: nextRequestID, readOnly: readOnly, operation: operation)
        nextRequestID += 1
        let message = sign(request)
        pending = Pending(request: request, message: message, needed: readOnly ? configuration.readQuorum : configuration.writeQuorum, lastSend: now)
        let targets = sendRule == .all || !introduced ? everyReplica : [configuration.primary(of: believedView)]
        introduced = true
        return .send(message, to: targets)
    }

    /// Sends the pending request again, to every replica, once `retransmitAfter` has
    /// passed since the last send. A clock that steps back only delays it.
    public mutating func tick(now: UInt64) -> Output? {
        guard var pending else { return nil }
        guard now >= pending.lastSend, now - pending.lastSend >= retransmitAfter else {
            if now < pending.lastSend { self.pending?.lastSend = now }
            return nil
        }
        pending.lastSend = now
        self.pending = pending
        return .send(pending.message, to: everyReplica)
    }

    /// A reply. `connectedTo` names the replica whose authenticated connection delivered
    /// it, when the transport knows; a reply naming another sender is refused. The cheap
    /// checks come first and `authentic` (the caller's signature check, or `true` when
    /// the transport vouches for the sender) only after them, so replies to other
    /// requests cost no verification. Returns the accepted result once `needed`
    /// distinct replicas agree on it.
    public mutating func receive(_ reply: Reply, connectedTo: ReplicaID? = nil, authentic: () -> Bool = { true }) -> Output? {
        guard var pending, reply.client == key, reply.requestID == pending.request.requestID,
            configuration.isReplica(reply.sender), connectedTo == nil || connectedTo == reply.sender
        else {
            ignoredReplies += 1
            return nil
        }
        guard authentic() else {
            unauthenticReplies += 1
            return nil
        }
        pending.replies[reply.sender] = reply.result
        let matching = pending.replies.values.filter { $0 == reply.result }.count
        guard matching >= pending.needed else {
            self.pending = pending
            return nil
        }
        self.pending = nil
        // The view of the reply that completed the quorum, never lower than before. A
        // Byzantine replier can name a wrong view and so misdirect the next first send,
        // never a retransmission (it goes to every replica): liveness costs one
        // retransmission period at most, safety nothing.
        believedView = max(believedView, reply.view)
        return .accepted(requestID: pending.request.requestID, result: reply.result, view: reply.view)
    }

    /// Abandons the pending request (the caller's timeout); its late replies are ignored.
    public mutating func abandon() {
        pending = nil
    }

    /// Replies received so far for the pending request.
    public var repliesReceived: Int { pending?.replies.count ?? 0 }
}
