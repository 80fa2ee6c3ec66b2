import CZeroMQ

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension ZMQSocket {
    /// Starts publishing this socket's events on `endpoint` (an `inproc://` address unique
    /// within the context) and returns a ``SocketMonitor`` connected to it, owned by the
    /// calling thread. The monitor remembers this socket, so that its ``SocketMonitor/close()``
    /// can stop the monitoring first (see ``SocketMonitor`` for why that order matters).
    ///
    /// To consume the events on a different thread, call ``startMonitor(endpoint:events:)``
    /// here and create the ``SocketMonitor`` on that thread instead.
    public func monitor(endpoint: String, events: MonitorEvents = .all) throws -> SocketMonitor {
        try startMonitor(endpoint: endpoint, events: events)
        let monitor = try SocketMonitor(context: context, endpoint: endpoint)
        monitor.monitored = self
        return monitor
    }

    /// `zmq_socket_monitor`: libzmq binds a PAIR at `endpoint` and writes an event message
    /// there for each event in `events`, plus ``MonitorEventKind/monitorStopped``, which is
    /// always added: it is the only signal that libzmq will write no more, and
    /// ``SocketMonitor/close()`` waits for it.
    ///
    /// A consumer MUST connect (``SocketMonitor``) and keep reading: libzmq 4.3.4 writes
    /// events with a *blocking* send from its I/O and reaper threads, so once about 2,000
    /// events are queued, or once the consumer has closed while monitoring is still on,
    /// the whole context's I/O thread stops until the context terminates.
    public func startMonitor(endpoint: String, events: MonitorEvents = .all) throws {
        let raw = live("monitor")
        let mask = events.union(.monitorStopped).rawValue
        guard endpoint.withCString({ zmq_socket_monitor(raw, $0, mask) }) == 0 else {
            throw ZMQError.last("zmq_socket_monitor(\(endpoint))")
        }
    }

    /// Stops the monitor; the monitor socket receives ``MonitorEventKind/monitorStopped``.
    public func stopMonitor() throws {
        let raw = live("stopMonitor")
        guard zmq_socket_monitor(raw, nil, 0) == 0 else { throw ZMQError.last("zmq_socket_monitor(nil)") }
    }
}

/// The receiving end of a socket monitor: a PAIR socket connected to the monitor endpoint,
/// decoding each message into a ``MonitorEvent``.
///
/// Monitoring is how SwarmBFT learns that a peer was refused by ZAP
/// (``MonitorEventKind/handshakeFailedAuth``) or dropped (``MonitorEventKind/disconnected``),
/// which the data sockets themselves never report.
///
/// Same ownership rule as ``ZMQSocket``: one thread, close before the context terminates.
/// One more obligation, because libzmq 4.3.4 sends monitor events with a blocking send from
/// its own threads: this consumer MUST outlive the monitoring. Monitoring ends when the
/// monitored socket calls ``ZMQSocket/stopMonitor()``, or after that socket is closed *and*
/// libzmq has finished tearing it down. ``close()`` takes care of both cases where it can:
/// it stops the monitoring itself when it was made by ``ZMQSocket/monitor(endpoint:events:)``
/// and the socket is still open, and otherwise drains events until
/// ``MonitorEventKind/monitorStopped`` arrives (bounded). Closing it earlier leaves libzmq's
/// I/O thread blocked until the context terminates, which stalls every socket of the context.
public final class SocketMonitor {
    /// The PAIR socket; exposed so it can be put in a ``ZMQ/poll(_:timeoutMilliseconds:)``
    /// set next to the data sockets.
    public let socket: ZMQSocket
    public let endpoint: String
    /// The monitored socket, when it lives on this same thread (set by
    /// ``ZMQSocket/monitor(endpoint:events:)``).
    var monitored: ZMQSocket?
    /// Whether ``MonitorEventKind/monitorStopped`` has been received: libzmq will write no
    /// more, so closing is safe.
    public private(set) var hasStopped = false

    /// Connects a PAIR to `endpoint`, where ``ZMQSocket/startMonitor(endpoint:events:)``
    /// was called on a socket of the same `context`.
    public init(context: ZMQContext, endpoint: String) throws {
        let socket = try context.makeSocket(.pair)
        do {
            try socket.setLinger(milliseconds: 0)
            try socket.connect(endpoint)
        } catch {
            socket.close()
            throw error
        }
        self.socket = socket
        self.endpoint = endpoint
    }

    deinit {
        close()
    }

    /// Ends monitoring safely, then closes the PAIR. Idempotent; also done by `deinit`.
    ///
    /// If the monitored socket is known and open, its monitoring is stopped first; then
    /// events are read and discarded until ``MonitorEventKind/monitorStopped``, for at most
    /// `drainTimeoutMilliseconds` (a monitored socket closed with a long linger can take
    /// that long to be torn down). Returns whether the stop was seen, i.e. whether closing
    /// was known to be safe.
    @discardableResult
    public func close(drainTimeoutMilliseconds: Int = 1000) -> Bool {
        guard !socket.isClosed else { return hasStopped }
        if let monitored, !monitored.isClosed {
            try? monitored.stopMonitor()
        }
        monitored = nil
        if !hasStopped {
            _ = try? waitFor(timeoutMilliseconds: max(0, drainTimeoutMilliseconds)) { $0.kind == .monitorStopped }
        }
        socket.close()
        return hasStopped
    }

    /// The next event, waiting at most `timeoutMilliseconds` (-1 = forever, 0 = only if
    /// one is already queued). nil means none arrived in time. A message that is not a
    /// 4.3 monitor event throws `EPROTO`.
    public func receive(timeoutMilliseconds: Int) throws -> MonitorEvent? {
        var items = [PollItem(socket: socket, events: .pollIn)]
        guard try ZMQ.poll(&items, timeoutMilliseconds: timeoutMilliseconds) > 0,
            let received = try socket.receivePeerMessage(maxFrames: 2)
        else { return nil }
        // libzmq's own inproc pair writes these: a malformed one is libzmq's fault.
        guard case let .frames(frames, _) = received, let event = MonitorEvent(frames: frames) else {
            throw ZMQError(errno: EPROTO, operation: "SocketMonitor.receive(malformed event: \(received))")
        }
        if event.kind == .monitorStopped { hasStopped = true }
        return event
    }

    /// Reads events until one satisfies `predicate` or `timeoutMilliseconds` passes, and
    /// returns it (nil on timeout). Events read on the way are returned to nobody; pass
    /// `seen` to collect them.
    public func waitFor(
        timeoutMilliseconds: Int,
        seen: ((MonitorEvent) -> Void)? = nil,
        where predicate: (MonitorEvent) -> Bool
    ) throws -> MonitorEvent? {
        precondition(timeoutMilliseconds >= 0, "waitFor needs a finite timeout")
        let deadline = monotonicMilliseconds() + Int64(timeoutMilliseconds)
        while true {
            let remaining = deadline - monotonicMilliseconds()
            guard remaining > 0 else { return nil }
            guard let event = try receive(timeoutMilliseconds: Int(remaining)) else { continue }
            seen?(event)
            if predicate(event) { return event }
        }
    }
}

@available(*, unavailable)
extension SocketMonitor: Sendable {}
