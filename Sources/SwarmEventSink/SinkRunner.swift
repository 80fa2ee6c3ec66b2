import Foundation
import SwarmEvents

/// Moves events from a subscriber into a sink in batches: everything ready (up to
/// `batchLimit`) is written in one durable step, so throughput does not pay one fsync per
/// event and a kill loses nothing that was acknowledged by the sink's own state.
public struct SinkRunner {
    public var batchLimit = 500
    public private(set) var written = 0

    public init() {}

    /// Waits between tries of a batch the sink could not write for a transient reason.
    public var retryDelays = RetryDelays()
    public private(set) var retries = 0

    /// 100 ms, doubling, at most 5 s; `sleep` is replaceable for tests.
    public struct RetryDelays: Sendable {
        public var firstMilliseconds = 100
        public var maxMilliseconds = 5_000
        public var sleep: @Sendable (Int) -> Void = { usleep(UInt32($0) * 1_000) }
        public init() {}
    }

    /// Writes `batch`, retrying a transient failure (a lock another process holds) with
    /// backoff for as long as it takes, never giving up on acknowledged input: a reader
    /// holding a long transaction made the sink exit with "database is locked" (issue 15,
    /// finding 9). Stopping in between leaves the batch unwritten, and the sink's position
    /// before it, so the next run fetches it again.
    public mutating func write(_ batch: [DeliveredEvent], to sink: any EventSink, stop: () -> Bool) throws {
        var delay = retryDelays.firstMilliseconds
        while true {
            do {
                return try sink.write(batch)
            } catch  where sink.isTransient(error) && !stop() {
                retries += 1
                FileHandle.standardError.write(Data("sink: \(error); retrying in \(delay) ms\n".utf8))
                retryDelays.sleep(delay)
                delay = min(delay * 2, retryDelays.maxMilliseconds)
            }
        }
    }

    /// Runs until `stop()` says so or `count` events were written in this run.
    public mutating func run(subscriber: EventSubscriber, sink: any EventSink, count: Int? = nil, stop: () -> Bool) throws {
        while !stop(), count.map({ written < $0 }) ?? true {
            guard let first = try subscriber.next(timeoutMilliseconds: 200) else { continue }
            var batch = [first]
            let room = min(batchLimit, count.map { $0 - written } ?? batchLimit)
            while batch.count < room, let more = try subscriber.next(timeoutMilliseconds: 0) { batch.append(more) }
            try write(batch, to: sink, stop: stop)
            written += batch.count
        }
    }
}
