import SwarmEvents

/// Moves events from a subscriber into a sink in batches: everything ready (up to
/// `batchLimit`) is written in one durable step, so throughput does not pay one fsync per
/// event and a kill loses nothing that was acknowledged by the sink's own state.
public struct SinkRunner {
    public var batchLimit = 500
    public private(set) var written = 0

    public init() {}

    /// Runs until `stop()` says so or `count` events were written in this run.
    public mutating func run(subscriber: EventSubscriber, sink: any EventSink, count: Int? = nil, stop: () -> Bool) throws {
        while !stop(), count.map({ written < $0 }) ?? true {
            guard let first = try subscriber.next(timeoutMilliseconds: 200) else { continue }
            var batch = [first]
            let room = min(batchLimit, count.map { $0 - written } ?? batchLimit)
            while batch.count < room, let more = try subscriber.next(timeoutMilliseconds: 0) { batch.append(more) }
            try sink.write(batch)
            written += batch.count
        }
    }
}
