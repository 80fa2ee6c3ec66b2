/// What a Byzantine replica does: one name, one meaning, for the simulator
/// (`simulate --byzantine NAME`) and the daemon (`node --misbehave NAME`, refused unless
/// the topology sets `test_mode: true`). The replica runs the honest core for its state
/// and lies on the way out (`ByzantineReplica`), as a replica holding a valid key would.
public enum Misbehavior: String, Sendable, CaseIterable {
    /// As primary, sends each PRE-PREPARE to the first half of its peers and a conflicting
    /// one (the batch reversed, or emptied) to the others.
    case equivocate
    /// Votes PREPARE and COMMIT for two digests in the same slot: its own vote to the
    /// first half of its peers, one for another real batch (the proposed one reordered or
    /// short of a request, or the empty batch) to the others.
    case doubleVote = "double-vote"
    /// Sends nothing at all.
    case silent
    /// Sends only to the first half of its peers (selective participation).
    case selective
    /// As primary, holds each PRE-PREPARE back for 3/4 of the request timeout (timing
    /// manipulation: just under the timeout that would replace it).
    case delay
    /// Besides its honest traffic, sends validly signed messages for sequences and views
    /// no correct replica could be at, checkpoints far ahead (ACCEPTANCE 8), and inside
    /// the windows: PREPAREs and COMMITs for random digests in (h, h + L] of views up to
    /// maxViewsAhead, VIEW-CHANGEs for those views, CHECKPOINTs up to h + 2L.
    case flood
    /// Equivocates as primary and forges PREPAREs and COMMITs in other replicas' names
    /// with garbage signatures: only a replica that skips verification is fooled.
    case forge
    /// Replays messages of every kind it received (the last 64), as they were signed, to
    /// everyone: old views, old sequences, others' votes and requests.
    case replay
    /// Replies to clients with a wrong result (different at every replica).
    case wrongResults = "wrong-results"
    /// Lies in state transfer (issue 14): STATE-CHUNKs with flipped, missing or extra
    /// bytes or the wrong index, STATE-RESPONSEs with a manifest the proof does not
    /// certify, an older checkpoint or nothing at all; and, on its own clock, STATE-REQUESTs
    /// claiming nothing executed and chunk requests for indices past any manifest.
    case lyingState = "lying-state"

    /// Answers read-only requests with the state before its latest write to the key (the
    /// answer it gave before, or not found) and ordered ones honestly (issue 14, defect C):
    /// the stale replica a read quorum may meet.
    case staleReads = "stale-reads"
    /// Lies in view changes (issue 14): each VIEW-CHANGE it sends becomes two different
    /// ones, to the two halves of its peers, each drawn from: the honest one, prepared
    /// certificates omitted, stale certificates (older ones other replicas sent), a
    /// certificate whose batch does not match its PRE-PREPARE, an older checkpoint, or
    /// nothing at all (genesis, no certificates).
    case viewChangeLies = "view-change-lies"
    /// As new primary (issue 14), chooses and orders V: the honest NEW-VIEW goes to one
    /// half of its peers, a second validly signed NEW-VIEW to the other — from another
    /// choice of q VIEW-CHANGEs in a shuffled order, O recomputed from it or (one time in
    /// two) leaving out a prepared batch — and its COMMITs back the story each peer heard.
    case newViewLies = "new-view-lies"

    /// The names, for help texts and refusals.
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
