#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A mutex and condition variable on a stable heap address.
///
/// `pthread_mutex_t` must not move once initialised, so it cannot live inline in a Swift
/// value; this class owns one allocation for its whole life. It exists so the target needs
/// no module beyond the C library (no Foundation, and no `Synchronization.Mutex`, whose
/// availability floor on Apple platforms is above the package's).
final class Lock: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>

    init() {
        mutex = .allocate(capacity: 1)
        condition = .allocate(capacity: 1)
        precondition(pthread_mutex_init(mutex, nil) == 0, "pthread_mutex_init")
        precondition(pthread_cond_init(condition, nil) == 0, "pthread_cond_init")
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// Runs `body` with the mutex held.
    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// Waits, with the mutex held, until `predicate` is true; `predicate` is evaluated
    /// under the mutex. Wakes on every ``broadcast()``.
    func wait(until predicate: () -> Bool) {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while !predicate() {
            pthread_cond_wait(condition, mutex)
        }
    }

    /// Runs `body` under the mutex, then wakes every waiter.
    func withLockBroadcast<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer {
            pthread_cond_broadcast(condition)
            pthread_mutex_unlock(mutex)
        }
        return try body()
    }
}
