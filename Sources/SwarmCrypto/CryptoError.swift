/// An operating error from SwarmCrypto: bad input from outside (a key of the
/// wrong length, a malformed certificate file, a file with unsafe permissions).
///
/// A struct with a `Code` rather than an enum, so new codes can be added
/// without breaking callers that switch over the cases they know. Programmer
/// errors (for example a MAC key outside 16...64 bytes) are preconditions and
/// crash instead.
public struct CryptoError: Error, Equatable, CustomStringConvertible {
    /// What kind of failure this is; the `message` says where and why.
    public enum Code: Sendable {
        /// A key, seed, signature or text has the wrong number of bytes or characters.
        case invalidLength
        /// Text is not valid hex, Z85 or UTF-8, or has characters a format does not allow.
        case invalidEncoding
        /// Key material is well formed but unusable or inconsistent (for example a
        /// public key that does not belong to the stated secret key).
        case invalidKey
        /// The file does not exist.
        case fileNotFound
        /// A secret file is readable or writable by group or others.
        case insecurePermissions
        /// A certificate file does not follow the expected ZPL layout; the message names the line.
        case malformedFile
        /// Any other failure of the operating system while reading or writing.
        case ioFailure
    }

    public let code: Code
    public let message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String {
        "CryptoError.\(code): \(message)"
    }
}
