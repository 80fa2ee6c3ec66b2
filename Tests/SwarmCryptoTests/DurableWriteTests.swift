import Foundation
import Glibc
import Testing
import SwarmCrypto
import SwarmTestKit

@Suite("DurableWrite: the one write-fully-and-fsync loop")
struct DurableWriteTests {
    @Test("A buffer 70 times a pipe's capacity arrives whole while the reader drains it")
    func shortWrites() async throws {
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        // A small pipe: the writer blocks and resumes many times. (A blocking pipe writes
        // fully unless a signal interrupts it, so this shows order and completeness; the
        // EINTR and short-write branches are the loop itself.)
        _ = fcntl(ends[1], 1031 /* F_SETPIPE_SZ */, 4096)
        let bytes = (0 ..< 300_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let reader = ends[0]
        let received = Task.detached { () -> [UInt8] in
            var all: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 1000)
            while true {
                let count = chunk.withUnsafeMutableBytes { read(reader, $0.baseAddress, $0.count) }
                if count <= 0 { break }
                all += chunk[0 ..< count]
            }
            return all
        }
        #expect(DurableWrite.writeFully(ends[1], bytes) == 0)
        close(ends[1])
        let all = await received.value
        close(ends[0])
        #expect(all == bytes)
    }

    @Test("A failure is reported with its errno, never swallowed")
    func failures() throws {
        #expect(DurableWrite.writeFully(-1, [1, 2, 3]) == EBADF)
        #expect(DurableWrite.sync(-1) == EBADF)
        let path = TestKit.scratchPath("durable-write")
        let descriptor = open(path, O_RDONLY | O_CREAT, 0o600)
        defer { close(descriptor); unlink(path) }
        #expect(DurableWrite.writeFully(descriptor, [1]) == EBADF, "a read-only descriptor")
        #expect(DurableWrite.writeFully(descriptor, []) == 0, "nothing to write is no failure")
    }
}
