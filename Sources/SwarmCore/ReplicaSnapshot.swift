import SwarmWire

/// The checkpointed state of a replica: the client table (last request id and result per
/// client, so at-most-once execution survives state transfer), the service snapshot, and
/// the replicas an admin's ordered control quarantined (only when there are any, so a
/// state without them has the digest it always had).
enum ReplicaSnapshot {
    struct Decoded {
        var clients: [ClientKey: ClientRecord]
        var service: [UInt8]
        var orderedQuarantine: Set<ReplicaID>
    }

    static func encode<Service: ReplicatedService>(clients: [ClientKey: ClientRecord], service: Service, orderedQuarantine: Set<ReplicaID> = []) -> [UInt8] {
        let serviceBytes = service.snapshot()
        var writer = ByteWriter(capacity: 16 + clients.count * 64 + serviceBytes.count)
        writer.u32(UInt32(clients.count))
        for client in clients.keys.sorted() {
            let record = clients[client]!
            writer.raw(client.bytes)
            writer.u64(record.lastRequestID)
            writer.lengthPrefixed(record.lastResult)
        }
        writer.lengthPrefixed(serviceBytes)
        if !orderedQuarantine.isEmpty {
            writer.u32(UInt32(orderedQuarantine.count))
            for replica in orderedQuarantine.sorted() { writer.u32(replica) }
        }
        return writer.bytes
    }

    static func decode(_ bytes: [UInt8], limits: WireLimits) throws(WireError) -> Decoded {
        var reader = ByteReader(bytes)
        let count = try reader.count(limit: bytes.count, minimumElementBytes: 44, "client records")
        var clients: [ClientKey: ClientRecord] = [:]
        for _ in 0 ..< count {
            let client = ClientKey(bytes: try reader.raw(ClientKey.byteCount, "client key"))
            let requestID = try reader.u64("request id")
            let result = try reader.lengthPrefixed(limit: limits.maxResultBytes, "result")
            clients[client] = ClientRecord(lastRequestID: requestID, lastResult: result)
        }
        let service = try reader.lengthPrefixed(limit: limits.maxSnapshotBytes, "service snapshot")
        var ordered = Set<ReplicaID>()
        if !reader.isAtEnd {
            let count = try reader.count(limit: limits.maxVotesPerCertificate, minimumElementBytes: 4, "ordered quarantine")
            for _ in 0 ..< count { ordered.insert(try reader.u32("quarantined replica")) }
        }
        guard reader.isAtEnd else { throw WireError(.trailingBytes, "after the ordered quarantine") }
        return Decoded(clients: clients, service: service, orderedQuarantine: ordered)
    }
}
