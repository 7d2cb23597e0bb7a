import Foundation
import Synchronization

/// Whether a Python module imports, asked once per module and interpreter (`python -c "import NAME"`).
enum PythonModules {
    private static let cache = Mutex<[String: Bool]>([:])

    /// `true` when `python -c "import module"` exits 0 within ten seconds.
    static func available(_ module: String, python: String) -> Bool {
        let key = "\(python) \(module)"
        if let known = cache.withLock({ $0[key] }) { return known }
        let result = (try? ChildProcess.capture([python, "-c", "import \(module)"], timeout: 10))
        let available = result?.status == 0
        cache.withLock { $0[key] = available }
        return available
    }
}
