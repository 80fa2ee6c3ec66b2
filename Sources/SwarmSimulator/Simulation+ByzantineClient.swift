import SwarmCore
import SwarmMemory
import SwarmWire

extension Simulation {
    /// Identities the Byzantine client draws fresh ones from (keys after the honest ones).
    static let freshIdentities = 32
    /// How many requests it sends in a run, one every 20 time units.
    static let byzantineClientSendLimit = 40

    /// The Byzantine client (issue 14): one request id signed for two operations, each
    /// sent to half of the replicas, or a request from an identity never seen before.
    /// Signatures are valid: it holds its keys. Its operations use their own namespace,
    /// so the honest clients' reads (S5) are judged on their own writes.
    func byzantineClientTick() {
        guard byzantineClientSends < Simulation.byzantineClientSendLimit else { return }
        queue.push(.byzantineClientTick, at: time + 2 * tickPeriodBase)
        byzantineClientSends += 1
        let namespace = Array("byz".utf8)
        let base = options.clientCount
        func put(_ value: [UInt8]) -> [UInt8] { MemoryOperation.put(namespace: namespace, key: Array("k\(random.int(0 ... 3))".utf8), value: value).encoded() }
        var sends: [(index: Int, request: ClientRequest, to: [ReplicaID])] = []
        let everyone = (0 ..< ReplicaID(options.replicaCount)).map { $0 }
        if random.chance(0.5) {
            // One id, two operations: the first half of the replicas hears one, the rest the other.
            let requestID = UInt64(byzantineClientSends / 2 + 1)
            let key = keys.clientKeys[base]
            let half = everyone.count / 2
            sends.append((base, ClientRequest(client: key, requestID: requestID, operation: put([1])), Array(everyone.prefix(half))))
            sends.append((base, ClientRequest(client: key, requestID: requestID, operation: put([2])), Array(everyone.dropFirst(half))))
        } else {
            let index = base + 1 + random.int(0 ... Simulation.freshIdentities - 1)
            sends.append((index, ClientRequest(client: keys.clientKeys[index], requestID: 1, operation: put(random.bytes(4))), everyone))
        }
        for (index, request, targets) in sends {
            checker.issuedByByzantineClient[RequestKey(client: request.client, requestID: request.requestID), default: []].insert(request.operation)
            let message = keys.signRequest(request, client: index, cluster: configuration.cluster)
            for target in nodes.indices where targets.contains(nodes[target].id) {
                if random.chance(profile.lossProbability) { continue }
                queue.push(.deliver(message, from: nil, to: target), at: time + random.int(profile.minimumDelay ... profile.maximumDelay))
            }
        }
    }
}
