import SwarmCore
import SwarmFaults
import SwarmMemory
import SwarmMonitorCore
import SwarmWire

/// What a run produced.
public struct SimulationResult: Sendable {
    public var options: SimulationOptions
    public var profile: FaultProfile
    public var violations: [Violation]
    public var traceHash: UInt64
    public var committedSequences: SequenceNumber
    public var executedRequests: Int
    public var completedRequests: Int
    public var highestView: ViewNumber
    public var viewChanges: Int
    public var stateTransfers: Int
    public var crashes: Int
    /// Replica ids that correct replicas reported with equivocation evidence.
    public var accused: [ReplicaID: Int]
    /// Replica ids a monitor watching every message named with evidence, and whether it
    /// named each before any correct replica went more than one view past the conflict.
    public var monitorNamed: [ReplicaID: Bool]
    /// Replica ids the monitor found flooding far-future messages.
    public var monitorFlooders: Set<ReplicaID>
    /// Every finding of the security monitor, in order, with the simulated time.
    public var monitorFindings: [TimedFinding]
    /// The responses it recommended, in order.
    public var monitorResponses: [Response]
    /// The highest threat level it assessed during the run.
    public var highestThreat: ThreatLevel
    public var events: Int
    public var endTime: Int
    public var trace: [String]

    public var passed: Bool { violations.isEmpty }
}

/// One deterministic run: n instances of the real core (plus twins and Byzantine
/// replicas), seeded network, clocks and storage, and invariant checks on every step.
/// A safety phase with faults is followed by a liveness phase after healing
/// (TigerBeetle's VOPR, ACCEPTANCE scenarios 1–3).
public final class Simulation {
    enum Event {
        case deliver(SignedMessage, from: Int?, to: Int)
        case reply(SignedMessage, to: Int)
        case tick(Int)
        case clientTick(Int)
        case byzantineClientTick
        case crash(Int)
        /// A lasting crash (`SimulationOptions.lastingCrashes`): down until the run ends.
        case crashForGood(Int)
        case restart(Int)
        case repartition
        case heal
        /// The monitor hands equivocation evidence to a replica (its quarantine response).
        case handOver(Evidence, to: Int)
    }

    struct Node {
        let index: Int
        let id: ReplicaID
        let correct: Bool
        /// Its lies, when it is one of the Byzantine replicas (`SwarmFaults`).
        var byzantine: ByzantineReplica?
        var replica: Replica<SwarmMemory>
        var durable = DurableState()
        var up = true
        var cutNextStep = false
        /// Crashed for good: never restarted, not counted for liveness and convergence
        /// (it is one of the f faulty replicas), still checked for what it did before.
        var downForGood = false
    }

    /// A simulated client: the shipping client rule (`ClientCore`) plus the workload's
    /// pacing. Only the pacing draws from the seed.
    struct Client {
        let index: Int
        var core: ClientCore
        var key: ClientKey { core.key }
        var nextSendTime = 0
        var completed = 0
        /// With `readBack`: the key of the write just completed, read next.
        var readBack: [UInt8]?
        /// An admin's ordered controls, sent before the workload (`orderedQuarantine`).
        var orders: [OrderedControl] = []
    }

    let options: SimulationOptions
    let configuration: Configuration
    let keys: SimulatedKeys
    let verifier: any ProtocolCrypto
    var random: SeededRandom
    var profile: FaultProfile
    var queue = EventQueue<Event>()
    var time = 0
    var nodes: [Node] = []
    var clients: [Client] = []
    var checker: Checker
    var hash = TraceHash()
    var trace: [String] = []
    var reach: [[Bool]]
    var clientReach: [[Bool]]
    var healed = false
    var healTime = 0
    var acceptedAfterHeal = 0
    var workAtHeal = false
    var events = 0
    var crashes = 0
    var accused: [ReplicaID: Int] = [:]
    var security: SecurityMonitor
    var monitorFindings: [TimedFinding] = []
    var monitorResponses: [Response] = []
    var highestThreat = ThreatLevel.none
    var monitorNamed: [ReplicaID: Bool] = [:]
    var monitorFlooders = Set<ReplicaID>()
    /// The Byzantine client's sends so far (`byzantineClient`).
    var byzantineClientSends = 0
    let tickPeriodBase = 10

