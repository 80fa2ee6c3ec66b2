import ArgumentParser
import Foundation
import SwarmCrypto

/// `swarmbft keygen`: a certificate pair in the pyzmq/czmq format that also carries the
/// Ed25519 identity (docs/operations.md, "Keys").
struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Generate a CURVE + Ed25519 certificate pair (NAME.key, NAME.key_secret)."
    )

    @Option(help: "Certificate name, e.g. replica-0 or agent-7.") var name: String
    @Option(help: "Directory to write into (created with mode 0700 if missing).") var out: String
    @Flag(help: "Replace an existing certificate of this name (its secret key is lost).") var force = false

    func run() throws {
        // A secret key overwritten is an identity lost (issue 15, finding 10).
        let existing = ["\(out)/\(name).key", "\(out)/\(name).key_secret"].filter { FileManager.default.fileExists(atPath: $0) }
        guard existing.isEmpty || force else {
            throw ValidationError("\(existing.joined(separator: " and ")) already exist: refusing to overwrite a key (pass --force to replace it)")
        }
        let certificate = SecretCertificate.generate(name: name)
        let paths: (publicPath: String, secretPath: String)
        do {
            paths = try CertificateFile.write(certificate, directory: out)
        } catch {
            throw ValidationError("cannot write the certificate: \(error)")
        }
        let publicCertificate = certificate.publicCertificate
        print("public certificate: \(paths.publicPath)")
        print("secret certificate: \(paths.secretPath) (mode 0600: keep it private)")
        print("curve public key:   \(try Z85.encode(publicCertificate.curvePublicKey))")
        print("ed25519 public key: \(hexString(publicCertificate.ed25519PublicKey.bytes))")
    }
}
