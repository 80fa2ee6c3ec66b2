import SwarmCore
import SwarmWire

/// Timing manipulation: a primary that proposes, but late. PBFT's liveness rests on the
/// backups' request timers (Castro and Liskov, 4.4): a primary that holds each
/// PRE-PREPARE until just under the timeout is never replaced, yet slows the swarm by the
/// whole timeout. The proposal delay of a PRE-PREPARE is the time from the first tap
/// observation of the oldest request in its batch to the first time a backup's tap saw
/// the PRE-PREPARE arrive, so a primary cannot hide the delay by lying on its own tap.
///
/// A primary is suspected when the median of its last `samples` delays (or of the
/// proposals of a view that ended, however few, also those seen only after its end) is at or above
/// `timeoutFraction` of the request timeout, or `baselineFactor` times the other
/// primaries' median or its own first median (and at least half the timeout, so that
/// fast clusters do not make noise out of a few lost messages). Only suspected: loss and
/// retransmission delay honest proposals too; the median over several proposals is what
/// separates a policy of delay from bad luck.
public struct TimingDetector: Sendable {
    struct SlotKey: Hashable {
        var view: ViewNumber
        var sequence: SequenceNumber
    }

    let configuration: Configuration
    let requestTimeoutMicroseconds: UInt64
    let samples: Int
    let timeoutFraction: Double
    let baselineFactor: Double
    let capacity: Int
    /// When each request was first seen anywhere, and by each replica's tap.
    var requestSeen: [RequestKey: (earliest: UInt64, byObserver: [ReplicaID: UInt64])] = [:]
    var requestOrder: [RequestKey] = []
    var proposed = Set<SlotKey>()
    var proposedOrder: [SlotKey] = []
    var delays: [ReplicaID: [UInt64]] = [:]
    var ownBaseline: [ReplicaID: UInt64] = [:]
    var named = Set<ReplicaID>()
    /// When the first NEW-VIEW of each view was seen: a new primary is not late for
    /// requests that waited through the view change.
    var viewStart: [ViewNumber: UInt64] = [:]
    /// The primary of the view being proposed in, as last seen.
    var currentView: ViewNumber = 0

    public init(configuration: Configuration, requestTimeoutMicroseconds: UInt64, samples: Int, timeoutFraction: Double, baselineFactor: Double, capacity: Int = 8192) {
        precondition(samples > 0 && requestTimeoutMicroseconds > 0)
        self.configuration = configuration
        self.requestTimeoutMicroseconds = requestTimeoutMicroseconds
        self.samples = samples
        self.timeoutFraction = timeoutFraction
        self.baselineFactor = baselineFactor
        self.capacity = capacity
    }

    /// The lower median: with two samples, the smaller, so both must be late.
    static func median(_ values: [UInt64]) -> UInt64 {
        let sorted = values.sorted()
        return sorted[(sorted.count - 1) / 2]
    }

    /// Relative bounds never go below this: under loss and partitions honest proposals
    /// take a fair part of the timeout too.
    var floorMicroseconds: UInt64 { requestTimeoutMicroseconds / 2 }
    /// A primary replaced by a view change is judged on the proposals of its view, however
    /// few: the backups' timers already judged it too slow (4.4), and a primary that
    /// delays each proposal to just under the timeout is often replaced after one.
    var samplesAtViewEnd: Int { 1 }
    var timeoutBoundMicroseconds: UInt64 { UInt64(Double(requestTimeoutMicroseconds) * timeoutFraction) }

    /// The other primaries' median delay, when they have made enough proposals.
    func baseline(excluding primary: ReplicaID) -> UInt64? {
        let others = delays.filter { $0.key != primary }.flatMap(\.value)
        return others.count >= samples ? TimingDetector.median(others) : nil
    }

