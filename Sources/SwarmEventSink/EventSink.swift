import SwarmEvents

/// Where `swarmbft events sink` puts events. A sink knows the next sequence it needs, from
/// its own durable state, and writes a batch so that the state and the events commit
/// together: killed at any point and restarted, it resumes without gaps or duplicates.
public protocol EventSink: AnyObject {
    /// The next sequence the sink needs; nil when it has never written an event.
    func nextSequence() throws -> UInt64?
    /// Writes events (in sequence order) and makes them and the new position durable.
    func write(_ events: [DeliveredEvent]) throws
    /// Whether `error` from `write` passes by itself (another process holds a lock): the
    /// runner retries the same batch with backoff instead of stopping.
    func isTransient(_ error: any Error) -> Bool
}

extension EventSink {
    public func isTransient(_ error: any Error) -> Bool { false }
}

public struct SinkError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
