import CZeroMQ

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The typed accessors in `ZMQSocket+Options.swift` all funnel through these few helpers,
/// which own the `zmq_setsockopt` / `zmq_getsockopt` pointer juggling. libzmq checks the
/// option length strictly, so each helper passes exactly the C type the option expects:
/// `int` for most, `int64_t` for `ZMQ_MAXMSGSIZE`, raw bytes for keys, ids and prefixes.
extension ZMQSocket {
    func setInt32Option(_ option: Int32, _ value: Int32, name: String) throws {
        let raw = live("setsockopt(\(name))")
        var value = value
        guard zmq_setsockopt(raw, option, &value, MemoryLayout<Int32>.size) == 0 else {
            throw ZMQError.last("zmq_setsockopt(\(name), \(value))")
        }
    }

    func setBoolOption(_ option: Int32, _ value: Bool, name: String) throws {
        try setInt32Option(option, value ? 1 : 0, name: name)
    }

    /// Milliseconds as libzmq's `int`. `minimum` is -1 for options where -1 means
    /// "infinite" and 0 for the rest; anything outside is a programmer error.
    func setMillisecondsOption(_ option: Int32, _ milliseconds: Int, name: String, minimum: Int = -1) throws {
        precondition(milliseconds >= minimum && milliseconds <= Int(Int32.max), "\(name): \(milliseconds) ms out of range")
        try setInt32Option(option, Int32(milliseconds), name: name)
    }

    func setInt64Option(_ option: Int32, _ value: Int64, name: String) throws {
        let raw = live("setsockopt(\(name))")
        var value = value
        guard zmq_setsockopt(raw, option, &value, MemoryLayout<Int64>.size) == 0 else {
            throw ZMQError.last("zmq_setsockopt(\(name), \(value))")
        }
    }

    func setBytesOption(_ option: Int32, _ bytes: [UInt8], name: String) throws {
        let raw = live("setsockopt(\(name))")
        let rc = bytes.withUnsafeBytes { buffer in
            zmq_setsockopt(raw, option, buffer.baseAddress, buffer.count)
        }
        guard rc == 0 else { throw ZMQError.last("zmq_setsockopt(\(name), \(bytes.count) bytes)") }
    }

    /// Strings go in without their NUL, as libzmq expects for ZAP_DOMAIN and friends.
    func setStringOption(_ option: Int32, _ value: String, name: String) throws {
        try setBytesOption(option, Array(value.utf8), name: name)
    }

    func int32Option(_ option: Int32, name: String) throws -> Int32 {
        let raw = live("getsockopt(\(name))")
        var value: Int32 = 0
        var size = MemoryLayout<Int32>.size
        guard zmq_getsockopt(raw, option, &value, &size) == 0 else { throw ZMQError.last("zmq_getsockopt(\(name))") }
        return value
    }

    func int64Option(_ option: Int32, name: String) throws -> Int64 {
        let raw = live("getsockopt(\(name))")
        var value: Int64 = 0
        var size = MemoryLayout<Int64>.size
        guard zmq_getsockopt(raw, option, &value, &size) == 0 else { throw ZMQError.last("zmq_getsockopt(\(name))") }
        return value
    }

    func bytesOption(_ option: Int32, name: String, capacity: Int) throws -> [UInt8] {
        let raw = live("getsockopt(\(name))")
        var buffer = [UInt8](repeating: 0, count: capacity)
        var size = capacity
        let rc = buffer.withUnsafeMutableBytes { zmq_getsockopt(raw, option, $0.baseAddress, &size) }
        guard rc == 0 else { throw ZMQError.last("zmq_getsockopt(\(name))") }
        return Array(buffer.prefix(size))
    }

    /// libzmq returns string options NUL-terminated, with the NUL counted in the size.
    func stringOption(_ option: Int32, name: String, capacity: Int) throws -> String {
        var bytes = try bytesOption(option, name: name, capacity: capacity)
        if let nul = bytes.firstIndex(of: 0) { bytes.removeSubrange(nul...) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
