import Foundation
import SwarmCrypto
import Testing
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A fresh directory under the system temporary directory, removed afterwards.
func withTemporaryDirectory<R>(_ body: (String) throws -> R) throws -> R {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("swarmcrypto-tests-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    return try body(directory)
}

func mode(of path: String) -> mode_t {
    var status = stat()
    #expect(stat(path, &status) == 0)
    return status.st_mode & 0o7777
}

func readFile(_ path: String) throws -> String {
    try String(contentsOfFile: path, encoding: .utf8)
}

/// Replaces the file's text and keeps its mode (Foundation's write would not).
func rewrite(_ path: String, _ transform: (String) -> String) throws {
    let original = mode(of: path)
    try transform(readFile(path)).write(toFile: path, atomically: false, encoding: .utf8)
    #expect(chmod(path, original) == 0)
}

func expectCryptoError(
    _ code: CryptoError.Code, containing fragments: [String],
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> Void
) {
    do {
        try body()
        Issue.record("expected CryptoError.\(code), but nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as CryptoError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        for fragment in fragments {
            #expect(
                error.message.contains(fragment), "message \(String(reflecting: error.message)) lacks \(String(reflecting: fragment))",
                sourceLocation: sourceLocation)
        }
    } catch {
        Issue.record("expected CryptoError.\(code), got \(error)", sourceLocation: sourceLocation)
    }
}

@Suite("Certificate files")
struct CertificateFileTests {
    @Test("write then read round-trips every key, the name and the metadata")
    func roundTrip() throws {
        try withTemporaryDirectory { root in
            var certificate = SecretCertificate.generate(name: "replica-0")
            certificate.metadata = ["cluster": "alpha", "role": "replica"]
            let directory = root + "/keys/nested"
            let paths = try CertificateFile.write(certificate, directory: directory)
            #expect(paths.publicPath == directory + "/replica-0.key")
            #expect(paths.secretPath == directory + "/replica-0.key_secret")

            let readPublic = try CertificateFile.readPublic(path: paths.publicPath)
            #expect(readPublic == certificate.publicCertificate)
            #expect(readPublic.metadata == ["cluster": "alpha", "role": "replica"])

            let readSecret = try CertificateFile.readSecret(path: paths.secretPath)
            #expect(readSecret.name == "replica-0")
            #expect(readSecret.metadata == certificate.metadata)
            #expect(readSecret.signing.publicKey == certificate.signing.publicKey)
            #expect(readSecret.signing.seed.copyBytes() == certificate.signing.seed.copyBytes())
            #expect(readSecret.curve.publicKey == certificate.curve.publicKey)
            #expect(readSecret.curve.secretKey.copyBytes() == certificate.curve.secretKey.copyBytes())
            #expect(readSecret.publicCertificate == readPublic)

            let message = Array("PREPARE".utf8)
            #expect(Ed25519.verify(readSecret.signing.sign(message), of: message, by: readPublic.ed25519PublicKey))
        }
    }

    @Test("files get modes 0644 and 0600 and new directories 0700, whatever the umask")
    func modes() throws {
        try withTemporaryDirectory { root in
            let previous = umask(0o000)
            defer { umask(previous) }
            let directory = root + "/a/b"
            let paths = try CertificateFile.write(.generate(name: "replica-1"), directory: directory)
            #expect(mode(of: paths.publicPath) == 0o644)
            #expect(mode(of: paths.secretPath) == 0o600)
            #expect(mode(of: root + "/a") == 0o700)
            #expect(mode(of: directory) == 0o700)
            // Overwriting a file with looser permissions tightens it again.
            #expect(chmod(paths.secretPath, 0o666) == 0)
            try CertificateFile.write(.generate(name: "replica-1"), directory: directory + "/")
            #expect(mode(of: paths.secretPath) == 0o600)
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
            #expect(leftovers == ["replica-1.key", "replica-1.key_secret"])
        }
    }

