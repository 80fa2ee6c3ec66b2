#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Certificate files in the layout czmq and pyzmq write (`NAME.key`, public,
/// and `NAME.key_secret`, secret), so ZeroMQ tools can read the CURVE keys,
/// with SwarmBFT's Ed25519 signing key added as `metadata` fields:
///
/// ```
/// #   ****  Generated on 2026-11-24 23:50:00 by swarmbft  ****
/// #   ZeroMQ CURVE Public Certificate
/// ...
///
/// metadata
///     name = "replica-0"
///     ed25519-public-key = "<64 hex digits>"
/// curve
///     public-key = "<40 Z85 characters>"
/// ```
///
/// The secret file adds `ed25519-seed` under `metadata` and `secret-key` under
/// `curve`. POSIX calls are used directly (not Foundation) to control file
/// modes exactly, write atomically and check permissions on the open file.
public enum CertificateFile {
    static let nameField = "name"
    static let ed25519PublicKeyField = "ed25519-public-key"
    static let ed25519SeedField = "ed25519-seed"
    static let publicKeyField = "public-key"
    static let secretKeyField = "secret-key"
    /// Metadata names with their own meaning, which `metadata` dictionaries MUST NOT carry.
    static let reservedMetadata: Set<String> = [nameField, ed25519PublicKeyField, ed25519SeedField]

    // MARK: Writing

    /// Writes `DIRECTORY/NAME.key` (mode 0644) and `DIRECTORY/NAME.key_secret`
    /// (mode 0600), creating missing directories with mode 0700.
    ///
    /// Each file is written to a temporary file in the same directory, synced,
    /// given its final mode and renamed into place, so a crash never leaves a
    /// half-written key and the secret is never readable by others, whatever
    /// the umask or an earlier file's mode.
    ///
    /// - Throws: `CryptoError` `.invalidEncoding` if the name or metadata cannot
    ///   be written safely (the name becomes a file name, so it MUST NOT contain
    ///   `/`, quotes or control characters); `.ioFailure` for operating errors.
    @discardableResult
    public static func write(_ certificate: SecretCertificate, directory: String) throws
        -> (publicPath: String, secretPath: String)
    {
        try validate(certificate)
        try makeDirectories(directory)
        let base = directory.hasSuffix("/") ? directory + certificate.name : directory + "/" + certificate.name
        let paths = (publicPath: base + ".key", secretPath: base + ".key_secret")
        let generated = timestamp()

        let publicText = render(certificate, secret: false, generated: generated)
        try writeAtomically(publicText, to: paths.publicPath, mode: 0o644)
        var secretText = render(certificate, secret: true, generated: generated)
        defer { secretText.zeroize() }
        try writeAtomically(secretText, to: paths.secretPath, mode: 0o600)
        syncDirectory(directory)
        return paths
    }

