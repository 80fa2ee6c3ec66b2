import Testing
import SwarmWire

/// Every class of malformed input the strict decoder refuses, each with its typed error.
@Suite("Strict decoder")
struct MalformedInputTests {
    var generator = MessageGenerator(seed: 77)

    func expectCode(_ code: WireError.Code, _ frame: [UInt8], limits: WireLimits = .standard, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try WireCodec.decode(frame, limits: limits)
            Issue.record("decoded a frame that should fail with \(code)", sourceLocation: sourceLocation)
        } catch {
            #expect(error.code == code, "got \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test mutating func badMagic() {
        var frame = generator.vote(.commit).frame
        frame[0] = UInt8(ascii: "X")
        expectCode(.badMagic, frame)
    }

    @Test mutating func unknownVersion() {
        var frame = generator.vote(.commit).frame
        frame[4] = 2
        expectCode(.unknownVersion, frame)
    }

    @Test mutating func unknownKind() {
        var frame = generator.vote(.commit).frame
        frame[5] = 200
        expectCode(.unknownKind, frame)
        frame[5] = 0
        expectCode(.unknownKind, frame)
    }

    @Test("Every truncation of every kind is refused, never a crash")
    mutating func truncated() {
        for kind in MessageKind.allCases {
            let frame = generator.message(kind: kind).frame
            for length in 0 ..< frame.count {
                do {
                    _ = try WireCodec.decode(Array(frame.prefix(length)))
                    Issue.record("a \(kind) cut to \(length) of \(frame.count) bytes decoded")
                } catch {
                    #expect(
                        [.truncated, .trailingBytes, .lengthOverLimit, .countOverLimit, .invalidValue, .wrongNestedKind, .unknownKind, .badMagic, .unknownVersion].contains(
                            error.code))
                }
            }
        }
    }

    @Test mutating func trailingBytes() {
        // Bytes inserted before the signature make the body longer than its fields.
        var frame = generator.vote(.prepare).frame
        frame.insert(0, at: frame.count - 64)
        expectCode(.trailingBytes, frame)
    }

    @Test mutating func lengthOverLimit() {
        let request = generator.request()
        var limits = WireLimits.standard
        guard case let .request(r) = request.payload else { return }
        limits.maxOperationBytes = r.operation.count - 1
        if r.operation.isEmpty { return }
        expectCode(.lengthOverLimit, request.frame, limits: limits)
    }

    @Test func countOverLimit() {
        var limits = WireLimits.standard
        limits.maxBatchRequests = 1
        var generator = MessageGenerator(seed: 3)
        let batch = [generator.request(), generator.request()]
        let message = generator.sign(.prePrepare(PrePrepare(sender: 0, view: 0, sequence: 1, digest: .zero, batch: batch)))
        expectCode(.countOverLimit, message.frame, limits: limits)
    }

    @Test("A forged count larger than the bytes left is refused before any allocation")
    func forgedCount() {
        var generator = MessageGenerator(seed: 4)
        var frame = generator.sign(.prePrepare(PrePrepare(sender: 0, view: 0, sequence: 1, digest: .zero, batch: []))).frame
        // The batch count is the last u32 before the signature.
        let countOffset = frame.count - 64 - 4
        frame.replaceSubrange(countOffset ..< countOffset + 4, with: [0, 0, 3, 0])
        expectCode(.truncated, frame)
    }

    @Test mutating func frameOverLimit() {
        var limits = WireLimits.standard
        limits.maxFrameBytes = 100
        expectCode(.frameOverLimit, generator.message(kind: .viewChange).frame + [UInt8](repeating: 0, count: 100), limits: limits)
    }

    /// No legal chain nests deeper than four (NEW-VIEW, VIEW-CHANGE, PRE-PREPARE, REQUEST,
    /// inside EVIDENCE); EVIDENCE may not hold EVIDENCE, and the nested kind is checked
    /// before the nested frame is decoded, so a deep chain is refused at its first level.
    @Test("Nesting is bounded: a chain of EVIDENCE frames is refused")
    func nestingTooDeep() {
        var generator = MessageGenerator(seed: 8)
        var message = generator.vote(.prepare)
        for _ in 0 ..< WireCodec.maxNestingDepth + 1 {
            message = generator.sign(.evidence(Evidence(reporter: 1, first: message, second: message)))
        }
        expectCode(.wrongNestedKind, message.frame)
    }

    @Test("A nested frame of the wrong kind is refused")
    func wrongNestedKind() {
        var generator = MessageGenerator(seed: 9)
        let notARequest = generator.vote(.commit)
        let message = generator.sign(.prePrepare(PrePrepare(sender: 0, view: 0, sequence: 1, digest: .zero, batch: [notARequest])))
        expectCode(.wrongNestedKind, message.frame)
    }

    @Test("A nested frame from another cluster or epoch is refused")
    func nestedOtherCluster() {
        var generator = MessageGenerator(seed: 10)
        let foreign = SignedMessage.withSignature(
            .checkpoint(Checkpoint(sender: 1, sequence: 16, stateDigest: .zero)), cluster: ClusterBinding(clusterName: "other", epoch: 7), signature: generator.signature())
        let message = generator.sign(.viewChange(ViewChange(sender: 1, newView: 2, stableSequence: 16, checkpointProof: [foreign], prepared: [])))
        expectCode(.invalidValue, message.frame)
    }

    @Test("A boolean other than 0 or 1 is not canonical")
    func nonCanonicalBoolean() {
        var generator = MessageGenerator(seed: 11)
        let request = generator.sign(.request(ClientRequest(client: ClientKey(bytes: [UInt8](repeating: 1, count: 32)), requestID: 1, operation: [])))
        var frame = request.frame
        // magic(4) version kind clusterLen cluster epoch(8) client(32) requestID(8) flag
        let flagOffset = 4 + 1 + 1 + 1 + Array("generated".utf8).count + 8 + 32 + 8
        #expect(frame[flagOffset] == 0)
        frame[flagOffset] = 2
        expectCode(.invalidValue, frame)
    }

    @Test("Random bytes never crash the decoder")
    func randomBytes() {
        var generator = MessageGenerator(seed: 12)
        for _ in 0 ..< 20_000 {
            let bytes = generator.random.bytes(generator.random.int(0 ... 200))
            _ = try? WireCodec.decode(bytes)
        }
        // Random mutations of valid frames exercise deeper paths.
        for index in 0 ..< 20_000 {
            var frame = generator.message(kind: MessageKind.allCases[index % MessageKind.allCases.count]).frame
            for _ in 0 ..< generator.random.int(1 ... 4) {
                frame[generator.random.int(0 ... frame.count - 1)] = UInt8(truncatingIfNeeded: generator.random.next())
            }
            _ = try? WireCodec.decode(frame)
        }
    }
}
