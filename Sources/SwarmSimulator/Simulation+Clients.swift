import SwarmCore
import SwarmMemory
import SwarmWire

extension Simulation {
    /// A client retransmits after 30 of its ticks without a result.
    static let clientRetransmitTicks = 30

    /// A closed-loop client running `ClientCore`: one outstanding request, its first send
    /// by the client rule, sent again to every replica when no result comes (section 2.1).
    func clientTick(_ index: Int) {
        var client = clients[index]
        defer { clients[index] = client }
        let now = UInt64(time)
        if client.core.pending != nil {
            if let output = client.core.tick(now: now) { perform(output, client: index) }
            return
        }
        guard client.completed < options.requestsPerClient, time >= client.nextSendTime else { return }
        let operation =
            client.orders.isEmpty
            ? client.readBack.map { MemoryOperation.get(namespace: Array("sim".utf8), key: $0).encoded() } ?? nextOperation() : client.orders.removeFirst().encoded()
        client.readBack = nil
        let cluster = configuration.cluster
        let read = options.readOnlyReads || options.readBack ? Simulation.readKey(of: operation) : nil
        let output = client.core.submit(operation: operation, readOnly: read != nil, now: now) { request in
            keys.signRequest(request, client: index, cluster: cluster)
        }
        if case let .send(message, _) = output, case let .request(request) = message.payload {
            let key = RequestKey(client: request.client, requestID: request.requestID)
            checker.issued[key] = operation
            if let read { checker.onReadIssued(key, memoryKey: read, time: time) }
        }
        perform(output, client: index)
    }

    func perform(_ output: ClientCore.Output, client index: Int) {
        guard case let .send(message, targets) = output else { return }
        for replica in targets { transmitFromClient(message, client: index, to: replica) }
    }

    /// The key a get reads (the namespace is always the workload's).
    static func readKey(of operation: [UInt8]) -> [UInt8]? {
        guard case let .success(.get(_, key)) = MemoryOperation.decode(operation, limits: .standard) else { return nil }
        return key
    }

    /// The key a put, delete or compare-and-set writes.
    static func writtenKey(of operation: [UInt8]) -> [UInt8]? {
        switch MemoryOperation.decode(operation, limits: .standard) {
        case let .success(.put(_, key, _)), let .success(.delete(_, key)), let .success(.compareAndSet(_, key, _, _)): key
        default: nil
        }
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

    /// A verified reply goes to the client's core; a result counts once q distinct
    /// replicas sent it (at least one of them is correct).
    func clientReceive(_ message: SignedMessage, client index: Int) {
        guard case let .reply(reply) = message.payload else { return }
        var client = clients[index]
        defer { clients[index] = client }
        guard case let .accepted(requestID, result, _) = client.core.receive(reply, authentic: { verifier.verify(message) }) else { return }
        let key = RequestKey(client: client.key, requestID: requestID)
        if !options.isSafetyOnly { checker.onClientAccepted(key, result: result, time: time) }
        checker.onAccepted(key, result: result, time: time)
        client.completed += 1
        client.nextSendTime = time + random.int(0 ... 50)
        if options.readBack, let operation = checker.issued[key], let written = Simulation.writtenKey(of: operation) {
            client.readBack = written
            client.nextSendTime = time
        }
        if healed { acceptedAfterHeal += 1 }
    }
}