    public mutating func observe(_ observation: Observation) -> (findings: [Finding], anomalies: [Anomaly]) {
        let now = observation.timeMicroseconds
        // A NEW-VIEW starts its view wherever it is first seen, even on the new primary's
        // own tap: that only shortens the delays charged to the new primary.
        if case let .newView(m) = observation.message.payload { return advance(to: m.view, now: now) }
        guard observation.direction == .inbound else { return ([], []) }
        switch observation.message.payload {
        case let .request(request):
            remember(RequestKey(client: request.client, requestID: request.requestID), by: observation.observer, at: now)
            return ([], [])
        case let .prePrepare(proposal):
            guard observation.observer != proposal.sender, configuration.isReplica(proposal.sender),
                proposal.sender == configuration.primary(of: proposal.view)
            else { return ([], []) }
            let ended = advance(to: proposal.view, now: now)
            let slot = SlotKey(view: proposal.view, sequence: proposal.sequence)
            guard !proposed.contains(slot) else { return ended }
            proposed.insert(slot)
            proposedOrder.append(slot)
            if proposedOrder.count > capacity { proposed.remove(proposedOrder.removeFirst()) }
            let arrivals = proposal.batch.compactMap { message -> UInt64? in
                guard case let .request(request) = message.payload else { return nil }
                // From when the primary itself had the request, where its tap says so: a
                // request that reached only a partitioned backup is not the primary's delay.
                guard let seen = requestSeen[RequestKey(client: request.client, requestID: request.requestID)] else { return nil }
                return seen.byObserver[proposal.sender] ?? seen.earliest
            }
            guard let oldest = arrivals.min() else { return ended }
            let start = max(oldest, viewStart[proposal.view] ?? 0)
            guard now >= start else { return ended }
            // A proposal that arrives after its view ended came too late to be ordered in
            // it: the primary is judged on it as on the proposals seen before the end.
            let minimumSamples = proposal.view < currentView ? samplesAtViewEnd : samples
            let recorded = record(delay: now - start, primary: proposal.sender, now: now, minimumSamples: minimumSamples)
            return (ended.findings + recorded.findings, ended.anomalies + recorded.anomalies)
        default:
            return ([], [])
        }
    }

    /// The first sign of a later view ends the current one: its primary is judged on the
    /// proposals it made, however few (a view change is what a slow primary earns).
    mutating func advance(to view: ViewNumber, now: UInt64) -> (findings: [Finding], anomalies: [Anomaly]) {
        guard view > currentView else { return ([], []) }
        let replaced = configuration.primary(of: currentView)
        currentView = view
        viewStart[view] = now
        if viewStart.count > 64, let oldest = viewStart.keys.min() { viewStart[oldest] = nil }
        let judged = evaluate(replaced, now: now, minimumSamples: samplesAtViewEnd, delay: nil)
        delays[replaced] = nil
        return judged
    }

    mutating func remember(_ key: RequestKey, by observer: ReplicaID, at time: UInt64) {
        if var seen = requestSeen[key] {
            if seen.byObserver[observer] == nil, seen.byObserver.count < configuration.replicaCount { seen.byObserver[observer] = time }
            requestSeen[key] = seen
            return
        }
        requestSeen[key] = (time, [observer: time])
        requestOrder.append(key)
        if requestOrder.count > capacity { requestSeen[requestOrder.removeFirst()] = nil }
    }

    mutating func record(delay: UInt64, primary: ReplicaID, now: UInt64, minimumSamples: Int) -> (findings: [Finding], anomalies: [Anomaly]) {
        var recent = delays[primary] ?? []
        recent.append(delay)
        if recent.count > samples { recent.removeFirst() }
        delays[primary] = recent
        return evaluate(primary, now: now, minimumSamples: minimumSamples, delay: delay)
    }

    mutating func evaluate(_ primary: ReplicaID, now: UInt64, minimumSamples: Int, delay: UInt64?) -> (findings: [Finding], anomalies: [Anomaly]) {
        guard let recent = delays[primary], recent.count >= minimumSamples else { return ([], []) }
        let median = TimingDetector.median(recent)
        if ownBaseline[primary] == nil { ownBaseline[primary] = median }
        let others = baseline(excluding: primary)
        var bound = timeoutBoundMicroseconds
        for reference in [others, ownBaseline[primary]].compactMap({ $0 }) where reference > 0 {
            bound = min(bound, max(floorMicroseconds, UInt64(Double(reference) * baselineFactor)))
        }
        guard median >= bound else { return ([], []) }
        let anomalies = (delay ?? median) >= bound ? [Anomaly(replica: primary, timeMicroseconds: now, weight: 2)] : []
        guard named.insert(primary).inserted else { return ([], anomalies) }
        return ([.timingManipulation(primary: primary, medianDelayMicroseconds: median, baselineMicroseconds: others ?? ownBaseline[primary] ?? 0)], anomalies)
    }
}
