import SwarmCore
import SwarmWire

extension Simulation {
    /// A closed-loop client: one outstanding request, sent to the primary it believes in,
    /// broadcast to every replica when no answer comes (section 2.1).
    func clientTick(_ index: Int) {
        var client = clients[index]
        defer { clients[index] = client }
        if let pending = client.pending {
            if time - client.lastSend >= 30 * tickPeriodBase {
                client.lastSend = time
                for replica in 0 ..< options.replicaCount { transmitFromClient(pending, client: index, to: ReplicaID(replica)) }
            }
            return
        }
        guard client.completed < options.requestsPerClient, time >= client.nextSendTime else { return }
        let operation = nextOperation()
        let request = ClientRequest(client: client.key, requestID: client.nextRequestID, operation: operation)
        client.nextRequestID += 1
        let message = keys.signRequest(request, client: index, cluster: configuration.cluster)
        let key = RequestKey(client: client.key, requestID: request.requestID)
        checker.issued[key] = operation
        client.pending = message
        client.pendingKey = key
        client.replies = [:]
        client.lastSend = time
        transmitFromClient(message, client: index, to: configuration.primary(of: client.believedView))
    }

    func nextOperation() -> [UInt8] {
        let key = Array("k\(random.int(0 ... 7))".utf8)
        let namespace = Array("sim".utf8)
        switch random.int(0 ... 9) {
        case 0: return MemoryOperation.delete(namespace: namespace, key: key).encoded()
        case 1: return MemoryOperation.compareAndSet(namespace: namespace, key: key, expectedVersion: UInt64(random.int(0 ... 20)), value: random.bytes(4)).encoded()
        case 2: return MemoryOperation.get(namespace: namespace, key: key).encoded()
        default: return MemoryOperation.put(namespace: namespace, key: key, value: random.bytes(8)).encoded()
        }
    }

    /// A result counts once f + 1 distinct replicas sent the same one: at least one of
    /// them is correct.
    func clientReceive(_ message: SignedMessage, client index: Int) {
        guard verifier.verify(message), case let .reply(reply) = message.payload else { return }
        var client = clients[index]
        defer { clients[index] = client }
        guard let key = client.pendingKey, reply.client == client.key, reply.requestID == key.requestID else { return }
        client.replies[reply.sender] = reply.result
        let matching = client.replies.values.filter { $0 == reply.result }.count
        guard matching >= configuration.weakQuorum else { return }
        if !options.isSafetyOnly { checker.onClientAccepted(key, result: reply.result, time: time) }
        client.completed += 1
        client.pending = nil
        client.pendingKey = nil
        client.believedView = max(client.believedView, reply.view)
        client.nextSendTime = time + random.int(0 ... 50)
        if healed { acceptedAfterHeal += 1 }
    }
}
