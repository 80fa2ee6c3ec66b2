#if canImport(Glibc)
    import Glibc
#endif
import Foundation

/// Children of `swarmbft up`, `deploy` and `bench` die with their parent (issue 15, finding
/// 10: a killed `up` left its replicas and monitor running, holding their ports). The
/// parent names itself in the child's environment; the child, at start, asks the kernel for
/// SIGTERM when its parent dies (PR_SET_PDEATHSIG), and checks the parent is still the one
/// named, in case it died before the request took effect. SIGTERM lets a replica sync its
/// log and stop as usual.
public enum ParentWatch {
    public static let environmentKey = "SWARMBFT_PARENT_PID"

    /// The environment for a child that must die with this process.
    public static func childEnvironment() -> [String: String] {
        ProcessInfo.processInfo.environment.merging([environmentKey: "\(getpid())"]) { _, new in new }
    }

    /// Called first thing in `swarmbft`: arms the death signal if a parent asked for it.
    public static func armFromEnvironment() {
        guard let value = ProcessInfo.processInfo.environment[environmentKey], let parent = pid_t(value), parent > 1 else { return }
        #if os(Linux)
            // Glibc's module map leaves out <sys/prctl.h>; prctl's integer arguments pass
            // the same way through a non-variadic pointer. PR_SET_PDEATHSIG is 1.
            typealias Prctl = @convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32
            if let symbol = dlsym(nil, "prctl") {
                _ = unsafeBitCast(symbol, to: Prctl.self)(1, UInt(SIGTERM), 0, 0, 0)
            }
        #endif
        if getppid() != parent { kill(getpid(), SIGTERM) }
    }
}
