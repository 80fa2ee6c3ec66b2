/// The catch-up exchange of the event stream (the zguide Clone pattern): a subscriber that
/// joins late or sees a gap in `sequence` asks the ROUTER for the events from a sequence on,
/// served from the tamper-evident log (docs/wire-protocol.md, "Security event stream").
///
///     request  = "SINCE" <decimal sequence>
///     reply    = ("EVENT" topic cloudevent-json)*  then  "END" <next> <head>
///     error    = "ERROR" reason
///
/// `next` is the sequence to ask for next; `head` is one past the newest durable event.
/// While `next < head` the subscriber asks again (a reply carries at most `batchLimit`
/// events). Events removed by retention are simply absent: the first event may be later
/// than asked for.
public enum CatchupProtocol {
    public static let since = Array("SINCE".utf8)
    public static let event = Array("EVENT".utf8)
    public static let end = Array("END".utf8)
    public static let error = Array("ERROR".utf8)
    /// Events per reply: bounds the memory one request can make the server use.
    public static let batchLimit = 1000

    static func decimal(_ frame: [UInt8]) -> UInt64? {
        guard !frame.isEmpty, frame.count <= 20, frame.allSatisfy({ (48 ... 57).contains($0) }) else { return nil }
        return UInt64(String(decoding: frame, as: UTF8.self))
    }

    static func decimalFrame(_ value: UInt64) -> [UInt8] { Array(String(value).utf8) }
}

/// The ZAP domain of the event stream's sockets: consumers present an allowlisted key.
public enum EventsDomain {
    public static let name = "swarmbft-events"
}