    /// The simulated cluster's configuration: small K and L so that checkpoints, garbage
    /// collection and watermarks are exercised in every run, and chunks of 64 bytes so
    /// that every state transfer fetches a state of many chunks from several replicas.
    public static func configuration(replicaCount: Int, protectionLevel: ProtectionLevel = .standard) -> Configuration {
        try! Configuration(
            replicaCount: replicaCount,
            cluster: ClusterBinding(clusterName: "sim", epoch: 1),
            checkpointInterval: 4,
            watermarkWindow: 16,
            maxBatchRequests: 4,
            batchTimeoutTicks: 1,
            requestTimeoutTicks: 30,
            viewChangeTimeoutTicks: 30,
            maxViewChangeTimeoutTicks: 240,
            retransmitTicks: 8,
            stateTransferTimeoutTicks: 15,
            stateChunkBytes: 64,
            maxPendingRequests: 256,
            maxViewsAhead: 32,
            wireLimits: WireLimits(maxSnapshotBytes: 64 << 16),
            protectionLevel: protectionLevel
        )
    }

    /// Ticks within which commits must resume after healing: 2 × the largest view-change
    /// timeout plus 5 s (500 ticks of 10 ms), in simulated time.
    var livenessBound: Int { (2 * configuration.maxViewChangeTimeoutTicks + 500) * 13 }

    public static func run(_ options: SimulationOptions) -> SimulationResult {
        let simulation = Simulation(options)
        return simulation.execute()
    }

    init(_ options: SimulationOptions) {
        precondition(options.twins <= options.replicaCount, "more twins than replicas")
        self.options = options
        keys = SimulatedKeys(
            scheme: options.keyScheme, replicaCount: options.replicaCount,
            clientCount: options.clientCount + (options.byzantineClient ? 1 + Simulation.freshIdentities : 0))
        var configuration = Simulation.configuration(replicaCount: options.replicaCount, protectionLevel: options.protectionLevel)
        // With --order-quarantine client 0 is an admin: its first requests are the orders.
        if !options.orderedQuarantine.isEmpty { configuration.adminClients = [keys.clientKeys[0]] }
        self.configuration = configuration
        verifier = keys.verifier
        random = SeededRandom(seed: options.seed)
        let nodeCount = options.replicaCount + options.twins
        profile = FaultProfile.draw(&random, nodeCount: nodeCount, enabled: options.faults)
        reach = Array(repeating: Array(repeating: true, count: nodeCount), count: nodeCount)
        clientReach = Array(repeating: Array(repeating: true, count: nodeCount), count: options.clientCount)
        let twinIDs = (0 ..< options.twins).map { ReplicaID($0) }
        let faulty = Set(twinIDs + (options.byzantine == nil ? [] : options.byzantineReplicas))
        checker = Checker(configuration: configuration, verifier: verifier, correctIDs: Set((0 ..< options.replicaCount).map { ReplicaID($0) }).subtracting(faulty))
        security = SecurityMonitor(
            configuration: configuration, crypto: verifier, profile: options.monitorProfile, tickMicroseconds: UInt64(tickPeriodBase) * Simulation.microsecondsPerTimeUnit)
        let ids = (0 ..< options.replicaCount).map { ReplicaID($0) } + twinIDs
        for (index, id) in ids.enumerated() {
            let byzantine = options.byzantine != nil && options.byzantineReplicas.contains(id)
            let correct = !byzantine && !twinIDs.contains(id)
            var replica = Replica(configuration: replicaConfiguration(correct: correct), id: id, crypto: replicaCrypto(for: id), service: SwarmMemory())
            replica.seedTimeoutJitter(Simulation.jitterSeed(options.seed, node: index, start: 0))
            let lies = byzantine ? options.byzantine.map { ByzantineReplica($0, id: id, configuration: self.configuration, crypto: keys.crypto(for: id)) } : nil
            nodes.append(Node(index: index, id: id, correct: correct, byzantine: lies, replica: replica))
        }
        var clientConfiguration = self.configuration
        if options.plantedFaults.contains(.weakWriteQuorum) { clientConfiguration.writeQuorum = clientConfiguration.weakQuorum }
        if options.plantedFaults.contains(.oneReplyReads) { clientConfiguration.readQuorum = 1 }
        let retransmitAfter = UInt64(Simulation.clientRetransmitTicks * tickPeriodBase)
        clients = keys.clientKeys.prefix(options.clientCount).enumerated().map { index, key in
            // The paper's client (section 2.1): first to the primary it believes in, then
            // to every replica. The simulated network needs no reply route.
            Client(
                index: index, core: ClientCore(configuration: clientConfiguration, key: key, sendRule: .primaryFirst, introducesItself: false, retransmitAfter: retransmitAfter),
                orders: index == 0 ? options.orderedQuarantine.map { .quarantine($0) } : [])
        }
    }