    @Test("the files follow the czmq/pyzmq layout")
    func layout() throws {
        try withTemporaryDirectory { root in
            let certificate = SecretCertificate.generate(name: "replica-2")
            let paths = try CertificateFile.write(certificate, directory: root)
            let publicLines = try readFile(paths.publicPath).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let ed25519 = hexString(certificate.signing.publicKey.bytes)
            let curve = try Z85.encode(certificate.curve.publicKey)
            #expect(publicLines.count == 12)
            #expect(publicLines[0].hasPrefix("#   ****  Generated on "))
            #expect(publicLines[0].hasSuffix(" by swarmbft  ****"))
            #expect(
                Array(publicLines[1...]) == [
                    "#   ZeroMQ CURVE Public Certificate",
                    "#   Exchange securely, or use a secure mechanism to verify the contents",
                    "#   of this file after exchange. Store public certificates in your home",
                    "#   directory, in the .curve subdirectory.",
                    "",
                    "metadata",
                    "    name = \"replica-2\"",
                    "    ed25519-public-key = \"\(ed25519)\"",
                    "curve",
                    "    public-key = \"\(curve)\"",
                    "",
                ])

            let secretLines = try readFile(paths.secretPath).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            #expect(secretLines[0].hasSuffix(" by swarmbft  ****"))
            #expect(
                Array(secretLines[1...]) == [
                    "#   ZeroMQ CURVE **Secret** Certificate",
                    "#   DO NOT PROVIDE THIS FILE TO OTHER USERS nor change its permissions.",
                    "",
                    "metadata",
                    "    name = \"replica-2\"",
                    "    ed25519-public-key = \"\(ed25519)\"",
                    "    ed25519-seed = \"\(hexString(certificate.signing.seed.copyBytes()))\"",
                    "curve",
                    "    public-key = \"\(curve)\"",
                    "    secret-key = \"\(try Z85.encode(certificate.curve.secretKey.copyBytes()))\"",
                    "",
                ])
        }
    }

    @Test("a secret file readable or writable by group or others is refused", arguments: [0o640, 0o604, 0o660, 0o602, 0o644, 0o610] as [mode_t])
    func insecurePermissions(_ permissions: mode_t) throws {
        try withTemporaryDirectory { root in
            let paths = try CertificateFile.write(.generate(name: "replica-3"), directory: root)
            #expect(chmod(paths.secretPath, permissions) == 0)
            let octal = "0" + String(permissions, radix: 8)
            expectCryptoError(.insecurePermissions, containing: [paths.secretPath, octal, "chmod 600 \(paths.secretPath)"]) {
                _ = try CertificateFile.readSecret(path: paths.secretPath)
            }
            // The public parts may still be read, and the fix works.
            _ = try CertificateFile.readPublic(path: paths.secretPath)
            #expect(chmod(paths.secretPath, 0o600) == 0)
            _ = try CertificateFile.readSecret(path: paths.secretPath)
            #expect(chmod(paths.secretPath, 0o400) == 0)
            _ = try CertificateFile.readSecret(path: paths.secretPath)
        }
    }

    @Test("an ed25519-public-key that the seed does not derive is refused")
    func tamperedEd25519PublicKey() throws {
        try withTemporaryDirectory { root in
            let certificate = SecretCertificate.generate(name: "replica-4")
            let paths = try CertificateFile.write(certificate, directory: root)
            let impostor = hexString(Ed25519.PrivateKey.generate().publicKey.bytes)
            try rewrite(paths.secretPath) {
                $0.replacingOccurrences(of: hexString(certificate.signing.publicKey.bytes), with: impostor)
            }
            expectCryptoError(.invalidKey, containing: [paths.secretPath, "ed25519-public-key", "ed25519-seed"]) {
                _ = try CertificateFile.readSecret(path: paths.secretPath)
            }
        }
    }

    @Test("a curve public-key that the secret key does not derive is refused")
    func tamperedCurvePublicKey() throws {
        try withTemporaryDirectory { root in
            let certificate = SecretCertificate.generate(name: "replica-5")
            let paths = try CertificateFile.write(certificate, directory: root)
            let impostor = try Z85.encode(Curve.KeyPair.generate().publicKey)
            try rewrite(paths.secretPath) {
                $0.replacingOccurrences(of: try! Z85.encode(certificate.curve.publicKey), with: impostor)
            }
            expectCryptoError(.invalidKey, containing: [paths.secretPath, "public-key", "secret-key"]) {
                _ = try CertificateFile.readSecret(path: paths.secretPath)
            }
        }
    }

    @Test(
        "a missing field is refused, naming it",
        arguments: [
            ("ed25519-public-key", "metadata/ed25519-public-key"),
            ("name", "metadata/name"),
            ("ed25519-seed", "metadata/ed25519-seed"),
            ("public-key", "curve/public-key"),
            ("secret-key", "curve/secret-key"),
        ])
    func missingField(_ field: String, _ named: String) throws {
        try withTemporaryDirectory { root in
            let paths = try CertificateFile.write(.generate(name: "replica-6"), directory: root)
            try rewrite(paths.secretPath) { text in
                text.split(separator: "\n").filter { !$0.hasPrefix("    \(field) =") }.joined(separator: "\n") + "\n"
            }
            expectCryptoError(.malformedFile, containing: [paths.secretPath, "missing field \(named)"]) {
                _ = try CertificateFile.readSecret(path: paths.secretPath)
            }
        }
    }

    @Test("a bad key value is refused with its line number")
    func badValues() throws {
        try withTemporaryDirectory { root in
            let certificate = SecretCertificate.generate(name: "replica-7")
            let paths = try CertificateFile.write(certificate, directory: root)
            let ed25519 = hexString(certificate.signing.publicKey.bytes)
            // Line 9 of the public file holds ed25519-public-key, line 11 the curve key.
            try rewrite(paths.publicPath) { $0.replacingOccurrences(of: ed25519, with: String(ed25519.dropLast(2))) }
            expectCryptoError(.malformedFile, containing: [paths.publicPath, "line 9", "ed25519-public-key"]) {
                _ = try CertificateFile.readPublic(path: paths.publicPath)
            }
            try rewrite(paths.publicPath) { $0.replacingOccurrences(of: String(ed25519.dropLast(2)), with: "zz" + ed25519.dropFirst(2)) }
            expectCryptoError(.malformedFile, containing: ["line 9", "ed25519-public-key"]) {
                _ = try CertificateFile.readPublic(path: paths.publicPath)
            }
            try rewrite(paths.publicPath) { $0.replacingOccurrences(of: "zz" + ed25519.dropFirst(2), with: ed25519) }
            _ = try CertificateFile.readPublic(path: paths.publicPath)
            let curve = try Z85.encode(certificate.curve.publicKey)
            try rewrite(paths.publicPath) { $0.replacingOccurrences(of: curve, with: String(curve.dropLast(5))) }
            expectCryptoError(.malformedFile, containing: ["line 11", "public-key"]) {
                _ = try CertificateFile.readPublic(path: paths.publicPath)
            }
        }
    }

    @Test("a bad seed or CURVE secret key is refused with its line number")
    func badSecretValues() throws {
        try withTemporaryDirectory { root in
            let certificate = SecretCertificate.generate(name: "replica-9")
            let paths = try CertificateFile.write(certificate, directory: root)
            let original = try readFile(paths.secretPath)
            let seed = hexString(certificate.signing.seed.copyBytes())
            let secret = try Z85.encode(certificate.curve.secretKey.copyBytes())
            // Line 8 holds ed25519-seed, line 11 the CURVE secret-key.
            for (from, to, line, field) in [
                (seed, String(seed.dropLast(2)), 8, "ed25519-seed"),
                (seed, "x" + seed.dropFirst(), 8, "ed25519-seed"),
                (secret, String(secret.dropLast(5)), 11, "secret-key"),
                (secret, "~" + secret.dropFirst(), 11, "secret-key"),
            ] {
                try rewrite(paths.secretPath) { _ in original.replacingOccurrences(of: from, with: to) }
                expectCryptoError(.malformedFile, containing: [paths.secretPath, "line \(line)", field]) {
                    _ = try CertificateFile.readSecret(path: paths.secretPath)
                }
            }
            try rewrite(paths.secretPath) { _ in original }
            _ = try CertificateFile.readSecret(path: paths.secretPath)
        }
    }

    @Test("a directory or an oversized file is not read as a certificate")
    func notACertificate() throws {
        try withTemporaryDirectory { root in
            expectCryptoError(.ioFailure, containing: [root, "not a regular file"]) {
                _ = try CertificateFile.readPublic(path: root)
            }
            let path = root + "/huge.key"
            try String(repeating: "# padding\n", count: 10_000).write(toFile: path, atomically: false, encoding: .utf8)
            expectCryptoError(.malformedFile, containing: [path, "larger than"]) {
                _ = try CertificateFile.readPublic(path: path)
            }
        }
    }

    @Test("a file that does not exist is reported as such")
    func fileNotFound() throws {
        try withTemporaryDirectory { root in
            expectCryptoError(.fileNotFound, containing: [root + "/absent.key"]) {
                _ = try CertificateFile.readPublic(path: root + "/absent.key")
            }
            expectCryptoError(.fileNotFound, containing: [root + "/absent.key_secret"]) {
                _ = try CertificateFile.readSecret(path: root + "/absent.key_secret")
            }
        }
    }

    @Test(
        "names that are unsafe as file names or ZPL values are refused on write",
        arguments: ["", ".", "..", "../evil", "a/b", "quote\"d", "apos'trophe", "line\nbreak"])
    func unsafeNames(_ name: String) throws {
        try withTemporaryDirectory { root in
            expectCryptoError(.invalidEncoding, containing: []) {
                _ = try CertificateFile.write(.generate(name: name), directory: root)
            }
        }
    }

    @Test("reserved or unwritable metadata is refused on write")
    func unsafeMetadata() throws {
        try withTemporaryDirectory { root in
            for metadata in [["ed25519-seed": "00"], ["name": "x"], ["bad key": "v"], ["ok": "has \"quote\""]] {
                var certificate = SecretCertificate.generate(name: "replica-8")
                certificate.metadata = metadata
                expectCryptoError(.invalidEncoding, containing: []) {
                    _ = try CertificateFile.write(certificate, directory: root)
                }
            }
        }
    }
}