    /// The file contents, as bytes rather than a `String` so the secret file's
    /// text can be wiped after writing. Capacity is reserved up front so no
    /// reallocation leaves a stray copy of a secret in freed memory.
    static func render(_ certificate: SecretCertificate, secret: Bool, generated: String) -> [UInt8] {
        var banner = ["#   ****  Generated on \(generated) by swarmbft  ****"]
        if secret {
            banner += [
                "#   ZeroMQ CURVE **Secret** Certificate",
                "#   DO NOT PROVIDE THIS FILE TO OTHER USERS nor change its permissions.",
            ]
        } else {
            banner += [
                "#   ZeroMQ CURVE Public Certificate",
                "#   Exchange securely, or use a secure mechanism to verify the contents",
                "#   of this file after exchange. Store public certificates in your home",
                "#   directory, in the .curve subdirectory.",
            ]
        }
        let head =
            banner + [
                "",
                "metadata",
                property(nameField, certificate.name),
                property(ed25519PublicKeyField, hexString(certificate.signing.publicKey.bytes)),
            ]
        let middle =
            certificate.metadata.keys.sorted().map { property($0, certificate.metadata[$0]!) } + [
                "curve",
                property(publicKeyField, String(decoding: Z85.encodeBytes(certificate.curve.publicKey), as: UTF8.self)),
            ]
        let headText = Array((head.joined(separator: "\n") + "\n").utf8)
        let middleText = Array((middle.joined(separator: "\n") + "\n").utf8)
        guard secret else { return headText + middleText }

        let seedPrefix = Array("    \(ed25519SeedField) = \"".utf8)
        let secretPrefix = Array("    \(secretKeyField) = \"".utf8)
        let lineEnd = Array("\"\n".utf8)
        var text = [UInt8]()
        text.reserveCapacity(
            headText.count + middleText.count + seedPrefix.count + secretPrefix.count
                + 2 * lineEnd.count + 2 * Ed25519.seedByteCount + Curve.secretKeyByteCount / 4 * 5)

        var seed = certificate.signing.seed.copyBytes()
        var seedHex = hexBytes(seed)
        var secretKey = certificate.curve.secretKey.copyBytes()
        var secretZ85 = Z85.encodeBytes(secretKey)
        defer {
            seed.zeroize()
            seedHex.zeroize()
            secretKey.zeroize()
            secretZ85.zeroize()
        }
        text.append(contentsOf: headText)
        text.append(contentsOf: seedPrefix)
        text.append(contentsOf: seedHex)
        text.append(contentsOf: lineEnd)
        text.append(contentsOf: middleText)
        text.append(contentsOf: secretPrefix)
        text.append(contentsOf: secretZ85)
        text.append(contentsOf: lineEnd)
        return text
    }

    private static func property(_ name: String, _ value: String) -> String {
        "    \(name) = \"\(value)\""
    }

    /// The name becomes a file name and a quoted value, so it MUST NOT contain
    /// `/`, control characters or quotes (ZPL has no escapes, and pyzmq strips
    /// both kinds of quote from the ends of values).
    private static func validate(_ certificate: SecretCertificate) throws {
        let name = certificate.name
        guard !name.isEmpty, name != ".", name != "..", name.utf8.count <= 200,
            !name.contains("/"), !name.contains("'"), ZPL.isQuotableValue(name)
        else {
            throw CryptoError(
                code: .invalidEncoding,
                message: "certificate name \(String(reflecting: name)) cannot be used as a file name and ZPL value")
        }
        for (key, value) in certificate.metadata {
            guard ZPL.isValidName(key), !reservedMetadata.contains(key) else {
                throw CryptoError(
                    code: .invalidEncoding,
                    message: "metadata name \(String(reflecting: key)) is reserved or not a ZPL name")
            }
            guard ZPL.isQuotableValue(value) else {
                throw CryptoError(
                    code: .invalidEncoding,
                    message: "metadata value of \(key) contains a double quote or a control character")
            }
        }
    }

    // MARK: Reading

    /// Reads a public certificate (a `.key` file; a `.key_secret` file works too,
    /// and only its public fields are read).
    ///
    /// - Throws: `CryptoError` `.fileNotFound`, `.ioFailure`; `.malformedFile`
    ///   naming the line of a syntax error or bad value, or the missing field
    ///   (`name`, `ed25519-public-key` and the curve `public-key` are required).
    public static func readPublic(path: String) throws -> PublicCertificate {
        let document = try ZPL.parse(readText(path: path, requirePrivate: false), origin: path)
        return try publicCertificate(from: document, path: path)
    }

