import Dispatch
import SwarmTopology
import SwarmAuth
import SwarmCore
import SwarmWire

/// Signature verification on both cores. The owner thread drains a batch of frames, then
/// verifies the batch's signatures on two threads at once (itself and one worker) and
/// records the frames that verified; the core's `verify` then finds them in this cache
/// instead of verifying again. The core stays pure: whether a signature verifies is a
/// fact about the bytes, and the cache only remembers it.
///
/// Used by one owner thread; the parallel section only reads the batch and writes each
/// index's own result slot.
final class VerifiedFrames: @unchecked Sendable {
    let capacity: Int
    private var frames: Set<FrameKey> = []
    private var order: [FrameKey] = []
    private var oldest = 0
    private(set) var hits = 0
    private(set) var misses = 0

    init(capacity: Int = 1 << 16) {
        self.capacity = capacity
    }

    func contains(_ frame: [UInt8]) -> Bool {
        if frames.contains(FrameKey(frame)) { hits += 1; return true }
        misses += 1
        return false
    }

    /// Remembers a verified frame, evicting the oldest beyond the capacity.
    func insert(_ frame: [UInt8]) {
        let frame = FrameKey(frame)
        guard frames.insert(frame).inserted else { return }
        if order.count < capacity {
            order.append(frame)
        } else {
            frames.remove(order[oldest])
            order[oldest] = frame
            oldest = (oldest + 1) % capacity
        }
    }

    /// Verifies every message (and the client requests inside PRE-PREPAREs) on two
    /// threads and remembers those that verified.
    func preverify(_ messages: [SignedMessage], with crypto: Ed25519ProtocolCrypto) {
        var work: [SignedMessage] = []
        for message in messages {
            work.append(message)
            if case let .prePrepare(m) = message.payload { work += m.batch }
        }
        // One verification per distinct frame: a drained batch often holds the same request
        // several times (from the client and forwarded by each backup, or loose and inside a
        // PRE-PREPARE), and each copy used to be verified.
        var pending = Set<FrameKey>()
        work.removeAll { message in
            let key = FrameKey(message.frame)
            return frames.contains(key) || !pending.insert(key).inserted
        }
        guard !work.isEmpty else { return }
        let results = UnsafeMutableBufferPointer<Bool>.allocate(capacity: work.count)
        defer { results.deallocate() }
        results.initialize(repeating: false)
        let lanes = work.count >= 4 ? 2 : 1
        let box = UncheckedBox(work: work, results: results)
        DispatchQueue.concurrentPerform(iterations: lanes) { lane in
            var index = lane
            while index < box.work.count {
                box.results[index] = crypto.verify(box.work[index])
                index += lanes
            }
        }
        for (index, message) in work.enumerated() where results[index] { insert(message.frame) }
    }
}

/// A frame as a key of the verified set: equal only when every byte is equal, but hashed
/// by its last 32 bytes (the S half of its Ed25519 signature) and its length. Hashing the
/// whole array fed `Hasher` one byte at a time and was the top Swift symbol of the replica
/// profile: each request frame is looked up several times, and PRE-PREPAREs are kilobytes.
/// Only frames that verified are inserted, and distinct valid frames with equal signature
/// tails do not occur, so an attacker cannot crowd one bucket; a forged frame that copies a
/// valid tail costs one full comparison and misses.
struct FrameKey: Hashable {
    let frame: [UInt8]

    init(_ frame: [UInt8]) { self.frame = frame }

    static func == (lhs: FrameKey, rhs: FrameKey) -> Bool { lhs.frame == rhs.frame }

    func hash(into hasher: inout Hasher) {
        hasher.combine(frame.count)
        frame.withUnsafeBytes { bytes in
            hasher.combine(bytes: UnsafeRawBufferPointer(rebasing: bytes.suffix(32)))
        }
    }
}

/// Hands the batch and the result slots to the lanes; each lane writes only its own slots.
private struct UncheckedBox: @unchecked Sendable {
    let work: [SignedMessage]
    let results: UnsafeMutableBufferPointer<Bool>
}

/// The `ProtocolCrypto` the node gives its core: Ed25519, with verification answered from
/// the pre-verified frames when possible.
struct CachedProtocolCrypto: ProtocolCrypto {
    let base: Ed25519ProtocolCrypto
    let verified: VerifiedFrames

    func digest(_ bytes: UnsafeRawBufferPointer) -> Digest { base.digest(bytes) }
    func sign(_ bytes: UnsafeRawBufferPointer) -> [UInt8] { base.sign(bytes) }
    func verify(_ message: SignedMessage) -> Bool {
        if verified.contains(message.frame) { return true }
        guard base.verify(message) else { return false }
        verified.insert(message.frame)
        return true
    }
}
