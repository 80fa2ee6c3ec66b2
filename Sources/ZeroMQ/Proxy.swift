import CZeroMQ

extension ZMQ {
    /// Runs libzmq's built-in proxy (`zmq_proxy_steerable`) on the calling thread, moving
    /// messages between `frontend` and `backend` and copying each to `capture` if given.
    ///
    /// Blocks until the `control` socket receives `TERMINATE` (returns normally) or the
    /// context is terminated (throws ``ZMQError/isTerminated``). `control` also accepts
    /// `PAUSE`, `RESUME` and `STATISTICS`; send them from another socket, owned by another
    /// thread, connected to `control`. All sockets passed here MUST be owned by the
    /// calling thread, which is lent to libzmq for the proxy's whole life.
    public static func proxySteerable(
        frontend: ZMQSocket,
        backend: ZMQSocket,
        capture: ZMQSocket? = nil,
        control: ZMQSocket? = nil
    ) throws {
        let rc = zmq_proxy_steerable(
            frontend.live("proxySteerable(frontend)"),
            backend.live("proxySteerable(backend)"),
            capture?.live("proxySteerable(capture)"),
            control?.live("proxySteerable(control)")
        )
        guard rc == 0 else { throw ZMQError.last("zmq_proxy_steerable") }
    }
}
