import Foundation
import SwarmEvents

/// Runs a command per event (`/bin/sh -c CMD`) with the CloudEvent on standard input and
/// SWARMBFT_EVENT_SEQUENCE / SWARMBFT_EVENT_TYPE in its environment. The position is a
/// small file written after each command succeeds: a crash between the two runs that one
/// command again (at-least-once; commands should be idempotent, keyed by the event id).
/// A failing command stops the sink, so no event is skipped.
public final class ExecSink: EventSink {
    let command: String
    let statePath: String

    public init(command: String, statePath: String) {
        self.command = command
        self.statePath = statePath
        // A command that exits without reading its input must fail that event, not kill
        // the sink with SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
    }

    public func nextSequence() throws -> UInt64? {
        guard let text = try? String(contentsOfFile: statePath, encoding: .utf8) else { return nil }
        guard let value = UInt64(text.trimmingCharacters(in: .whitespacesAndNewlines)) else { throw SinkError("\(statePath) does not hold a sequence number") }
        return value
    }

    public func write(_ events: [DeliveredEvent]) throws {
        for delivered in events {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", command]
            var environment = ProcessInfo.processInfo.environment
            environment["SWARMBFT_EVENT_SEQUENCE"] = String(delivered.sequence)
            environment["SWARMBFT_EVENT_TYPE"] = delivered.event.type
            process.environment = environment
            let input = Pipe()
            process.standardInput = input
            try process.run()
            // A command that does not read its input is its own business; its exit status decides.
            try? input.fileHandleForWriting.write(contentsOf: Data(delivered.json + [UInt8(ascii: "\n")]))
            try? input.fileHandleForWriting.close()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                throw SinkError("the command exited \(process.terminationStatus) on event \(delivered.sequence); stopping so that no event is skipped")
            }
            try String(delivered.sequence + 1).write(toFile: statePath + ".tmp", atomically: false, encoding: .utf8)
            guard rename(statePath + ".tmp", statePath) == 0 else { throw SinkError("cannot write \(statePath)") }
        }
    }
}
