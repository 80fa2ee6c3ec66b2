/// Why a frame was refused. Decoding never traps: every malformed input becomes one of these.
public struct WireError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case badMagic
        case unknownVersion
        case unknownKind
        case truncated
        case trailingBytes
        case lengthOverLimit
        case countOverLimit
        case frameOverLimit
        case nestingTooDeep
        case wrongNestedKind
        case invalidValue
    }

    public let code: Code
    public let detail: String

    public init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    public var description: String { "\(code.rawValue): \(detail)" }
}
