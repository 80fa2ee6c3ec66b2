import Foundation
import Testing
import SwarmTestKit

/// docs/wire-protocol.md must stay true to the code: its test vectors are exactly what
/// the real encoder and signer produce (`swarmbft wire-vectors`).
@Suite("Wire protocol document")
struct WireProtocolDocTests {
    @Test("The documented test vectors are what the code produces")
    func vectorsMatch() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestKit.swarmbftBinary())
        process.arguments = ["wire-vectors"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let doc = try String(contentsOfFile: TestKit.repositoryFile("docs/wire-protocol.md"), encoding: .utf8)
        let lines = output.split(separator: "\n").map(String.init)
        #expect(lines.count >= 14)
        for line in lines {
            #expect(doc.contains(line + "\n"), "docs/wire-protocol.md lacks or differs at: \(line.prefix(60))…")
        }
    }
}
