/// One protection level for every room: the topology, the replicas' own defences, the
/// monitor's profiles and the command line all parse this enum, and an unknown name is
/// refused wherever it is read (never a silent fallback to `standard`).
/// The topology's `protection_level`: how eagerly the monitor suspects and how much it
/// does on its own. Higher levels detect more (lower thresholds) and respond more; every
/// level keeps the rule that only signed proof quarantines, and never more than f.
public enum ProtectionLevel: String, Sendable, CaseIterable, Codable {
    case minimal, standard, enhanced, maximum
}

extension ProtectionLevel {
    /// The names, for messages that refuse an unknown one: "minimal, standard, enhanced, maximum".
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
