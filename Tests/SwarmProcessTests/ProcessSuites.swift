import Testing

/// Every suite that starts real replica processes is nested here, so that they run one
/// at a time: each starts several processes on a 2-core machine, and the ones that
/// compare throughput (ACCEPTANCE 8) or wait on timeouts must not share the cores with
/// another cluster.
@Suite("Real replica processes", .serialized)
enum ProcessSuites {}
