import Foundation

/// What several test targets share: where the repository and the built `swarmbft` are,
/// and fresh scratch paths. Test-only; no production target depends on it. Helpers used
/// by one test target stay in it (the core tests' `Harness`, the process tests'
/// `LocalCluster`).
public enum TestKit {
    /// The repository's root, found from this file's own path (Sources/SwarmTestKit/).
    public static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// A file in the repository, by its path from the root (`docs/wire-protocol.md`).
    public static func repositoryFile(_ path: String) -> String {
        repositoryRoot.appendingPathComponent(path).path
    }

    /// The `swarmbft` built with the tests: next to the test bundle (Linux: the bundle's
    /// directory; macOS: the one above it), else the debug build.
    public static func swarmbftBinary() -> String {
        let bundleDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [
            bundleDirectory.appendingPathComponent("swarmbft").path,
            bundleDirectory.deletingLastPathComponent().appendingPathComponent("swarmbft").path,
        ] {
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return repositoryFile(".build/debug/swarmbft")
    }

    /// A path no other test uses, under the temporary directory: `swarmbft-NAME-XXXXXXXX`.
    public static func scratchPath(_ name: String) -> String {
        NSTemporaryDirectory() + "swarmbft-\(name)-\(UUID().uuidString.prefix(8))"
    }

    /// Runs the built `swarmbft` with `arguments` to its end: its exit status and what it
    /// printed (standard error too, unless `errors` is false).
    public static func runSwarmbft(_ arguments: [String], errors: Bool = true) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: swarmbftBinary())
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = errors ? pipe : FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
