import Foundation
import SwarmSimulator

/// Sweep sizes are the CI bars; `SWARMBFT_SWEEP_SCALE=0.05` shrinks them for a quick
/// local debug run (the CI runs at scale 1 in release mode).
func seeds(_ count: Int) -> Range<UInt64> {
    let scale = Double(ProcessInfo.processInfo.environment["SWARMBFT_SWEEP_SCALE"] ?? "1") ?? 1
    return 1 ..< 1 + UInt64(max(1, Int(Double(count) * scale)))
}

func describe(_ summary: SweepSummary) -> String {
    var text = summary.description
    for failure in summary.failures {
        text += "\n  seed \(failure.options.seed): \(failure.violations.map(\.description).joined(separator: "; "))\n  replay: \(failure.options.replayCommand)"
    }
    return text
}

/// Runs seeds until one violates an invariant; nil if none did.
func firstViolation(_ options: SimulationOptions, within range: Range<UInt64>) -> SimulationResult? {
    for seed in range {
        var seeded = options
        seeded.seed = seed
        let result = Simulation.run(seeded)
        if !result.passed { return result }
    }
    return nil
}
