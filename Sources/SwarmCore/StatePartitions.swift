import SwarmWire

/// The partition tree over a checkpointed state (section 5.3.2 of the TOCS paper): the
/// state's bytes in chunks of `Configuration.stateChunkBytes`, a digest per chunk, and the
/// state digest over the manifest of chunk digests. A CHECKPOINT signs that digest, so a
/// q certificate vouches for every chunk: a lagging replica fetches only the chunks it
/// lacks, from several replicas, and checks each one alone against the manifest.
extension Replica {
    func stateManifest(of state: [UInt8]) -> StateManifest {
        let chunkBytes = configuration.stateChunkBytes
        var digests: [Digest] = []
        digests.reserveCapacity((state.count + chunkBytes - 1) / chunkBytes)
        state.withUnsafeBytes { buffer in
            var start = 0
            while start < buffer.count {
                let end = min(start + chunkBytes, buffer.count)
                digests.append(crypto.digest(UnsafeRawBufferPointer(rebasing: buffer[start ..< end])))
                start = end
            }
        }
        return StateManifest(totalBytes: UInt64(state.count), chunkBytes: UInt32(chunkBytes), chunkDigests: digests)
    }

    func stateDigest(of manifest: StateManifest) -> Digest {
        crypto.digest(manifest.encoded)
    }

    /// The chunks this replica already holds, by digest: those of its stable state and of
    /// an abandoned transfer. A chunk is content, not position, so an unchanged chunk is
    /// never fetched twice.
    func localChunks() -> [Digest: [UInt8]] {
        var chunks = abandonedChunks
        for index in stableManifest.chunkDigests.indices {
            guard let range = stableManifest.range(of: index), range.upperBound <= stable.snapshot.count else { continue }
            chunks[stableManifest.chunkDigests[index]] = Array(stable.snapshot[range])
        }
        return chunks
    }
}
