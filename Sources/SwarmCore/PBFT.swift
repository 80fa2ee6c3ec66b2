/// Practical Byzantine Fault Tolerance (Castro and Liskov, OSDI '99; TOCS 2002) as a
/// deterministic value type.
///
/// `Replica` is the instance: messages and logical ticks go in, `Directive`s come out. It
/// performs no I/O, reads no clock, starts no thread and draws no randomness; the shells
/// (the replica node, the simulator) interpret the directives. Signatures and digests go
/// through the injected `ProtocolCrypto`, whose production implementation is Ed25519 and
/// BLAKE2b-256 (deterministic, so the instance stays a pure function of its inputs).
///
/// Quorums are q = ⌈(n + f + 1) / 2⌉ with f = ⌊(n − 1) / 3⌋, so any two quorums intersect in
/// at least f + 1 replicas, one of them correct, for every n (section 2.2 of the TOCS paper
/// states it for n = 3f + 1; see docs/architecture.md for the general case).
public enum PBFT {}
