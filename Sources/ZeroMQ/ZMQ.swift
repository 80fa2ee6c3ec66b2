import CZeroMQ

/// Namespace for library-wide facts and free functions of libzmq: version, capabilities,
/// Z85, CURVE key generation, polling and the steerable proxy.
///
/// The types that carry state are ``ZMQContext`` (thread-safe, shared), ``ZMQSocket``
/// (owned by exactly one thread), ``SocketMonitor`` and ``ZAPAuthenticator``.
public enum ZMQ {
    /// The version of the libzmq the process is linked against (not the headers it was
    /// compiled with; the two differ when the shared library is upgraded underneath).
    public static var version: (major: Int, minor: Int, patch: Int) {
        var major: Int32 = 0
        var minor: Int32 = 0
        var patch: Int32 = 0
        zmq_version(&major, &minor, &patch)
        return (Int(major), Int(minor), Int(patch))
    }

    /// The version of the `zmq.h` this target was compiled against.
    public static var headerVersion: (major: Int, minor: Int, patch: Int) {
        (Int(swarmbft_zmq_version_major()), Int(swarmbft_zmq_version_minor()), Int(swarmbft_zmq_version_patch()))
    }

    /// Whether libzmq was built with `capability` (`"ipc"`, `"curve"`, `"draft"`, …).
    /// SwarmBFT MUST check `has("curve")` at start-up: without it CURVE options fail.
    public static func has(_ capability: String) -> Bool {
        capability.withCString { zmq_has($0) } == 1
    }
}
