/// A refused ZAP request, as handed to ``ZAPAuthenticator``'s denial callback so the node
/// can report (and rate-limit, or alert on) clients it turned away.
public struct ZAPDenial: Sendable, Hashable {
    /// The server socket's ZAP domain ("" if the request was too malformed to carry one).
    public let domain: String
    /// The client's raw CURVE public key, or nil when the request carried none (another
    /// mechanism, or malformed).
    public let publicKey: [UInt8]?
    /// The client's network address as libzmq reports it (IP without port for tcp).
    public let address: String
    /// The security mechanism named in the request (`"CURVE"`, `"NULL"`, `"PLAIN"`, …).
    public let mechanism: String
    /// Why the request was refused; also sent back as the ZAP status text.
    public let reason: String
}

extension ZAPDenial: CustomStringConvertible {
    /// For logs: the key as Z85 (what certificate files and `swarmbft keygen` show), never
    /// a list of decimal bytes.
    public var description: String {
        let key = publicKey.map { (try? ZMQ.z85Encode($0)) ?? "\($0.count) bytes" } ?? "none"
        return "\(mechanism) key \(key) from \(address.isEmpty ? "?" : address) on \(domain.isEmpty ? "?" : domain): \(reason)"
    }
}

/// How many ZAP requests one domain accepted and denied since the authenticator started.
public struct ZAPCounts: Sendable, Hashable {
    public var accepted: Int = 0
    public var denied: Int = 0

    public init(accepted: Int = 0, denied: Int = 0) {
        self.accepted = accepted
        self.denied = denied
    }
}

/// The decision procedure of the ZAP handler (ZeroMQ RFC 27), with no I/O so it can be
/// tested frame by frame.
///
/// Policy: the mechanism MUST be CURVE and the client's key MUST be in the allowlist of
/// the request's domain. Everything else, including a domain nobody configured and any
/// request that does not parse, is answered "400": the handler fails closed.
enum ZAPPolicy {
    static let version: [UInt8] = Array("1.0".utf8)

    /// The result of judging one request: the reply frames to send, and what to count.
    struct Verdict {
        var reply: [[UInt8]]
        var domain: String
        /// nil when accepted.
        var denial: ZAPDenial?
    }

    /// Judges one ZAP request against `allowlist` (domain → raw CURVE public keys).
    ///
    /// Request frames (RFC 27): version, request id, domain, address, identity, mechanism,
    /// then the mechanism's credentials (CURVE: exactly one frame, the 32-byte client key).
    /// Reply frames: version, request id, status code, status text, user id, metadata.
    static func evaluate(_ request: [[UInt8]], allowlist: [String: Set<[UInt8]>]) -> Verdict {
        // The request id is echoed even on a malformed request: libzmq matches replies to
        // requests by it, and a reply is owed anyway (REP must answer before reading on).
        let requestID = request.count > 1 ? request[1] : []
        let domain = request.count > 2 ? String(decoding: request[2], as: UTF8.self) : ""
        let address = request.count > 3 ? String(decoding: request[3], as: UTF8.self) : ""
        let mechanism = request.count > 5 ? String(decoding: request[5], as: UTF8.self) : ""

        func deny(_ reason: String, key: [UInt8]?) -> Verdict {
            let denial = ZAPDenial(domain: domain, publicKey: key, address: address, mechanism: mechanism, reason: reason)
            let reply = [version, requestID, Array("400".utf8), Array(reason.utf8), [], []]
            return Verdict(reply: reply, domain: domain, denial: denial)
        }

        guard request.count >= 6, request[0] == version else {
            return deny("Malformed request", key: nil)
        }
        guard mechanism == "CURVE" else {
            return deny("Mechanism not allowed", key: nil)
        }
        guard request.count == 7, request[6].count == ZMQ.curveKeyLength else {
            return deny("Malformed CURVE credentials", key: nil)
        }
        let key = request[6]
        guard let allowed = allowlist[domain] else {
            return deny("Unknown domain", key: key)
        }
        guard allowed.contains(key) else {
            return deny("Key not allowed", key: key)
        }
        // Z85 of a 32-byte key cannot fail (length is a multiple of 4).
        let userID = (try? ZMQ.z85Encode(key)).map { Array($0.utf8) } ?? []
        let reply = [version, requestID, Array("200".utf8), Array("OK".utf8), userID, []]
        return Verdict(reply: reply, domain: domain, denial: nil)
    }
}
