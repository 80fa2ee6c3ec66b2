import Testing
import SwarmCore
import SwarmMemory
import SwarmWire

@Suite("Swarm memory service")
struct SwarmMemoryTests {
    let client = ClientKey(bytes: [UInt8](repeating: 1, count: 32))
    let ns = Array("agents".utf8)

    func run(_ memory: inout SwarmMemory, _ operation: MemoryOperation) throws -> MemoryResult {
        try MemoryResult.decode(memory.execute(operation.encoded(), client: client))
    }

    @Test func putGetDeleteCasList() throws {
        var memory = SwarmMemory()
        let put = try run(&memory, .put(namespace: ns, key: Array("a".utf8), value: [1]))
        #expect(put.status == .ok && put.version == 1)
        #expect(try run(&memory, .get(namespace: ns, key: Array("a".utf8))).value == [1])
        #expect(try run(&memory, .compareAndSet(namespace: ns, key: Array("a".utf8), expectedVersion: 7, value: [2])).status == .versionMismatch)
        let cas = try run(&memory, .compareAndSet(namespace: ns, key: Array("a".utf8), expectedVersion: 1, value: [2]))
        #expect(cas.status == .ok && cas.version == 2)
        _ = try run(&memory, .put(namespace: ns, key: Array("ab".utf8), value: [3]))
        _ = try run(&memory, .put(namespace: ns, key: Array("b".utf8), value: [4]))
        let listed = try run(&memory, .list(namespace: ns, prefix: Array("a".utf8), limit: 10))
        #expect(listed.entries.map(\.key) == [Array("a".utf8), Array("ab".utf8)])
        #expect(try run(&memory, .delete(namespace: ns, key: Array("a".utf8))).status == .ok)
        #expect(try run(&memory, .get(namespace: ns, key: Array("a".utf8))).status == .notFound)
        #expect(try run(&memory, .compareAndSet(namespace: ns, key: Array("new".utf8), expectedVersion: 0, value: [9])).status == .ok)
    }

    @Test("Bad operations get clear error results and change nothing")
    func badOperations() throws {
        var memory = SwarmMemory(limits: MemoryLimits(maxValueBytes: 8, maxEntries: 1))
        let before = memory.snapshot()
        #expect(try MemoryResult.decode(memory.execute([], client: client)).status == .malformed)
        #expect(try MemoryResult.decode(memory.execute([99, 0, 0, 0, 0], client: client)).status == .unknownOperation)
        #expect(try run(&memory, .put(namespace: ns, key: [1], value: [UInt8](repeating: 0, count: 9))).status == .tooLarge)
        #expect(try MemoryResult.decode(memory.execute(MemoryOperation.put(namespace: ns, key: [1], value: [1]).encoded() + [0], client: client)).status == .malformed)
        #expect(memory.snapshot() == before)
        #expect(try run(&memory, .put(namespace: ns, key: [1], value: [1])).status == .ok)
        #expect(try run(&memory, .put(namespace: ns, key: [2], value: [1])).status == .quotaExceeded)
    }

    @Test("Snapshots are canonical and restore the same state")
    func snapshotRestore() throws {
        var a = SwarmMemory(), b = SwarmMemory()
        _ = try run(&a, .put(namespace: ns, key: [1], value: [1]))
        _ = try run(&a, .put(namespace: Array("x".utf8), key: [2], value: [2]))
        _ = try run(&b, .put(namespace: ns, key: [1], value: [1]))
        _ = try run(&b, .put(namespace: Array("x".utf8), key: [2], value: [2]))
        #expect(a.snapshot() == b.snapshot())
        var restored = SwarmMemory()
        try restored.restore(a.snapshot())
        #expect(restored == a)
        #expect(throws: ServiceError.self) { try restored.restore([1, 2, 3]) }
    }
}
