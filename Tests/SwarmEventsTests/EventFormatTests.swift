import Foundation
import Testing
import SwarmEvents

@Suite("Security events: CloudEvents 1.0 and OCSF")
struct EventFormatTests {
    @Test("A finding is a CloudEvent whose data is an OCSF Detection Finding")
    func finding() throws {
        let event = SecurityEvent(
            type: "equivocation", severity: .critical, subject: "replica-2", summary: "replica 2 signed two PRE-PREPAREs", isFinding: true, details: ["view": 3])
        let cloudEvent = CloudEvent(event, sequence: 42, swarmID: "swarm-1-abc", node: "monitor", timeMicroseconds: 1_764_000_000_123_456)
        let decoded = try JSONSerialization.jsonObject(with: Data(cloudEvent.encoded())) as! [String: Any]
        #expect(decoded["specversion"] as? String == "1.0")
        #expect(decoded["source"] as? String == "urn:swarm:swarm-1-abc:monitor")
        #expect(decoded["type"] as? String == "swarmbft.security.equivocation.v1")
        #expect(decoded["subject"] as? String == "replica-2")
        #expect(decoded["sequence"] as? String == "00000000000000000042")
        #expect(decoded["time"] as? String == "2025-11-24T16:00:00.123456Z")
        #expect(cloudEvent.topic == "swarm/byzantine/security/critical/equivocation")
        let data = decoded["data"] as! [String: Any]
        #expect(data["class_uid"] as? Int == 2004 && data["category_uid"] as? Int == 2 && data["type_uid"] as? Int == 200401)
        #expect(data["severity_id"] as? Int == 5)
        #expect((data["unmapped"] as? [String: Any])?["view"] as? Int == 3)
        #expect(try CloudEvent.decode(cloudEvent.encoded()) == cloudEvent)
    }

    @Test("Other events carry their details; sequences order lexicographically")
    func plainEvent() throws {
        let event = SecurityEvent(type: "view_change", severity: .low, subject: "replica-1", summary: "view 1", details: ["view": 1])
        let cloudEvent = CloudEvent(event, sequence: 9, swarmID: "swarm-1-abc", node: "monitor", timeMicroseconds: 0)
        #expect(cloudEvent.data["class_uid"] == nil && cloudEvent.data["view"] == .int(1) && cloudEvent.data["summary"] == "view 1")
        let sequences: [UInt64] = [9, 10, 99, 100, 12345678901234]
        #expect(sequences.map(CloudEvent.sequenceString) == sequences.map(CloudEvent.sequenceString).sorted())
    }
}
