/// The subset of ZPL (ZeroMQ RFC 4, ZeroMQ Property Language) that czmq and
/// pyzmq certificate files use: top-level section names, each followed by
/// `name = value` properties indented by 4 spaces.
///
/// Strict on purpose: a certificate file decides whom a replica trusts, so
/// anything unexpected (tabs, odd indentation, deeper nesting, a duplicate key,
/// text after a closing quote) is an error naming its line rather than a guess.
/// Values follow czmq's `zconfig` rules: either quoted with `"` or `'` (and
/// taken verbatim, `#` included, which Z85 keys need), or unquoted and ending at
/// a `#` comment, with trailing blanks dropped. pyzmq writes metadata unquoted.
enum ZPL {
    /// A property value and the line (1-based) it came from, for error messages.
    struct Value: Equatable {
        let text: String
        let line: Int
    }

    /// Section name to property name to value.
    typealias Document = [String: [String: Value]]

    /// A file larger than this is not a certificate; refusing it bounds memory.
    static let maximumByteCount = 64 * 1024

    /// Parses `text`; `origin` (a path, usually) prefixes every error message.
    ///
    /// - Throws: `CryptoError` `.malformedFile` naming `origin` and the line.
    static func parse(_ text: String, origin: String) throws -> Document {
        var document = Document()
        var section: String?
        let lines = Array(text.utf8).split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        for (index, rawLine) in lines.enumerated() {
            let lineNumber = index + 1
            func fail(_ problem: String) -> CryptoError {
                CryptoError(code: .malformedFile, message: "\(origin), line \(lineNumber): \(problem)")
            }
            var line = Array(rawLine)
            if line.last == UInt8(ascii: "\r") { line.removeLast() }
            if line.contains(where: { ($0 < 0x20 && $0 != tab) || $0 == 0x7f }) {
                throw fail("control character in line")
            }
            var position = 0
            while position < line.count, line[position] == space { position += 1 }
            if position < line.count, line[position] == tab {
                throw fail("tab in indentation (ZPL indents with 4 spaces)")
            }
            // Blank lines and comments carry nothing.
            if position == line.count || line[position] == hash { continue }
            guard position % 4 == 0 else {
                throw fail("indentation of \(position) spaces is not a multiple of 4")
            }
            let depth = position / 4
            guard depth <= 1 else {
                throw fail("nesting deeper than one level is not supported in a certificate")
            }
            let nameStart = position
            while position < line.count, isNameCharacter(line[position]) { position += 1 }
            guard position > nameStart else {
                throw fail("expected a name")
            }
            let name = String(decoding: line[nameStart ..< position], as: UTF8.self)
            while position < line.count, line[position] == space || line[position] == tab { position += 1 }

            if depth == 0 {
                guard position == line.count || line[position] == hash else {
                    throw fail("a top-level line holds only a section name, found more after `\(name)`")
                }
                section = name
                if document[name] == nil { document[name] = [:] }
                continue
            }
            guard let currentSection = section else {
                throw fail("property `\(name)` outside any section")
            }
            guard position < line.count, line[position] == equals else {
                throw fail("expected `\(name) = value`")
            }
            position += 1
            while position < line.count, line[position] == space || line[position] == tab { position += 1 }

            let value: String
            if position < line.count, line[position] == doubleQuote || line[position] == singleQuote {
                let quote = line[position]
                guard let closing = line[(position + 1)...].firstIndex(of: quote) else {
                    throw fail("value of `\(name)` has no closing quote")
                }
                value = String(decoding: line[(position + 1) ..< closing], as: UTF8.self)
                position = closing + 1
                while position < line.count, line[position] == space || line[position] == tab { position += 1 }
                guard position == line.count || line[position] == hash else {
                    throw fail("unexpected text after the quoted value of `\(name)`")
                }
            } else {
                var end = line[position...].firstIndex(of: hash) ?? line.count
                while end > position, line[end - 1] == space || line[end - 1] == tab { end -= 1 }
                value = String(decoding: line[position ..< end], as: UTF8.self)
            }
            if let earlier = document[currentSection]?[name] {
                throw fail("duplicate property `\(currentSection)/\(name)` (first on line \(earlier.line))")
            }
            document[currentSection, default: [:]][name] = Value(text: value, line: lineNumber)
        }
        return document
    }

    /// ZPL names: letters, digits and `$ - _ @ . & + /` (RFC 4).
    static func isNameCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a") ... UInt8(ascii: "z"), UInt8(ascii: "A") ... UInt8(ascii: "Z"),
            UInt8(ascii: "0") ... UInt8(ascii: "9"):
            return true
        default:
            return "$-_@.&+/".utf8.contains(byte)
        }
    }

    /// Whether `name` can be written as a ZPL property name.
    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy(isNameCharacter)
    }

    /// Whether `value` can be written between double quotes and read back
    /// unchanged: no double quote (ZPL has no escapes) and no control characters.
    static func isQuotableValue(_ value: String) -> Bool {
        value.utf8.allSatisfy { $0 >= 0x20 && $0 != 0x7f && $0 != doubleQuote }
    }

    private static let space = UInt8(ascii: " ")
    private static let tab = UInt8(ascii: "\t")
    private static let hash = UInt8(ascii: "#")
    private static let equals = UInt8(ascii: "=")
    private static let doubleQuote = UInt8(ascii: "\"")
    private static let singleQuote = UInt8(ascii: "'")
}