@Suite("ZPL certificate parser")
struct CertificateParserTests {
    /// As pyzmq's `zmq.auth.create_certificates` writes a public file: empty
    /// metadata section, quoted curve key, no Ed25519 fields.
    static let pyzmqPublic = """
        #   ****  Generated on 2023-05-01 10:11:12.123456 by pyzmq  ****
        #   ZeroMQ CURVE Public Certificate
        #   Exchange securely, or use a secure mechanism to verify the contents
        #   of this file after exchange. Store public certificates in your home
        #   directory, in the .curve subdirectory.

        metadata
        curve
            public-key = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"

        """

    @Test("a pyzmq public certificate parses")
    func pyzmqPublicFile() throws {
        let parsed = try CertificateFile.parse(text: Self.pyzmqPublic)
        #expect(parsed.metadata == [:])
        #expect(parsed.curve == ["public-key": "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"])
        #expect(try Z85.decode(parsed.curve["public-key"]!).count == 32)
    }

    @Test("a pyzmq secret certificate with unquoted metadata parses, comments and CRLF included")
    func pyzmqSecretFile() throws {
        let text =
            [
                "#   ****  Generated on 2023-05-01 10:11:12.123456 by pyzmq  ****",
                "#   ZeroMQ CURVE **Secret** Certificate",
                "#   DO NOT PROVIDE THIS FILE TO OTHER USERS nor change its permissions.",
                "",
                "metadata",
                "    owner = ops team   # who to call",
                "    email = 'ops@example.org'",
                "curve",
                "    public-key = \"Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID\"",
                "    secret-key = \"D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs\"  # Z85 may contain #",
            ].joined(separator: "\r\n") + "\r\n"
        let parsed = try CertificateFile.parse(text: text)
        #expect(parsed.metadata == ["owner": "ops team", "email": "ops@example.org"])
        #expect(parsed.curve["secret-key"] == "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs")
        let pair = try Curve.KeyPair(secretKey: Z85.decode(parsed.curve["secret-key"]!))
        #expect(try Z85.encode(pair.publicKey) == parsed.curve["public-key"])
    }

