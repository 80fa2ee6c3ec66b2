#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

// The POSIX plumbing under CertificateFile: exact modes, atomic replacement,
// permission checks on the descriptor actually read (not on a path that could
// be swapped between a `stat` and an `open`).
extension CertificateFile {
    /// Reads a whole file as UTF-8 text, at most `ZPL.maximumByteCount` bytes.
    /// With `requirePrivate`, refuses a file with any group or other permission bit.
    static func readText(path: String, requirePrivate: Bool) throws -> String {
        // O_NONBLOCK so a FIFO planted at the path cannot hang the open; it is refused below.
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else {
            let code = errno
            if code == ENOENT {
                throw CryptoError(code: .fileNotFound, message: "\(path): no such file")
            }
            throw CryptoError(code: .ioFailure, message: "\(path): cannot open: \(errorText(code))")
        }
        defer { close(descriptor) }

        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw CryptoError(code: .ioFailure, message: "\(path): cannot stat: \(errorText(errno))")
        }
        guard status.st_mode & S_IFMT == S_IFREG else {
            throw CryptoError(code: .ioFailure, message: "\(path): not a regular file")
        }
        let permissions = status.st_mode & 0o7777
        if requirePrivate, permissions & 0o077 != 0 {
            throw CryptoError(
                code: .insecurePermissions,
                message: "\(path) has mode \(octal(permissions)), which lets group or others access a secret key; run `chmod 600 \(path)`")
        }

        // Sized from the file so the buffer is never reallocated, which would
        // leave an unwiped copy of a secret behind in freed memory.
        var contents = [UInt8]()
        contents.reserveCapacity(Swift.min(Int(status.st_size), ZPL.maximumByteCount) + 4096)
        defer { contents.zeroize() }
        var chunk = [UInt8](repeating: 0, count: 4096)
        defer { chunk.zeroize() }
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw CryptoError(code: .ioFailure, message: "\(path): cannot read: \(errorText(errno))")
            }
            if count == 0 { break }
            contents += chunk[0 ..< count]
            guard contents.count <= ZPL.maximumByteCount else {
                throw CryptoError(
                    code: .malformedFile,
                    message: "\(path): larger than \(ZPL.maximumByteCount) bytes, not a certificate")
            }
        }
        let text = String(decoding: contents, as: UTF8.self)
        // `String(decoding:)` replaces invalid UTF-8; a round trip that changes the bytes means there was some.
        guard text.utf8.elementsEqual(contents) else {
            throw CryptoError(code: .malformedFile, message: "\(path): not valid UTF-8")
        }
        return text
    }

    /// Writes `contents` to `path` through a temporary file and `rename(2)`, and
    /// sets `mode` explicitly so neither the umask nor an older file changes it.
    static func writeAtomically(_ contents: [UInt8], to path: String, mode: mode_t) throws {
        let temporary = path + ".tmp-" + hexString(SodiumRandom.bytes(8))
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode & 0o600)
        guard descriptor >= 0 else {
            throw CryptoError(code: .ioFailure, message: "\(temporary): cannot create: \(errorText(errno))")
        }
        var renamed = false
        defer {
            if !renamed { unlink(temporary) }
        }
        do {
            defer { close(descriptor) }
            let failure = DurableWrite.writeFully(descriptor, contents)
            guard failure == 0 else {
                throw CryptoError(code: .ioFailure, message: "\(temporary): cannot write: \(errorText(failure))")
            }
            guard fchmod(descriptor, mode) == 0 else {
                throw CryptoError(code: .ioFailure, message: "\(temporary): cannot set mode: \(errorText(errno))")
            }
            let syncFailure = DurableWrite.sync(descriptor)
            guard syncFailure == 0 else {
                throw CryptoError(code: .ioFailure, message: "\(temporary): cannot sync: \(errorText(syncFailure))")
            }
        }
        guard rename(temporary, path) == 0 else {
            throw CryptoError(code: .ioFailure, message: "\(path): cannot rename into place: \(errorText(errno))")
        }
        renamed = true
    }

    /// Creates `directory` and any missing parents with mode 0700 (`mkdir -p`).
    /// Existing directories are left as they are.
    static func makeDirectories(_ directory: String) throws {
        guard !directory.isEmpty else {
            throw CryptoError(code: .ioFailure, message: "empty directory path")
        }
        var prefix = directory.hasPrefix("/") ? "/" : ""
        for component in directory.split(separator: "/") {
            prefix += component
            if mkdir(prefix, 0o700) != 0, errno != EEXIST {
                throw CryptoError(code: .ioFailure, message: "\(prefix): cannot create directory: \(errorText(errno))")
            }
            prefix += "/"
        }
        var status = stat()
        guard stat(directory, &status) == 0, status.st_mode & S_IFMT == S_IFDIR else {
            throw CryptoError(code: .ioFailure, message: "\(directory): not a directory")
        }
    }

    /// Makes the renames durable; best effort, as some file systems refuse it.
    static func syncDirectory(_ directory: String) {
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        _ = fsync(descriptor)
        close(descriptor)
    }

    /// Local time as czmq writes it in the banner, `YYYY-MM-DD HH:MM:SS`.
    static func timestamp() -> String {
        var now = time(nil)
        var parts = tm()
        guard localtime_r(&now, &parts) != nil else { return "unknown time" }
        var buffer = [CChar](repeating: 0, count: 32)
        let count = strftime(&buffer, buffer.count, "%Y-%m-%d %H:%M:%S", &parts)
        return String(decoding: buffer[0 ..< count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func octal(_ mode: mode_t) -> String {
        let digits = String(mode, radix: 8)
        return String(repeating: "0", count: Swift.max(0, 4 - digits.count)) + digits
    }

    static func errorText(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}
