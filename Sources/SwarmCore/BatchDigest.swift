import SwarmWire

/// The digest d of a batch that PRE-PREPARE ⟨v, n, d⟩ binds (section 2.3): over a domain tag
/// and the request frames, length-prefixed, so that no two batches share an encoding.
/// The empty batch is the null request.
public func batchDigest(of batch: [SignedMessage], crypto: any ProtocolCrypto) -> Digest {
    var writer = ByteWriter(capacity: 64 + batch.reduce(0) { $0 + $1.frame.count + 4 })
    writer.raw(Array("SBFT-batch".utf8))
    writer.u32(UInt32(batch.count))
    for request in batch { writer.lengthPrefixed(request.frame) }
    return crypto.digest(writer.bytes)
}