    func execute() -> SimulationResult {
        for node in nodes { queue.push(.tick(node.index), at: random.int(1 ... profile.tickPeriods[node.index])) }
        for client in clients { queue.push(.clientTick(client.index), at: random.int(1 ... 20)) }
        if options.byzantineClient { queue.push(.byzantineClientTick, at: random.int(1 ... 20)) }
        if options.faults || options.twins > 0 { queue.push(.repartition, at: profile.partitionPeriod) }
        queue.push(.heal, at: options.safetyPhaseTime)
        // Drawn only when asked for, so that runs without lasting crashes replay as before.
        for id in options.lastingCrashes {
            queue.push(.crashForGood(Int(id)), at: random.int(1 ... options.safetyPhaseTime))
        }
        let hardStop = options.safetyPhaseTime + 4 * livenessBound
        while let entry = queue.pop() {
            time = entry.time
            events += 1
            hash.mix(UInt64(time))
            handle(entry.event)
            if !checker.violations.isEmpty || time > hardStop { break }
            if healed, events % 64 == 0, finished() { break }
            if healed, time > healTime + livenessBound, workAtHeal, acceptedAfterHeal == 0, !options.isSafetyOnly {
                checker.fail(.liveness, time, "no request completed within \(livenessBound) time units of healing")
                break
            }
        }
        if checker.violations.isEmpty, !options.isSafetyOnly, !finished() {
            checker.fail(.liveness, time, "after healing the cluster did not finish the workload and converge: \(convergenceReport())")
        }
        if checker.violations.isEmpty, !options.isSafetyOnly { checkDurabilityAtEnd() }
        return result()
    }

    func result() -> SimulationResult {
        let correct = nodes.filter(\.correct)
        return SimulationResult(
            options: options,
            profile: profile,
            violations: checker.violations,
            traceHash: hash.value,
            committedSequences: correct.map(\.replica.lastExecuted).max() ?? 0,
            executedRequests: correct.map(\.replica.metrics.executedRequests).max() ?? 0,
            completedRequests: clients.map(\.completed).reduce(0, +),
            highestView: nodes.map(\.replica.view).max() ?? 0,
            viewChanges: correct.map(\.replica.metrics.viewChangesStarted).reduce(0, +),
            stateTransfers: correct.map(\.replica.metrics.stateTransfers).reduce(0, +),
            crashes: crashes,
            accused: accused,
            monitorNamed: monitorNamed,
            monitorFlooders: monitorFlooders,
            monitorFindings: monitorFindings,
            monitorResponses: monitorResponses,
            highestThreat: highestThreat,
            events: events,
            endTime: time,
            trace: trace
        )
    }

    // MARK: Events

