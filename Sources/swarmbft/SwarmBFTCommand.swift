import ArgumentParser

/// `swarmbft`: one command line for keys, topology, nodes, monitors, clients, events,
/// deployment, simulation and benchmarks.
struct SwarmBFTCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swarmbft",
        abstract: "A Byzantine fault tolerant coordinator for swarms of agents.",
        subcommands: [
            KeygenCommand.self, SelfCheckCommand.self, TopologyCommand.self, NodeCommand.self, StatusCommand.self, ClientCommand.self, SimulateCommand.self,
            WireVectorsCommand.self, MonitorCommand.self, EvidenceCommand.self, LogCommand.self, EventsCommand.self, AdminCommand.self, MonitorProxyCommand.self, UpCommand.self,
            DeployCommand.self, HealthCommand.self, BenchCommand.self,
        ]
    )
}
