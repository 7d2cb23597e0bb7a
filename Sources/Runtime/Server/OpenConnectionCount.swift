import Synchronization

/// The open connections of a whole server (every loop), and the one drain waiting for them
/// to reach zero: the loops' `onClose` wakes it as the last connection closes, so shutdown
/// neither polls nor sleeps. Touched once per connection opened or closed, never per request.
final class OpenConnectionCount: Sendable {
    private let open = Atomic<Int>(0)
    private let waiter = Mutex<CheckedContinuation<Void, Never>?>(nil)

    /// The number open now.
    var current: Int { open.load(ordering: .acquiring) }

    func opened() {
        open.add(1, ordering: .relaxed)
    }

    func closed() {
        if open.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 { wake() }
    }

    /// Returns once no connection is open, or when the task is cancelled.
    func waitUntilNoneOpen() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                // The check and the registration happen under the lock `wake` takes, so a last
                // close either sees this waiter or happened before the check saw zero.
                let resumeNow = waiter.withLock { waiter -> Bool in
                    if current == 0 || Task.isCancelled { return true }
                    waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            wake()
        }
    }

    /// Returns true once no connection is open, false if `timeout` passes first.
    func waitUntilNoneOpen(timeout: Duration) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask { await self.waitUntilNoneOpen(); return true }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first && current == 0
        }
    }

    private func wake() {
        let waiting = waiter.withLock { waiter in
            defer { waiter = nil }
            return waiter
        }
        waiting?.resume()
    }
}