    @Test("readPublic on a pyzmq file names the missing Ed25519 field")
    func pyzmqFileLacksEd25519() throws {
        try withTemporaryDirectory { root in
            let path = root + "/server.key"
            try Self.pyzmqPublic.write(toFile: path, atomically: false, encoding: .utf8)
            expectCryptoError(.malformedFile, containing: [path, "missing fields metadata/name, metadata/ed25519-public-key"]) {
                _ = try CertificateFile.readPublic(path: path)
            }
        }
    }

    @Test(
        "every malformed line is refused with its line number",
        arguments: [
            ("metadata\n\tname = \"x\"\n", 2, "tab"),
            ("metadata\n   name = \"x\"\n", 2, "multiple of 4"),
            ("metadata\n        name = \"x\"\n", 2, "nesting"),
            ("metadata\n    name = \"x\n", 2, "closing quote"),
            ("metadata\n    name = \"x\" y\n", 2, "after the quoted value"),
            ("metadata\n    name \"x\"\n", 2, "expected `name = value`"),
            ("metadata\n    name = \"x\"\n    name = \"y\"\n", 3, "duplicate"),
            ("    name = \"x\"\nmetadata\n", 1, "outside any section"),
            ("# comment\n\nmetadata = \"x\"\n", 3, "section name"),
            ("metadata\n    = \"x\"\n", 2, "expected a name"),
            ("metadata\n    na!me = \"x\"\n", 2, "expected `na"),
            ("metadata\n    name = \"x\u{1}\"\n", 2, "control character"),
        ])
    func malformedLines(_ text: String, _ line: Int, _ problem: String) {
        expectCryptoError(.malformedFile, containing: ["line \(line):", problem]) {
            _ = try CertificateFile.parse(text: text)
        }
    }

    @Test("other sections are checked and ignored; empty values are allowed")
    func otherSections() throws {
        let parsed = try CertificateFile.parse(text: "extra\n    x = 1\nmetadata\n    empty =\n    quoted = \"\"\n")
        #expect(parsed.metadata == ["empty": "", "quoted": ""])
        #expect(parsed.curve == [:])
    }
}