    func handle(_ event: Event) {
        switch event {
        case let .deliver(message, from, to):
            hash.mix(UInt64(to))
            hash.mix(message.frame)
            guard nodes[to].up else { return }
            if options.trace {
                trace.append("t=\(time) \(from.map { "r\(nodes[$0].id)" } ?? "client") → r\(nodes[to].id)\(nodes[to].index >= options.replicaCount ? "'" : "") \(message)")
            }
            nodes[to].byzantine?.observe(inbound: message)
            // The receiver's tap names the signer as the peer, as `MonitorTap` does.
            observe(message, at: to, .inbound, peer: message.payload.replicaSender)
            step(to) { $0.receive(message) }
            if let second = plantedSecondVote(message, to: to) { step(to) { $0.receive(second) } }
        case let .reply(message, client):
            hash.mix(UInt64(client))
            hash.mix(message.frame)
            clientReceive(message, client: client)
        case let .tick(index):
            queue.push(.tick(index), at: time + profile.tickPeriods[index])
            guard nodes[index].up else { return }
            step(index) { $0.tick() }
            byzantineTick(index)
            if index == 0 { monitorTick() }
        case let .clientTick(index):
            queue.push(.clientTick(index), at: time + tickPeriodBase)
            clientTick(index)
        case .byzantineClientTick:
            byzantineClientTick()
        case let .crash(index):
            guard nodes[index].up, !healed else { return }
            if random.chance(0.5) {
                nodes[index].cutNextStep = true
            } else {
                crash(index)
            }
        case let .crashForGood(index):
            nodes[index].downForGood = true
            if options.trace { trace.append("t=\(time) r\(nodes[index].id) down for good") }
            crash(index)
        case let .restart(index):
            restart(index)
        case .repartition:
            guard !healed else { return }
            repartition()
            queue.push(.repartition, at: time + profile.partitionPeriod)
        case .heal:
            heal()
        case let .handOver(evidence, index):
            guard nodes[index].up else { return }
            if options.trace { trace.append("t=\(time) monitor → r\(nodes[index].id) evidence against r\(evidence.first.payload.replicaSender ?? .max)") }
            step(index) { $0.act(on: evidence).directives }
        }
    }

    /// The jitter seed of a replica's start: what a node draws from real randomness, here
    /// a function of the run's seed so that the run replays (no draw from `random`).
    static func jitterSeed(_ seed: UInt64, node: Int, start: Int) -> UInt64 {
        seed &* 0x9E37_79B9_7F4A_7C15 ^ UInt64(node) << 32 ^ UInt64(start)
    }

    /// Runs one input through a node's core and performs the directives, checking the
    /// invariants afterwards. A node marked to crash stops at a random directive, which
    /// may fall between a persist and the send it guards.
    func step(_ index: Int, _ input: (inout Replica<SwarmMemory>) -> [Directive]) {
        var directives = plantedOutbound(input(&nodes[index].replica), node: index)
        if nodes[index].byzantine != nil {
            directives = byzantine(node: index, directives)
        }
        var cut: Int?
        if nodes[index].cutNextStep, !healed {
            nodes[index].cutNextStep = false
            cut = random.int(0 ... directives.count)
        }
        perform(directives, node: index, cutAt: cut)
        if nodes[index].correct, nodes[index].up {
            checker.onStep(nodes[index].replica, node: index, time: time)
        }
        for copy in plantedOwnVotes(directives, node: index) where nodes[index].up { step(index) { $0.receive(copy) } }
    }

    func perform(_ directives: [Directive], node index: Int, cutAt cut: Int?) {
        let node = nodes[index]
        for (position, directive) in directives.enumerated() {
            if position == cut {
                crash(index)
                return
            }
            switch directive {
            case let .persist(record):
                if storageKeeps(record, correct: node.correct) { nodes[index].durable.apply(record) }
                if node.correct, case let .committed(entry) = record { checker.onCommitted(entry, replica: node.id, time: time) }
            case let .broadcast(message):
                observe(message, at: index, .outbound, peer: nil)
                if node.correct { checker.onSent(message, replica: node.id, time: time) }
                for target in nodes.indices where nodes[target].id != node.id { transmit(message, from: index, to: target) }
            case let .send(message, to: replica):
                observe(message, at: index, .outbound, peer: replica)
                if node.correct { checker.onSent(message, replica: node.id, time: time) }
                for target in nodes.indices where nodes[target].id == replica && target != index { transmit(message, from: index, to: target) }
            case let .reply(reply, readOnly):
                if node.correct, !readOnly { checker.onReply(reply, time: time) }
                guard let client = clients.firstIndex(where: { $0.key == reply.client }) else { continue }
                let signed = SignedMessage.sign(.reply(reply), cluster: configuration.cluster) { keys.crypto(for: node.id).sign($0) }
                transmitToClient(signed, from: index, to: client)
            case let .executed(batch):
                if node.correct { checker.onExecuted(batch, replica: node.id, time: time) }
            case let .stableCheckpoint(sequence, digest):
                if node.correct { checker.onStableCheckpoint(sequence, digest, replica: node.id, time: time) }
            case let .enteredView(view):
                if options.trace { trace.append("t=\(time) r\(node.id) entered view \(view)") }
            case let .alert(alert):
                // Accused with proof: evidence the replica found itself, or evidence handed
                // to it that it verified (the monitor's quarantine response).
                if node.correct {
                    switch alert {
                    case let .equivocation(evidence):
                        if let accusedID = evidence.first.payload.replicaSender { accused[accusedID, default: 0] += 1 }
                    case let .evidenceVerified(slot, cause: .evidence):
                        accused[slot.signer, default: 0] += 1
                    default: break
                    }
                }
                if options.trace { trace.append("t=\(time) r\(node.id) alert \(alert)") }
            }
        }
    }

    // MARK: Network

    func transmit(_ message: SignedMessage, from: Int, to: Int) {
        guard reach[from][to] else { return }
        if random.chance(profile.lossProbability) { return }
        queue.push(.deliver(message, from: from, to: to), at: time + random.int(profile.minimumDelay ... profile.maximumDelay))
        if random.chance(profile.duplicationProbability) {
            queue.push(.deliver(message, from: from, to: to), at: time + random.int(profile.minimumDelay ... profile.maximumDelay))
        }
    }

    func transmitToClient(_ message: SignedMessage, from: Int, to client: Int) {
        guard clientReach[client][from] else { return }
        if random.chance(profile.lossProbability) { return }
        queue.push(.reply(message, to: client), at: time + random.int(profile.minimumDelay ... profile.maximumDelay))
    }

    func transmitFromClient(_ message: SignedMessage, client: Int, to replica: ReplicaID) {
        for target in nodes.indices where nodes[target].id == replica {
            guard clientReach[client][target] else { continue }
            if random.chance(profile.lossProbability) { continue }
            queue.push(.deliver(message, from: nil, to: target), at: time + random.int(profile.minimumDelay ... profile.maximumDelay))
        }
    }

    /// Draws a new partition: none, a symmetric split, an isolated replica, one-way
    /// drops, or (with twins) two or three groups that clients are spread over.
    func repartition() {
        let count = nodes.count
        for from in 0 ..< count { for to in 0 ..< count { reach[from][to] = true } }
        for client in clients.indices { for to in 0 ..< count { clientReach[client][to] = true } }
        if options.twins > 0 {
            let groups = random.int(2 ... 3)
            let membership = (0 ..< count).map { _ in random.int(0 ... groups - 1) }
            for from in 0 ..< count { for to in 0 ..< count { reach[from][to] = membership[from] == membership[to] || (random.chance(0.1)) } }
            for client in clients.indices {
                let group = random.int(0 ... groups - 1)
                for to in 0 ..< count { clientReach[client][to] = membership[to] == group }
            }
        } else if profile.partitions {
            switch random.int(0 ... 3) {
            case 0:
                break
            case 1:
                let side = (0 ..< count).map { _ in random.chance(0.5) }
                for from in 0 ..< count { for to in 0 ..< count where side[from] != side[to] { reach[from][to] = false } }
            case 2:
                let isolated = random.int(0 ... count - 1)
                for other in 0 ..< count where other != isolated {
                    reach[isolated][other] = false
                    reach[other][isolated] = false
                }
            default:
                for from in 0 ..< count { for to in 0 ..< count where from != to && random.chance(0.3) { reach[from][to] = false } }
            }
        }
        if profile.crashes, random.chance(profile.crashProbabilityPerPeriod) {
            let victim = random.int(0 ... count - 1)
            queue.push(.crash(victim), at: time + random.int(0 ... profile.partitionPeriod))
        }
    }

    /// Ends the safety phase: the network heals (no partitions, no loss), every crashed
    /// replica restarts, and the liveness phase begins.
    func heal() {
        healed = true
        healTime = time
        workAtHeal = clients.contains { $0.completed < options.requestsPerClient }
        profile.lossProbability = 0
        let count = nodes.count
        for from in 0 ..< count { for to in 0 ..< count { reach[from][to] = true } }
        for client in clients.indices { for to in 0 ..< count { clientReach[client][to] = true } }
        for index in nodes.indices where !nodes[index].up { restart(index) }
        if options.trace { trace.append("t=\(time) healed") }
    }

    func crash(_ index: Int) {
        guard nodes[index].up else { return }
        nodes[index].up = false
        crashes += 1
        if options.trace { trace.append("t=\(time) r\(nodes[index].id) crashed") }
        if !healed, !nodes[index].downForGood { queue.push(.restart(index), at: time + random.int(50 ... 1500)) }
    }

    /// A restarted replica keeps what it persisted and loses everything else.
    func restart(_ index: Int) {
        guard !nodes[index].up, !nodes[index].downForGood else { return }
        let node = nodes[index]
        do {
            var replica = try Replica(
                restoring: node.durable, configuration: replicaConfiguration(correct: node.correct), id: node.id, crypto: replicaCrypto(for: node.id), service: SwarmMemory())
            replica.seedTimeoutJitter(Simulation.jitterSeed(options.seed, node: index, start: crashes))
            nodes[index].up = true
            let directives = replica.recover()
            nodes[index].replica = replica
            if options.trace {
                let durable = node.durable
                trace.append(
                    "t=\(time) r\(node.id) restarted in view \(replica.view) at \(replica.lastExecuted); durable stable \(durable.stable?.sequence ?? 0), committed \(durable.committed.keys.sorted()), prepared \(durable.prepared.keys.sorted()), accepted \(durable.accepted.keys.sorted())"
                )
            }
            perform(directives, node: index, cutAt: nil)
            if node.correct { checker.onStep(nodes[index].replica, node: index, time: time) }
        } catch {
            checker.fail(.durability, time, "replica \(node.id) cannot restart from its durable state: \(error)")
        }
    }

    // MARK: Liveness

    /// L1 after healing: every request completed, and every correct replica still running
    /// executed the same sequence to the same state, and is in the one view the others
    /// operate in (issue 14: a replica left behind the view, defect E, is not live).
    func finished() -> Bool {
        guard clients.allSatisfy({ $0.completed >= options.requestsPerClient }) else { return false }
        let correct = nodes.filter { $0.correct && !$0.downForGood }
        guard let first = correct.first else { return true }
        let head = first.replica.lastExecuted
        guard correct.allSatisfy({ $0.up && $0.replica.lastExecuted == head }) else { return false }
        guard inOneView(correct.map(\.replica)) else { return false }
        let digest = first.replica.currentStateDigest()
        return correct.allSatisfy { $0.replica.currentStateDigest() == digest }
    }

    /// The correct replicas in normal status are all in one view V, and every other one is
    /// changing to a view above V. A replica that sent a VIEW-CHANGE for V + 1 must never
    /// take part in V again (section 4.5.2), so one that timed out after the last request
    /// waits, alone, until the next request times out at the others and they join it; one
    /// changing to V or below while the others run V is left out for good (defect E).
    func inOneView(_ replicas: [Replica<SwarmMemory>]) -> Bool {
        let normalViews = Set(replicas.filter { $0.status == .normal }.map(\.view))
        guard normalViews.count <= 1 else { return false }
        guard let view = normalViews.first else { return true }
        return replicas.allSatisfy { $0.status == .normal || $0.view > view }
    }

    func convergenceReport() -> String {
        let done = clients.map(\.completed).reduce(0, +)
        let heads = nodes.map {
            "r\($0.id)\($0.correct ? "" : "*"):v\($0.replica.view)\($0.replica.status == .normal ? "" : "~")@\($0.replica.lastExecuted)#\($0.replica.currentStateDigest())"
        }.joined(separator: " ")
        return "\(done)/\(options.requestsPerClient * clients.count) requests done; \(heads)"
    }

    /// S3 at the end: every request a client accepted is in every correct replica's state.
    func checkDurabilityAtEnd() {
        for client in clients {
            // Read-only requests are never ordered: the last accepted ordered one counts.
            var accepted = client.core.nextRequestID - (client.core.pending == nil ? 1 : 2)
            while accepted > 0, checker.reads[RequestKey(client: client.key, requestID: accepted)] != nil { accepted -= 1 }
            guard accepted > 0 else { continue }
            for node in nodes where node.correct && !node.downForGood {
                let executed = node.replica.lastExecutedRequestID(for: client.key) ?? 0
                if executed < accepted {
                    checker.fail(.durability, time, "client \(client.key) accepted request \(accepted) but correct replica \(node.id) executed only up to \(executed)")
                }
            }
        }
    }
}

extension SimulationOptions {
    /// Twins runs check safety only: with twins the liveness argument does not apply.
    var isSafetyOnly: Bool { twins > 0 }
}
