import Foundation
import Testing
import SwarmTestKit

/// Issue #13: docs/architecture.md's rooms table is Package.swift's target graph, and the
/// layout rules hold (only the command line links the daemon; pure rooms link no effects).
/// Both files are read as text from the checkout, so a change to either that does not
/// change the other fails here.
@Suite("Architecture: the rooms table is Package.swift")
struct ArchitectureTests {
    static let root = TestKit.repositoryRoot

    /// Source targets of Package.swift (systemLibrary, target, executableTarget) and the
    /// names of their dependencies (targets, and products by product name).
    static func packageTargets(_ text: String) -> [String: Set<String>] {
        var targets: [String: Set<String>] = [:]
        let starts = [".systemLibrary(", ".target(", ".executableTarget("]
        var rest = Substring(text)
        while let range = starts.compactMap({ rest.range(of: $0) }).min(by: { $0.lowerBound < $1.lowerBound }) {
            rest = rest[range.upperBound...]
            guard let nameRange = rest.range(of: #"name: "([^"]+)""#, options: .regularExpression) else { break }
            let name = String(rest[nameRange].dropFirst(7).dropLast())
            // The block ends at the next target; its dependencies are within it.
            let next = starts.compactMap { rest.range(of: $0)?.lowerBound }.min() ?? rest.endIndex
            let block = rest[..<next]
            var dependencies = Set<String>()
            if let open = block.range(of: "dependencies: [") {
                var depth = 1, index = open.upperBound
                while index < block.endIndex, depth > 0 {
                    if block[index] == "[" { depth += 1 }
                    if block[index] == "]" { depth -= 1 }
                    index = block.index(after: index)
                }
                var list = String(block[open.upperBound ..< index])
                list = list.replacingOccurrences(of: #"\.product\(name: ("[^"]+"), package: "[^"]+"\)"#, with: "$1", options: .regularExpression)
                let quoted = try! NSRegularExpression(pattern: #""([^"]+)""#)
                for match in quoted.matches(in: list, range: NSRange(list.startIndex..., in: list)) {
                    dependencies.insert(String(list[Range(match.range(at: 1), in: list)!]))
                }
            }
            targets[name] = dependencies
        }
        return targets
    }

    /// The rooms table of docs/architecture.md: target → its "depends on" cell.
    static func documentedRooms(_ text: String) -> [String: Set<String>] {
        var rooms: [String: Set<String>] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("| `") {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 5 else { continue }
            let name = cells[1].trimmingCharacters(in: CharacterSet(charactersIn: "`"))
            let cell = cells[3]
            rooms[name] = cell == "—" ? [] : Set(cell.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        }
        return rooms
    }

    func read(_ path: String) throws -> String { try String(contentsOf: Self.root.appendingPathComponent(path), encoding: .utf8) }

    @Test("Every source target is a row of the rooms table, with exactly its dependencies")
    func tableMatchesPackage() throws {
        let package = Self.packageTargets(try read("Package.swift"))
        let documented = Self.documentedRooms(try read("docs/architecture.md"))
        #expect(package.count >= 20, "the Package.swift parser found only \(package.keys.sorted())")
        #expect(
            Set(package.keys) == Set(documented.keys),
            "targets only in Package.swift: \(Set(package.keys).subtracting(documented.keys).sorted()); only in the docs: \(Set(documented.keys).subtracting(package.keys).sorted())"
        )
        for (target, dependencies) in package {
            #expect(documented[target] == dependencies, "\(target): Package.swift \(dependencies.sorted()), docs/architecture.md \(documented[target]?.sorted() ?? [])")
        }
    }

    @Test("Only the command line links the daemon; the pure rooms link no effects")
    func layoutRules() throws {
        let package = Self.packageTargets(try read("Package.swift"))
        #expect(package.filter { $0.value.contains("SwarmNode") }.keys.sorted() == ["swarmbft"])
        #expect(package.filter { $0.value.contains("SwarmTestKit") }.isEmpty, "test support linked by \(package.filter { $0.value.contains("SwarmTestKit") }.keys.sorted())")
        let effects: Set<String> = ["CSodium", "CZeroMQ", "SwarmCrypto", "ZeroMQ", "SwarmAuth", "Logging", "Yams", "GRDB"]
        for pure in ["SwarmWire", "SwarmCore", "SwarmMonitorCore"] {
            #expect(package[pure]?.isDisjoint(with: effects) == true, "\(pure) links \(package[pure]?.intersection(effects).sorted() ?? [])")
        }
    }

    @Test("Negative control: the checks see a drifted table and a new dependency on the daemon")
    func driftIsCaught() throws {
        let text = try read("docs/architecture.md")
        // The client's row, its dependency cell swapped for one naming the daemon.
        let drifted = Self.documentedRooms(
            text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
                guard line.hasPrefix("| `SwarmClient` |") else { return String(line) }
                return "| `SwarmClient` | blocking client | SwarmCore, SwarmWire, SwarmCrypto, SwarmAuth, SwarmNode, ZeroMQ | one owner thread |"
            }.joined(separator: "\n"))
        #expect(drifted["SwarmClient"]?.contains("SwarmNode") == true, "the drifted row was not found")
        let package = Self.packageTargets(try read("Package.swift"))
        #expect(drifted["SwarmClient"] != package["SwarmClient"])
        let leaking = Self.packageTargets(
            try read("Package.swift").replacingOccurrences(
                of: #"name: "SwarmClient",\#n            dependencies: ["#, with: #"name: "SwarmClient",\#n            dependencies: ["SwarmNode", "#))
        #expect(leaking.filter { $0.value.contains("SwarmNode") }.keys.sorted() == ["SwarmClient", "swarmbft"])
    }
}
