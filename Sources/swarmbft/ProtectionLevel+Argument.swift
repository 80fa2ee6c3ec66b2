import ArgumentParser
import SwarmCore

/// `--protection-level` parses into the one `ProtectionLevel`: an unknown name is refused
/// by the parser, with the names listed.
extension ProtectionLevel: ExpressibleByArgument {
    public static var allValueStrings: [String] { allCases.map(\.rawValue) }
}
