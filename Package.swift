// swift-tools-version:6.0
// SwarmBFT: a Byzantine fault tolerant coordinator for swarms of agents.
// One target per room; see docs/architecture.md for what each room may depend on.
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

let package = Package(
    name: "SwarmBFT",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "swarmbft", targets: ["swarmbft"]),
        .library(name: "SwarmCore", targets: ["SwarmCore"]),
        .library(name: "SwarmWire", targets: ["SwarmWire"]),
        .library(name: "SwarmCrypto", targets: ["SwarmCrypto"]),
        .library(name: "ZeroMQ", targets: ["ZeroMQ"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
    ],
    targets: [
        // MARK: C shims (system libraries through pkg-config)
        .systemLibrary(
            name: "CSodium",
            pkgConfig: "libsodium",
            providers: [.apt(["libsodium-dev"])]
        ),
        .systemLibrary(
            name: "CZeroMQ",
            pkgConfig: "libzmq",
            providers: [.apt(["libzmq3-dev"])]
        ),

        // MARK: Pure rooms (no I/O, clocks, threads or randomness)
        .target(
            name: "SwarmWire",
            dependencies: [],
            swiftSettings: strict
        ),
        .target(
            name: "SwarmCore",
            dependencies: ["SwarmWire"],
            swiftSettings: strict
        ),
        .target(
            name: "SwarmMemory",
            dependencies: ["SwarmCore", "SwarmWire"],
            swiftSettings: strict
        ),
        .target(
            name: "SwarmFaults",
            dependencies: ["SwarmCore", "SwarmMemory", "SwarmWire"],
            swiftSettings: strict
        ),
        .target(
            name: "SwarmMonitorCore",
            dependencies: ["SwarmCore", "SwarmWire"],
            swiftSettings: strict
        ),

        // MARK: Effects over C libraries
        .target(
            name: "SwarmCrypto",
            dependencies: ["CSodium"],
            swiftSettings: strict
        ),
        .target(
            name: "ZeroMQ",
            dependencies: ["CZeroMQ"],
            swiftSettings: strict
        ),

        .target(
            name: "SwarmAuth",
            dependencies: ["SwarmCore", "SwarmWire", "SwarmCrypto"],
            swiftSettings: strict
        ),

        // MARK: Shells (effects around the pure core)
        .target(
            name: "SwarmTopology",
            dependencies: [
                "SwarmCore", "SwarmWire", "SwarmCrypto", "ZeroMQ",
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "SwarmNode",
            dependencies: [
                "SwarmCore", "SwarmMemory", "SwarmFaults", "SwarmWire", "SwarmCrypto", "SwarmAuth", "ZeroMQ", "SwarmTopology", "SwarmMonitorCore", "SwarmSecurityLog",
                "SwarmEvents",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "SwarmMonitor",
            dependencies: [
                "SwarmMonitorCore", "SwarmTopology", "SwarmClient", "SwarmCore", "SwarmWire", "SwarmCrypto", "SwarmAuth", "ZeroMQ", "SwarmEvents", "SwarmSecurityLog",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "SwarmSecurityLog",
            dependencies: ["SwarmWire", "SwarmCrypto"],
            swiftSettings: strict
        ),
        .target(
            name: "SwarmEvents",
            dependencies: ["SwarmSecurityLog", "SwarmCrypto", "ZeroMQ"],
            swiftSettings: strict
        ),
        .target(
            name: "SwarmEventSink",
            dependencies: ["SwarmEvents", "SwarmCrypto", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strict
        ),
        .target(
            name: "SwarmClient",
            dependencies: ["SwarmCore", "SwarmMemory", "SwarmWire", "SwarmCrypto", "SwarmAuth", "SwarmTopology", "ZeroMQ"],
            swiftSettings: strict
        ),

        // MARK: Orchestration (local replica processes, docker compose, benchmark)
        .target(
            name: "SwarmCompose",
            dependencies: ["SwarmTopology", .product(name: "Yams", package: "Yams")],
            swiftSettings: strict
        ),
        .target(
            name: "SwarmOrchestrator",
            dependencies: [
                "SwarmTopology", "SwarmClient", "SwarmCore", "SwarmMemory", "SwarmFaults", "SwarmWire", "SwarmCrypto", "SwarmAuth", "ZeroMQ", "SwarmMonitor", "SwarmSecurityLog",
            ],
            swiftSettings: strict
        ),
        .target(
            name: "SwarmBench",
            dependencies: [
                "SwarmOrchestrator", "SwarmTopology", "SwarmClient", "SwarmCore", "SwarmMemory", "SwarmWire", "SwarmCrypto", "SwarmAuth", "ZeroMQ",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            swiftSettings: strict
        ),

        // MARK: Simulation (drives the pure core with seeded faults)
        .target(
            name: "SwarmSimulator",
            dependencies: ["SwarmCore", "SwarmMemory", "SwarmFaults", "SwarmWire", "SwarmCrypto", "SwarmAuth", "SwarmMonitorCore"],
            swiftSettings: strict
        ),

        // MARK: Test support (linked by test targets only)
        .target(
            name: "SwarmTestKit",
            dependencies: [],
            swiftSettings: strict
        ),

        // MARK: Command line
        .executableTarget(
            name: "swarmbft",
            dependencies: [
                "SwarmCore", "SwarmMemory", "SwarmFaults", "SwarmWire", "SwarmCrypto", "SwarmAuth", "ZeroMQ", "SwarmSimulator", "SwarmTopology", "SwarmNode", "SwarmClient",
                "SwarmMonitorCore", "SwarmMonitor", "SwarmSecurityLog", "SwarmEvents", "SwarmEventSink", "SwarmOrchestrator", "SwarmCompose", "SwarmBench",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),

        // MARK: Tests (one target per source target it tests; SwarmProcessTests starts real processes)
        .testTarget(name: "SwarmCryptoTests", dependencies: ["SwarmCrypto", "SwarmTestKit"]),
        .testTarget(name: "ZeroMQTests", dependencies: ["ZeroMQ", "SwarmCrypto"]),
        .testTarget(name: "SwarmWireTests", dependencies: ["SwarmWire", "SwarmCrypto", "SwarmCore", "SwarmAuth", "SwarmSimulator"]),
        .testTarget(name: "SwarmCoreTests", dependencies: ["SwarmCore", "SwarmMemory", "SwarmWire", "SwarmSimulator"]),
        .testTarget(name: "SwarmFaultsTests", dependencies: ["SwarmFaults", "SwarmCore", "SwarmMemory", "SwarmWire", "SwarmSimulator"]),
        .testTarget(name: "SwarmMemoryTests", dependencies: ["SwarmMemory", "SwarmCore", "SwarmWire"]),
        .testTarget(name: "SwarmMonitorCoreTests", dependencies: ["SwarmMonitorCore", "SwarmCore", "SwarmWire", "SwarmAuth", "SwarmCrypto", "SwarmSimulator"]),
        .testTarget(
            name: "SwarmNodeTests", dependencies: ["SwarmNode", "SwarmTopology", "SwarmMonitor", "SwarmCore", "SwarmWire", "SwarmAuth", "SwarmCrypto", "ZeroMQ", "SwarmTestKit"]),
        .testTarget(name: "SwarmComposeTests", dependencies: ["SwarmCompose", "SwarmTopology", "SwarmWire", "SwarmTestKit"]),
        .testTarget(name: "SwarmSecurityLogTests", dependencies: ["SwarmSecurityLog", "SwarmCrypto", "SwarmSimulator", "SwarmTestKit"]),
        .testTarget(name: "SwarmEventsTests", dependencies: ["SwarmEvents", "SwarmSecurityLog", "SwarmCrypto", "ZeroMQ", "SwarmTestKit"]),
        .testTarget(name: "SwarmEventSinkTests", dependencies: ["SwarmEventSink", "SwarmEvents", "SwarmTestKit", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "SwarmSimulatorTests", dependencies: ["SwarmSimulator", "SwarmFaults", "SwarmCore", "SwarmWire", "SwarmMonitorCore"]),
        .testTarget(
            name: "SwarmProcessTests",
            dependencies: [
                "SwarmNode", "SwarmMemory", "SwarmTopology", "SwarmBench", "SwarmClient", "SwarmMonitor", "SwarmMonitorCore", "SwarmOrchestrator", "SwarmSecurityLog",
                "SwarmCore", "SwarmWire", "SwarmCrypto", "ZeroMQ", "SwarmEvents", "SwarmEventSink", "SwarmTestKit", .product(name: "GRDB", package: "GRDB.swift"),
            ]),
        .testTarget(name: "swarmbftTests", dependencies: ["SwarmTestKit"]),
    ],
    swiftLanguageModes: [.v6]
)