    /// Reads a secret certificate (a `.key_secret` file).
    ///
    /// Refuses, with `.insecurePermissions`, a file whose mode gives group or
    /// others any access: a key others could read is no longer secret, and one
    /// others could write could be replaced. Checks that `ed25519-seed` derives
    /// `ed25519-public-key` and that the curve `secret-key` derives `public-key`
    /// (`.invalidKey` otherwise), so a file edited by hand or tampered with
    /// cannot pair one replica's secret with another's public identity.
    public static func readSecret(path: String) throws -> SecretCertificate {
        let document = try ZPL.parse(readText(path: path, requirePrivate: true), origin: path)
        let stated = try publicCertificate(from: document, path: path)

        let seedField = try field(document, "metadata", ed25519SeedField, path: path)
        let signing = try decode(seedField, ed25519SeedField, path: path) { text in
            var seed = try bytes(fromHex: text)
            defer { seed.zeroize() }
            return try Ed25519.PrivateKey(seed: seed)
        }
        guard signing.publicKey == stated.ed25519PublicKey else {
            throw CryptoError(
                code: .invalidKey,
                message: "\(path): \(ed25519PublicKeyField) does not match the key derived from \(ed25519SeedField) (line \(seedField.line))")
        }

        let secretField = try field(document, "curve", secretKeyField, path: path)
        let curve = try decode(secretField, secretKeyField, path: path) { text in
            var secretKey = try Z85.decode(text)
            defer { secretKey.zeroize() }
            return try Curve.KeyPair(secretKey: secretKey)
        }
        guard curve.publicKey == stated.curvePublicKey else {
            throw CryptoError(
                code: .invalidKey,
                message: "\(path): curve \(publicKeyField) does not match the key derived from \(secretKeyField) (line \(secretField.line))")
        }
        return SecretCertificate(name: stated.name, curve: curve, signing: signing, metadata: stated.metadata)
    }

    /// Parses certificate text into its `metadata` and `curve` sections (other
    /// sections are checked for syntax and dropped). Works on any czmq or
    /// pyzmq certificate, with or without SwarmBFT's Ed25519 fields.
    ///
    /// - Throws: `CryptoError` `.malformedFile` naming the line.
    public static func parse(text: String) throws -> (metadata: [String: String], curve: [String: String]) {
        let document = try ZPL.parse(text, origin: "certificate text")
        return (
            document["metadata", default: [:]].mapValues(\.text),
            document["curve", default: [:]].mapValues(\.text)
        )
    }

    private static func publicCertificate(from document: ZPL.Document, path: String) throws -> PublicCertificate {
        // Name every missing field at once, so one edit fixes the file.
        let required = [("metadata", nameField), ("metadata", ed25519PublicKeyField), ("curve", publicKeyField)]
        let missing = required.filter { document[$0.0]?[$0.1] == nil }.map { "\($0.0)/\($0.1)" }
        guard missing.isEmpty else {
            throw CryptoError(
                code: .malformedFile,
                message: "\(path): missing field\(missing.count == 1 ? "" : "s") \(missing.joined(separator: ", "))")
        }
        let name = try field(document, "metadata", nameField, path: path)
        let ed25519Field = try field(document, "metadata", ed25519PublicKeyField, path: path)
        let ed25519 = try decode(ed25519Field, ed25519PublicKeyField, path: path) {
            try Ed25519.PublicKey(bytes: bytes(fromHex: $0))
        }
        let curveField = try field(document, "curve", publicKeyField, path: path)
        let curve = try decode(curveField, publicKeyField, path: path) { text -> [UInt8] in
            let key = try Z85.decode(text)
            guard key.count == Curve.publicKeyByteCount else {
                throw CryptoError(code: .invalidLength, message: "a CURVE key has 40 Z85 characters, not \(text.utf8.count)")
            }
            return key
        }
        let metadata = document["metadata", default: [:]]
            .filter { !reservedMetadata.contains($0.key) }
            .mapValues(\.text)
        return PublicCertificate(name: name.text, curvePublicKey: curve, ed25519PublicKey: ed25519, metadata: metadata)
    }

    private static func field(_ document: ZPL.Document, _ section: String, _ name: String, path: String) throws -> ZPL.Value {
        guard let value = document[section]?[name] else {
            throw CryptoError(code: .malformedFile, message: "\(path): missing field \(section)/\(name)")
        }
        return value
    }

    /// Decodes a field's value; a failure becomes `.malformedFile` (or stays
    /// `.invalidKey`) with a message naming the line.
    private static func decode<T>(
        _ value: ZPL.Value, _ name: String, path: String,
        _ body: (String) throws -> T
    ) throws -> T {
        do {
            return try body(value.text)
        } catch let error as CryptoError {
            throw CryptoError(
                code: error.code == .invalidKey ? .invalidKey : .malformedFile,
                message: "\(path), line \(value.line): bad \(name): \(error.message)")
        }
    }
}
