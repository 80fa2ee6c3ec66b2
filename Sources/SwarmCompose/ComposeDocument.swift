import Foundation
import SwarmTopology
import Yams

/// A parsed compose file, read defensively: every accessor tolerates the shapes compose
/// allows (short and long syntax) and returns nothing rather than crash on others.
struct ComposeDocument {
    let root: [String: Any]

    init(yaml: String) throws {
        // Yams applies `<<` merge keys while loading, so services see x-replica's keys.
        guard let root = try Yams.load(yaml: yaml) as? [String: Any] else {
            throw TopologyError("the compose file is not a YAML mapping")
        }
        self.root = root
    }

    func topLevel(_ key: String) -> [String: Any] { root[key] as? [String: Any] ?? [:] }
    var services: [String: [String: Any]] { topLevel("services").compactMapValues { $0 as? [String: Any] ?? [:] } }

    /// Names a service lists under `key` (networks, secrets, configs, depends_on), in
    /// either list form (`- name`, `- source: name`) or mapping form (`name: {...}`).
    static func references(_ service: [String: Any], _ key: String) -> [String] {
        if let mapping = service[key] as? [String: Any] { return mapping.keys.sorted() }
        guard let list = service[key] as? [Any] else { return [] }
        return list.compactMap { item in
            if let name = item as? String { return name }
            return (item as? [String: Any])?["source"] as? String
        }
    }

    /// `(source, target)` of the configs or secrets a service mounts.
    static func mounts(_ service: [String: Any], _ key: String) -> [(source: String, target: String?)] {
        (service[key] as? [Any] ?? []).compactMap { item in
            if let name = item as? String { return (name, nil) }
            guard let mapping = item as? [String: Any], let source = mapping["source"] as? String else { return nil }
            return (source, mapping["target"] as? String)
        }
    }

    /// Named volumes a service mounts (bind mounts and tmpfs are not top-level volumes).
    static func namedVolumes(_ service: [String: Any]) -> [String] {
        (service["volumes"] as? [Any] ?? []).compactMap { item in
            if let short = item as? String {
                let source = String(short.split(separator: ":").first ?? "")
                let isPath = source.hasPrefix(".") || source.hasPrefix("/") || source.hasPrefix("~") || source.hasPrefix("$")
                return short.contains(":") && !isPath ? source : nil
            }
            guard let mapping = item as? [String: Any], (mapping["type"] as? String ?? "volume") == "volume" else { return nil }
            return mapping["source"] as? String
        }
    }

    /// `(published, target)` host ports of a service; a range or an unreadable entry is nil.
    static func publishedPorts(_ service: [String: Any]) -> [(entry: String, published: Int?, target: Int?)] {
        (service["ports"] as? [Any] ?? []).map { item in
            if let mapping = item as? [String: Any] {
                return ("\(mapping)", integer(mapping["published"]), integer(mapping["target"]))
            }
            let entry = "\(item)"
            let parts = entry.split(separator: "/").first.map { $0.split(separator: ":").map(String.init) } ?? []
            // "target", "published:target" or "ip:published:target".
            let target = parts.last.flatMap { Int($0) }
            let published = parts.count >= 2 ? Int(parts[parts.count - 2]) : nil
            return (entry, published, target)
        }
    }

    /// Container ports a service exposes (`expose`).
    static func exposedPorts(_ service: [String: Any]) -> [Int] {
        (service["expose"] as? [Any] ?? []).compactMap { integer($0) }
    }

    /// Aliases a service has on one network.
    static func aliases(_ service: [String: Any], network: String) -> [String] {
        guard let networks = service["networks"] as? [String: Any], let attachment = networks[network] as? [String: Any] else { return [] }
        return (attachment["aliases"] as? [Any] ?? []).compactMap { $0 as? String }
    }

    /// The command as words (exec form or a shell string split on spaces).
    static func command(_ service: [String: Any]) -> [String] {
        if let words = service["command"] as? [Any] { return words.map { "\($0)" } }
        return (service["command"] as? String)?.split(separator: " ").map(String.init) ?? []
    }

    static func integer(_ value: Any?) -> Int? {
        if let number = value as? Int { return number }
        return (value as? String).flatMap { Int($0) }
    }
}
