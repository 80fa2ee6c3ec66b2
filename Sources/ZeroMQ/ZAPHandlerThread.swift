#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Everything the ZAP handler thread shares with ``ZAPAuthenticator``: the policy, the
/// counters and the lifecycle, all under `lock`. The sockets are not here: they are locals
/// of the thread, which is their only owner.
final class ZAPState: @unchecked Sendable {
    enum Phase { case starting, running, stopping, stopped }

    let context: ZMQContext
    let onDenial: (@Sendable (ZAPDenial) -> Void)?
    /// The wake-up endpoint, unique to this handler for as long as its thread runs (the
    /// thread holds `self`, so the address cannot be reused meanwhile).
    var controlEndpoint: String {
        "inproc://swarmbft.zap.control.\(UInt(bitPattern: ObjectIdentifier(self).hashValue))"
    }
    let lock = Lock()

    // Guarded by `lock`.
    var allowlist: [String: Set<[UInt8]>]
    var counts: [String: ZAPCounts] = [:]
    var phase = Phase.starting
    var startupError: ZMQError?
    var threadExited = false
    var failure: ZMQError?
    var thread: pthread_t?

    init(context: ZMQContext, allowlist: [String: Set<[UInt8]>], onDenial: (@Sendable (ZAPDenial) -> Void)?) {
        self.context = context
        self.allowlist = allowlist
        self.onDenial = onDenial
    }

    // MARK: Lifecycle (caller's thread)

    /// Creates the thread and waits until it has bound (or failed to bind) its sockets, so
    /// that a server socket bound after `init` returns is guaranteed a handler.
    func start() throws {
        let unmanaged = Unmanaged.passRetained(self)
        var handle = pthread_t()
        // The closure captures nothing, so it converts to a C function pointer; it is
        // nonisolated library code (see NOTES: a closure in main.swift would not be).
        let rc = pthread_create(
            &handle, nil,
            { argument in
                zapHandlerThreadMain(argument)
                return nil
            }, unmanaged.toOpaque())
        guard rc == 0 else {
            unmanaged.release()
            throw ZMQError(errno: rc, operation: "pthread_create(ZAP handler)")
        }
        lock.withLock { thread = handle }
        lock.wait { phase != .starting }
        if let error = lock.withLock({ startupError }) {
            pthread_join(handle, nil)
            lock.withLock { phase = .stopped }
            throw error
        }
    }

    /// Asks the thread to stop, wakes it through the control PAIR, and joins it. Only the
    /// first caller joins; later or concurrent callers wait until the join has finished.
    func stop() {
        let toJoin: pthread_t? = lock.withLock {
            guard phase == .running, let thread else { return nil }
            phase = .stopping
            return thread
        }
        guard let toJoin else {
            lock.wait { phase == .stopped || phase == .starting }
            return
        }
        precondition(pthread_equal(toJoin, pthread_self()) == 0, "ZAPAuthenticator.stop() called from its own handler thread")
        // The wake-up socket lives and dies on this thread. If the context is already shut
        // down the thread has exited on ETERM and only the join is needed. The send does
        // not wait: the thread also re-checks `phase` on every poll timeout.
        if let wake = try? context.makeSocket(.pair) {
            try? wake.setLinger(milliseconds: 0)
            if (try? wake.connect(controlEndpoint)) != nil {
                _ = try? wake.send(frame: [], dontWait: true)
            }
            pthread_join(toJoin, nil)
            wake.close()
        } else {
            pthread_join(toJoin, nil)
        }
        lock.withLockBroadcast { phase = .stopped }
    }

    var stopRequested: Bool {
        lock.withLock { phase == .stopping }
    }

    // MARK: Handler thread

    func finishStartup(_ error: ZMQError?) {
        lock.withLockBroadcast {
            startupError = error
            phase = error == nil ? .running : .stopped
        }
    }

    func markExited(_ error: ZMQError?) {
        lock.withLock {
            threadExited = true
            failure = error
        }
    }

    /// Judges one request under a snapshot of the allowlist and counts the verdict.
    func judge(_ request: [[UInt8]]) -> ZAPPolicy.Verdict {
        let snapshot = lock.withLock { allowlist }
        let verdict = ZAPPolicy.evaluate(request, allowlist: snapshot)
        lock.withLock {
            if verdict.denial == nil {
                counts[verdict.domain, default: ZAPCounts()].accepted += 1
            } else {
                counts[verdict.domain, default: ZAPCounts()].denied += 1
            }
        }
        return verdict
    }
}

/// How often the handler thread re-checks for a stop request when no wake-up arrives; a
/// backstop only, since ``ZAPState/stop()`` wakes it at once.
private let zapPollIntervalMilliseconds = 500

/// The ZAP handler thread's entry point: a global function, so no actor isolation is
/// inferred for it. Takes over the +1 reference `start()` passed in.
private func zapHandlerThreadMain(_ argument: UnsafeMutableRawPointer?) {
    guard let argument else { return }
    let state = Unmanaged<ZAPState>.fromOpaque(argument).takeRetainedValue()
    runZAPHandler(state)
}

private func runZAPHandler(_ state: ZAPState) {
    let replies: ZMQSocket
    let control: ZMQSocket
    do {
        replies = try state.context.makeSocket(.rep)
        do {
            try replies.setLinger(milliseconds: 0)
            try replies.bind(ZAPAuthenticator.endpoint)
            control = try state.context.makeSocket(.pair)
        } catch {
            replies.close()
            throw error
        }
        do {
            try control.setLinger(milliseconds: 0)
            try control.bind(state.controlEndpoint)
        } catch {
            control.close()
            replies.close()
            throw error
        }
    } catch {
        state.finishStartup(error as? ZMQError ?? ZMQError(errno: EINVAL, operation: "ZAP handler start"))
        return
    }
    state.finishStartup(nil)

    var failure: ZMQError?
    do {
        while !state.stopRequested {
            var items = [PollItem(socket: replies, events: .pollIn), PollItem(socket: control, events: .pollIn)]
            try ZMQ.poll(&items, timeoutMilliseconds: zapPollIntervalMilliseconds)
            if items[1].returnedEvents.contains(.pollIn) { break }
            guard items[0].returnedEvents.contains(.pollIn),
                let request = try replies.receiveMultipart(dontWait: true)
            else { continue }
            let verdict = state.judge(request)
            try replies.send(verdict.reply)
            // After the reply, so the client's handshake does not wait on the callback.
            if let denial = verdict.denial { state.onDenial?(denial) }
        }
    } catch let error as ZMQError where !error.isTerminated {
        failure = error
    } catch {
        // ETERM: the context is going away; closing the sockets is all that is left.
    }
    // Marked before closing, so that once the context has terminated (which waits for
    // these closes) `isRunning` already reads false.
    state.markExited(failure)
    // zmq_close releases inproc endpoints later, on libzmq's reaper thread; unbinding
    // first releases them now, so a handler started right after stop() can bind again.
    // (Fails harmlessly with ETERM when the context is going away.)
    try? replies.unbind(ZAPAuthenticator.endpoint)
    try? control.unbind(state.controlEndpoint)
    control.close()
    replies.close()
}
